/**
 * Test support for Spring Boot applications on Sluice: {@link io.sluice.spring.boot.test.AutoConfigureSluiceTestDriver}
 * runs the context's {@code Topology} beans on {@code TestDriver}s, with the runtimes not started. Needs
 * {@code sluice-test-fixtures} and {@code spring-boot-test} on the test class path.
 */
package io.sluice.spring.boot.test;
