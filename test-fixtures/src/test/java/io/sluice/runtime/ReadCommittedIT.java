package io.sluice.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.testing.EmbeddedKafka;
import io.sluice.testing.EmbeddedKafkaExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The consumer settings Sluice owns, on a real broker: aborted transactions are never applied
 * ({@code read_committed} by default), Kafka runs with {@code auto.offset.reset=none} while the user's
 * {@code earliest} still places a new group, and {@link SluiceRuntime#isCaughtUp()} tells when the backlog is
 * done, transaction markers included.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class ReadCommittedIT {

    private static final AtomicInteger NAMES = new AtomicInteger();

    private final EmbeddedKafka kafka;

    ReadCommittedIT(EmbeddedKafka kafka) {
        this.kafka = kafka;
    }

    @Test
    void abortedRecordsAreNeverAppliedAndTheRuntimeReportsWhenItIsCaughtUp() throws Exception {
        String topic = "read-committed-" + NAMES.incrementAndGet();
        kafka.createTopic(topic, 1);
        produceTransactions(topic);

        List<String> applied = new CopyOnWriteArrayList<>();
        Topology topology = Sluice.topology()
                .topic(topic).deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> (batch, ctx) -> batch.forEach(m -> applied.add(m.value())))
                .build();
        Properties props = new Properties();
        props.put("bootstrap.servers", kafka.bootstrapServers());
        props.put("group.id", "read-committed-group-" + NAMES.incrementAndGet());
        props.put("auto.offset.reset", "earliest");
        props.put("session.timeout.ms", "6000");
        try (SluiceRuntime runtime = SluiceRuntime.create(topology, props,
                RuntimeSettings.defaults().withCommitInterval(Duration.ofMillis(200)))) {
            Map<String, String> config = runtime.consumerConfig();
            assertEquals("none", config.get("auto.offset.reset"), "Kafka never moves a position on its own");
            assertEquals("read_committed", config.get("isolation.level"));
            assertFalse(runtime.isCaughtUp(), "not started");
            runtime.start();
            awaitTrue("caught up", Duration.ofSeconds(60), runtime::isCaughtUp);
            assertEquals(List.of("kept-0", "kept-1", "kept-2", "kept-3"), applied,
                    "the committed transactions' records, in order; none of the aborted one's");
            awaitTrue("the end committed, markers included", Duration.ofSeconds(30),
                    () -> runtime.partitions().values().stream().flatMap(List::stream)
                            .allMatch(p -> p.committed() == p.latestLogEnd().orElse(-2)));
        }
    }

    /** Two committed transactions around an aborted one: 4 records kept, 2 aborted, 3 markers. */
    private void produceTransactions(String topic) {
        Map<String, Object> props = new java.util.HashMap<>(kafka.producerProperties());
        props.put("transactional.id", topic + "-tx");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                new StringSerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, "k", "kept-0"));
            producer.send(new ProducerRecord<>(topic, 0, "k", "kept-1"));
            producer.commitTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, "k", "aborted-0"));
            producer.send(new ProducerRecord<>(topic, 0, "k", "aborted-1"));
            producer.flush();
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, "k", "kept-2"));
            producer.send(new ProducerRecord<>(topic, 0, "k", "kept-3"));
            producer.commitTransaction();
        }
    }

    private static void awaitTrue(String what, Duration limit, BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out after " + limit + " waiting for: " + what);
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }
}
