package io.sluice.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.filters.OffsetManager;
import io.sluice.filters.PartitionOffsets;
import io.sluice.testing.EmbeddedKafka;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The {@code sluice} health contributor and endpoint on the in-process broker: a runtime whose instance dies turns
 * DOWN; one whose database is out stays UP and shows its failing partition; the endpoint masks error texts unless
 * show-values allows them, and then cuts them.
 */
class SluiceHealthIT {

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void broker() {
        kafka = EmbeddedKafka.start();
        kafka.createTopic("orders", 1);
        kafka.createTopic("broken", 1);
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class App {
        @Bean
        OutageDataSource dataSource() throws Exception {
            JdbcDataSource h2 = new JdbcDataSource();
            h2.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
            try (Connection c = h2.getConnection(); Statement s = c.createStatement()) {
                s.execute("create table orders (id varchar(64))");
            }
            return new OutageDataSource(h2);
        }

        @Bean
        Topology orders(PartitionOffsets offsets) {
            return Sluice.topology().topic("orders")
                    .deserializers(new StringDeserializer(), new StringDeserializer())
                    .consumer(() -> (batch, ctx) -> offsets.consumeJdbc(ctx, batch, (connection, messages) -> {
                        try (PreparedStatement insert = connection.prepareStatement("insert into orders values (?)")) {
                            for (var m : messages) {
                                insert.setString(1, m.value());
                                insert.executeUpdate();
                            }
                        }
                    }))
                    .filter(OffsetManager.using(offsets))
                    .build();
        }

        /** Its consumer factory throws an Error at the first assignment: the instance dies. */
        @Bean
        Topology broken() {
            return Sluice.topology().topic("broken").consumer(() -> {
                throw new LinkageError("a consumer that cannot be made");
            }).build();
        }
    }

    @Test
    void downOnlyWhenAnInstanceDiedAndUpThroughADatabaseOutage() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(SluiceAutoConfiguration.class,
                        SluiceOffsetsAutoConfiguration.class, SluiceHealthAutoConfiguration.class,
                        SluiceEndpointAutoConfiguration.class, SluiceMetricsAutoConfiguration.class))
                .withUserConfiguration(App.class)
                .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withPropertyValues("sluice.kafka.bootstrap-servers=" + kafka.bootstrapServers(),
                        "sluice.kafka.properties[auto.offset.reset]=earliest",
                        "sluice.runtimes.orders.group-id=orders-" + UUID.randomUUID(),
                        "sluice.runtimes.broken.group-id=broken-" + UUID.randomUUID(),
                        "sluice.topics.orders.backoff.initial=100ms", "sluice.topics.orders.backoff.max=300ms",
                        "sluice.commit-interval=200ms", "sluice.dashboard.max-error-length=20",
                        "management.endpoints.jmx.exposure.include=sluice", "spring.jmx.enabled=true")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    CompositeHealthContributor sluice = (CompositeHealthContributor) context
                            .getBean("sluiceHealthContributor");
                    HealthIndicator orders = (HealthIndicator) sluice.getContributor("orders");
                    HealthIndicator broken = (HealthIndicator) sluice.getContributor("broken");
                    OutageDataSource db = context.getBean(OutageDataSource.class);

                    // the broken runtime's only instance dies at its first assignment: DOWN, naming the error type
                    await().atMost(Duration.ofSeconds(60)).until(() -> broken.health().getStatus() == Status.DOWN);
                    assertThat(broken.health().getDetails().get("failedInstances").toString())
                            .contains("java.lang.LinkageError");

                    send("order-1");
                    await().atMost(Duration.ofSeconds(60)).until(() -> rows(db) == 1);
                    assertThat(orders.health().getStatus()).isEqualTo(Status.UP);
                    // the runtime's meters are in the context's registry, tagged with the Topology bean's name
                    await().atMost(Duration.ofSeconds(10)).until(() -> context.getBean(MeterRegistry.class)
                            .find("sluice.messages.consumed").tag("runtime", "orders").counter() != null);
                    // and the Kafka consumer's own client metrics, per instance, while the consumer lives
                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    String instance = context.getBean(SluiceRuntimes.class).runtime("orders").orElseThrow().name()
                            + "-consumer-0";
                    await().atMost(Duration.ofSeconds(30)).until(() -> !kafkaClientMeters(registry, instance)
                            .isEmpty());
                    assertThat(kafkaClientMeters(registry, instance)).extracting(m -> m.getId().getName())
                            .contains("kafka.consumer.fetch.manager.records.consumed.total");

                    db.down.set(true);
                    send("order-2");
                    await().atMost(Duration.ofSeconds(60)).until(() -> !failing(orders.health()).isEmpty());
                    Health during = orders.health();
                    assertThat(during.getStatus()).as("an outage is not DOWN").isEqualTo(Status.UP);
                    assertThat(failing(during)).containsKey("orders-0");

                    // the endpoint: the outage's error is masked by default (show-values=never)
                    SluiceEndpoint endpoint = context.getBean(SluiceEndpoint.class);
                    await().atMost(Duration.ofSeconds(30)).until(() -> !errors(endpoint).isEmpty());
                    assertThat(errors(endpoint)).allSatisfy(e -> assertThat(e.get("error"))
                            .isEqualTo(SluiceEndpoint.MASK));

                    db.down.set(false);
                    await().atMost(Duration.ofSeconds(60)).until(() -> rows(db) == 2);
                    await().atMost(Duration.ofSeconds(30)).until(() -> failing(orders.health()).isEmpty());
                    assertThat(orders.health().getStatus()).isEqualTo(Status.UP);
                    assertThat(broken.health().getStatus()).isEqualTo(Status.DOWN);

                    context.getBean(SluiceRuntimes.class).stop();
                    assertThat(kafkaClientMeters(registry, instance)).as("removed with the consumer").isEmpty();
                });
    }

    private static List<io.micrometer.core.instrument.Meter> kafkaClientMeters(MeterRegistry registry,
                                                                            String instance) {
        return registry.getMeters().stream().filter(m -> m.getId().getName().startsWith("kafka.consumer.")
                && instance.equals(m.getId().getTag("sluice.instance"))).toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> failing(Health health) {
        return (Map<String, Object>) health.getDetails().get("failingPartitions");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> errors(SluiceEndpoint endpoint) {
        Map<String, Object> runtimes = (Map<String, Object>) endpoint.sluice(SecurityContext.NONE).get("runtimes");
        return (List<Map<String, Object>>) ((Map<String, Object>) runtimes.get("orders")).get("errors");
    }

    private static void send(String value) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(kafka.producerProperties(),
                new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>("orders", value, value)).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static long rows(OutageDataSource db) throws Exception {
        boolean wasDown = db.down.get();
        if (wasDown) {
            return -1;
        }
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("select count(*) from orders")) {
            r.next();
            return r.getLong(1);
        }
    }
}
