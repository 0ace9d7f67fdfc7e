/**
 * Spring Boot 4 auto-configuration for Sluice: {@link io.sluice.spring.boot.autoconfigure.SluiceRuntimes} runs a
 * runtime per {@code Topology} bean as a {@code SmartLifecycle};
 * {@link io.sluice.spring.boot.autoconfigure.SluiceProperties} binds {@code sluice.*}; the offset store is made on
 * the application's {@code DataSource}; Actuator gets the {@code sluice} health contributor and endpoint. Every
 * bean backs off when the application declares its own.
 */
package io.sluice.spring.boot.autoconfigure;
