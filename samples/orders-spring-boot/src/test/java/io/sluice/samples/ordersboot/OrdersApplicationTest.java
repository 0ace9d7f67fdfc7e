package io.sluice.samples.ordersboot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.dsl.Topology;
import io.sluice.filters.PartitionOffsets;
import io.sluice.runtime.SluiceEvent;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.spring.boot.autoconfigure.SluiceConsumerConfig;
import io.sluice.spring.boot.autoconfigure.SluiceRuntimes;
import io.sluice.testing.EmbeddedKafka;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The application on Sluice's in-process broker and an in-memory H2 database: every order is stored exactly once
 * although a second member joins the group while orders arrive and then crashes without committing to Kafka.
 */
@SpringBootTest(properties = {"spring.kafka.consumer.max-poll-records=10", "sluice.commit-interval=200ms",
        "sluice.topics.orders.backoff.initial=100ms"})
class OrdersApplicationTest {

    private static final EmbeddedKafka KAFKA = EmbeddedKafka.start();

    static {
        KAFKA.createTopic(OrdersApplication.TOPIC, 3);
    }

    @DynamicPropertySource
    static void kafka(DynamicPropertyRegistry registry) {
        registry.add("spring.kafka.bootstrap-servers", KAFKA::bootstrapServers);
    }

    @AfterAll
    static void stopBroker() {
        KAFKA.close();
    }

    @Autowired
    SluiceRuntimes runtimes;
    @Autowired
    SluiceConsumerConfig consumerConfig;
    @Autowired
    OrderRepository orders;
    @Autowired
    PartitionOffsets partitionOffsets;
    @Autowired
    HealthEndpoint health;
    @Autowired
    MeterRegistry meters;

    /** The runtimes stop before the broker does (the context itself closes only when the JVM ends). */
    @AfterEach
    void stopRuntimes() {
        runtimes.stop();
    }

    @Test
    void everyOrderIsStoredExactlyOnceAcrossARebalanceAndACrash() {
        send(1, 100);
        await().atMost(Duration.ofSeconds(60)).until(() -> orders.count() == 100);

        // a second member joins the group: partitions move while orders keep arriving; it never commits to Kafka
        Topology topology = runtimes.topologies().get("orders");
        AtomicInteger consumedBySecond = new AtomicInteger();
        SluiceRuntime second = SluiceRuntime.create(topology, consumerConfig.consumerProperties("orders"),
                runtimes.settings().withCommitInterval(Duration.ofHours(1)));
        second.listener(event -> {
            if (event instanceof SluiceEvent.Consumed c) {
                consumedBySecond.addAndGet(c.messages().size());
            }
        });
        second.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> !assigned(second).isEmpty());
            send(101, 200);
            await().atMost(Duration.ofSeconds(60)).until(() -> orders.count() == 200);
            assertThat(consumedBySecond.get()).as("the second member stored some of them").isPositive();
        } finally {
            // a crash: nothing committed to Kafka; its partitions go back to the application's runtime, which
            // is fetched from Kafka's stale offsets and moved to the database's by the offset manager
            second.halt();
        }
        send(201, 300);
        await().atMost(Duration.ofSeconds(90)).until(() -> orders.count() == 300);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> runtimes.runtime("orders").orElseThrow().isCaughtUp());

        assertThat(orders.count()).isEqualTo(300);
        assertThat(orders.countDistinctOrderIds()).as("no order stored twice").isEqualTo(300);
        long stored = 0;
        for (int partition = 0; partition < 3; partition++) {
            stored += partitionOffsets.nextOffset("orders-service",
                    new TopicPartition(OrdersApplication.TOPIC, partition)).orElse(0);
        }
        assertThat(stored).as("the stored offsets cover every message").isEqualTo(300);
        assertThat(health.healthForPath("sluice").getStatus().getCode()).isEqualTo("UP");
        assertThat(meters.find("sluice.messages.consumed").tag("runtime", "orders").counters()).isNotEmpty();
    }

    private static List<?> assigned(SluiceRuntime runtime) {
        return runtime.partitions().values().stream().flatMap(List::stream).toList();
    }

    private static void send(int first, int last) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(KAFKA.producerProperties(),
                new StringSerializer(), new StringSerializer())) {
            for (int id = first; id <= last; id++) {
                producer.send(new ProducerRecord<>(OrdersApplication.TOPIC, "order-" + id, "{\"id\":" + id + "}"));
            }
            producer.flush();
        }
    }
}
