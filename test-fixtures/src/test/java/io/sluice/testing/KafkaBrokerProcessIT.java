package io.sluice.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

class KafkaBrokerProcessIT {

    private static final String TOPIC = "crash";
    private static final int PARTITIONS = 3;
    private static final int RECORDS = 100;
    private static final String GROUP = "survivor";
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    /** What "fails quickly" means for a client of a killed broker. */
    private static final Duration QUICK_FAILURE = Duration.ofSeconds(15);

    @Test
    void aKilledBrokerRestartsOnItsDirectoryAndPortWithItsRecordsAndGroupOffsets() throws Exception {
        Path logDir;
        ChildJvm orphan;
        try (KafkaBrokerProcess broker = KafkaBrokerProcess.start(Map.of("log.retention.check.interval.ms", "5000"))) {
            logDir = broker.logDirectory();
            String bootstrap = broker.bootstrapServers();
            assertTrue(broker.isAlive());
            assertTrue(Files.exists(broker.log()));
            broker.createTopic(TOPIC, PARTITIONS);

            Set<String> produced = new HashSet<>();
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(broker.producerProperties())) {
                for (int i = 0; i < RECORDS; i++) {
                    String value = "record-" + i;
                    producer.send(new ProducerRecord<>(TOPIC, i % PARTITIONS, null, bytes(value)))
                            .get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
                    produced.add(value);
                }
            }
            TopicPartition committedPartition = new TopicPartition(TOPIC, 1);
            try (KafkaConsumer<byte[], byte[]> consumer =
                         new KafkaConsumer<>(broker.consumerProperties(GROUP, GroupProtocol.CLASSIC))) {
                consumer.assign(List.of(committedPartition));
                consumer.commitSync(Map.of(committedPartition, new OffsetAndMetadata(17)));
            }

            broker.kill();
            assertFalse(broker.isAlive());
            assertEquals(bootstrap, broker.bootstrapServers());
            broker.kill(); // nothing to kill
            try (Admin admin = broker.admin()) {
                long before = System.nanoTime();
                ExecutionException failure = assertThrows(ExecutionException.class, () -> admin
                        .describeCluster(new DescribeClusterOptions().timeoutMs(2_000)).nodes()
                        .get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS));
                assertInstanceOf(TimeoutException.class, failure.getCause());
                assertTrue(System.nanoTime() - before < QUICK_FAILURE.toNanos(), "the admin call failed quickly");
            }
            Map<String, Object> impatient = broker.producerProperties();
            impatient.put("max.block.ms", 2_000);
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(impatient)) {
                ExecutionException failure = assertThrows(ExecutionException.class, () -> producer
                        .send(new ProducerRecord<>(TOPIC, 0, null, bytes("never")))
                        .get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS));
                assertInstanceOf(TimeoutException.class, failure.getCause());
            }

            broker.restart();
            assertTrue(broker.isAlive());
            assertEquals(bootstrap, broker.bootstrapServers());
            assertEquals(produced, readAll(broker));
            try (Admin admin = broker.admin()) {
                Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(GROUP)
                        .partitionsToOffsetAndMetadata().get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
                assertEquals(17, offsets.get(committedPartition).offset(), offsets.toString());
            }

            // the orphan watch: without its parent's end of stdin, the broker JVM stops on its own
            orphan = broker.closeStandardInput();
            assertTrue(orphan.awaitExit(DEADLINE), "the broker JVM exits when its standard input closes");
            assertEquals(0, orphan.exitValue().orElseThrow(), "an orderly stop");
            assertFalse(broker.isAlive());
        }
        assertFalse(Files.exists(logDir), "close() deletes the log directory");
    }

    @Test
    void closeIsIdempotentAndEndsTheBroker() {
        KafkaBrokerProcess broker = KafkaBrokerProcess.start(Map.of());
        Path logDir = broker.logDirectory();
        broker.close();
        broker.close();
        assertFalse(broker.isAlive());
        assertFalse(Files.exists(logDir));
        assertThrows(IllegalStateException.class, broker::restart);
    }

    private static Set<String> readAll(KafkaBrokerProcess broker) {
        Map<String, Object> props = broker.consumerProperties("reader", GroupProtocol.CLASSIC);
        props.put("enable.auto.commit", false);
        Set<String> read = new HashSet<>();
        List<TopicPartition> partitions = IntStream.range(0, PARTITIONS)
                .mapToObj(p -> new TopicPartition(TOPIC, p)).collect(Collectors.toList());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            Map<TopicPartition, Long> ends = new HashMap<>(consumer.endOffsets(partitions, DEADLINE));
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))
                    && System.nanoTime() - deadline < 0) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    read.add(new String(record.value(), StandardCharsets.UTF_8));
                }
            }
        }
        return read;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
