package io.sluice.spring.boot.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.test.context.PropertyMapping;

/**
 * On a Spring Boot test class: the context's runtimes are not started ({@code sluice.auto-startup=false}, so no
 * broker is needed) and a {@link SluiceTestDrivers} bean runs the {@code Topology} beans on {@code TestDriver}s
 * instead. Needs {@code sluice-test-fixtures} on the test class path.
 *
 * <pre>{@code
 * @SpringBootTest
 * @AutoConfigureSluiceTestDriver
 * class OrdersTopologyTest {
 *     @Autowired SluiceTestDrivers drivers;
 *
 *     @Test
 *     void storesAnOrder() {
 *         TestDriver driver = drivers.start("orders", 1);
 *         driver.send("orders", 0, "order-1", "{}").assign("orders", 0).runUntilIdle();
 *         ...
 *     }
 * }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ImportAutoConfiguration(SluiceTestDriverAutoConfiguration.class)
@PropertyMapping("sluice")
public @interface AutoConfigureSluiceTestDriver {

    /**
     * Whether the runtimes start with the context.
     *
     * @return false by default: the drivers run the topologies instead
     */
    @PropertyMapping("auto-startup")
    boolean autoStartup() default false;
}
