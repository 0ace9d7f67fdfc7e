package io.sluice.spring.boot.test;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.dsl.Backoff;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.spring.boot.autoconfigure.SluiceAutoConfiguration;
import io.sluice.spring.boot.autoconfigure.SluiceRuntimes;
import io.sluice.testing.TestDriver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The annotation on a Boot test: the runtimes stay stopped, and a driver runs the Topology bean as configured. */
@SpringBootTest(classes = AutoConfigureSluiceTestDriverTest.App.class, properties = {
        "sluice.kafka.bootstrap-servers=127.0.0.1:1", "sluice.runtimes.orders.group-id=orders-service",
        "sluice.topics.orders.backoff.initial=3s", "sluice.topics.orders.backoff.max=3s"})
@AutoConfigureSluiceTestDriver
class AutoConfigureSluiceTestDriverTest {

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration(SluiceAutoConfiguration.class)
    static class App {
        final List<String> stored = new CopyOnWriteArrayList<>();

        @Bean
        Topology orders() {
            return Sluice.topology().topic("orders")
                    .deserializers(new StringDeserializer(), new StringDeserializer())
                    .consumer(() -> (batch, ctx) -> batch.messages().forEach(m -> stored.add(m.value())))
                    .build();
        }
    }

    @Autowired
    SluiceRuntimes runtimes;
    @Autowired
    SluiceTestDrivers drivers;
    @Autowired
    App app;

    @Test
    void theRuntimesStayStoppedAndADriverRunsTheTopologyBeanAsConfigured() {
        assertThat(runtimes.isAutoStartup()).isFalse();
        assertThat(runtimes.isRunning()).isFalse();

        TestDriver driver = drivers.start("orders", 2);
        driver.send("orders", 1, "order-1", "one").assign("orders", 0, 1).runUntilIdle();

        assertThat(app.stored).containsExactly("one");
        assertThat(driver.groupId()).isEqualTo("orders-service");
        assertThat(runtimes.topologies().get("orders").topic("orders").orElseThrow().settings().backoff())
                .isEqualTo(new Backoff(Duration.ofSeconds(3), Duration.ofSeconds(3), 2.0));
    }
}
