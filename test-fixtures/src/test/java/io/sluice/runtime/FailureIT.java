package io.sluice.runtime;

import static io.sluice.runtime.RuntimeIT.awaitTrue;
import static io.sluice.runtime.RuntimeIT.unique;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.runtime.internal.DeadLetters;
import io.sluice.testing.EmbeddedKafka;
import io.sluice.testing.EmbeddedKafkaExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Failure handling on a real broker: dead letters and retries. */
@ExtendWith(EmbeddedKafkaExtension.class)
class FailureIT {

    private final EmbeddedKafka kafka;

    FailureIT(EmbeddedKafka kafka) {
        this.kafka = kafka;
    }

    @Test
    @SuppressWarnings("try") // the runtime only needs to run and close
    void aPoisonMessageLandsOnTheDeadLetterTopicWithItsHeadersAndRawBytesWhileThePartitionContinues()
            throws Exception {
        String topic = unique("poison");
        String dlq = topic + ".dlq";
        kafka.createTopic(topic, 1);
        kafka.createTopic(dlq, 1);
        Deserializer<String> strict = (t, data) -> {
            if (data[0] == (byte) 0xFF) {
                throw new SerializationException("not UTF-8 text");
            }
            return new String(data, StandardCharsets.UTF_8);
        };
        List<String> consumed = new CopyOnWriteArrayList<>();
        Topology topology = Sluice.topology()
                .topic(topic).deserializers(new StringDeserializer(), strict)
                .consumer(() -> (batch, ctx) -> batch.forEach(m -> consumed.add(m.value())))
                .deadLetterQueue(dlq, 2)
                .build();
        byte[] poison = {(byte) 0xFF, 0x01, 0x02};
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProperties())) {
            producer.send(new ProducerRecord<>(topic, 0, "k1".getBytes(), "before".getBytes())).get();
            ProducerRecord<byte[], byte[]> bad = new ProducerRecord<>(topic, 0, "k2".getBytes(), poison);
            bad.headers().add(new RecordHeader("trace", "abc".getBytes()));
            producer.send(bad).get();
            producer.send(new ProducerRecord<>(topic, 0, "k3".getBytes(), "after".getBytes())).get();
        }
        try (SluiceRuntime runtime = SluiceRuntime.start(topology, props(),
                RuntimeIT.fast().withPollTimeout(Duration.ofMillis(50)))) {
            awaitTrue("the partition continues past the poison message", Duration.ofSeconds(60),
                    () -> consumed.contains("after"));
        }
        assertEquals(List.of("before", "after"), consumed);
        ConsumerRecord<byte[], byte[]> letter = readOne(dlq);
        assertArrayEquals(poison, letter.value());
        assertArrayEquals("k2".getBytes(), letter.key());
        assertEquals("abc", header(letter, "trace"));
        assertEquals(topic, header(letter, io.sluice.runtime.DeadLetterHeaders.TOPIC));
        assertEquals("0", header(letter, io.sluice.runtime.DeadLetterHeaders.PARTITION));
        assertEquals("1", header(letter, io.sluice.runtime.DeadLetterHeaders.OFFSET));
        assertEquals(SerializationException.class.getName(), header(letter, io.sluice.runtime.DeadLetterHeaders.EXCEPTION_CLASS));
        assertEquals("3", header(letter, io.sluice.runtime.DeadLetterHeaders.ATTEMPTS));
    }

    @Test
    @SuppressWarnings("try") // the runtime only needs to run and close
    void aConsumerFailingThreeTimesOnOneMessageThenSucceedingLosesAndDuplicatesNothing() throws Exception {
        String topic = unique("flaky");
        kafka.createTopic(topic, 2);
        Map<String, AtomicInteger> applied = new ConcurrentHashMap<>();
        AtomicInteger failuresLeft = new AtomicInteger(3);
        Topology topology = Sluice.topology()
                .topic(topic).deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> (batch, ctx) -> {
                    List<String> done = new ArrayList<>();
                    for (var m : batch) {
                        if (m.value().equals("m-50") && failuresLeft.getAndDecrement() > 0) {
                            throw new IllegalStateException("transient failure on m-50");
                        }
                        done.add(m.value());
                    }
                    // the batch's effects apply only when it succeeds
                    done.forEach(v -> applied.computeIfAbsent(v, k -> new AtomicInteger()).incrementAndGet());
                })
                .backoff(Duration.ofMillis(100), Duration.ofMillis(400))
                .build();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(kafka.producerProperties(),
                new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.StringSerializer())) {
            for (int i = 0; i < 200; i++) {
                producer.send(new ProducerRecord<>(topic, i % 2, "k", "m-" + i));
            }
            producer.flush();
        }
        try (SluiceRuntime runtime = SluiceRuntime.start(topology, props(), RuntimeIT.fast())) {
            awaitTrue("all 200 applied", Duration.ofSeconds(60), () -> applied.size() == 200);
        }
        assertEquals(200, applied.size());
        applied.forEach((value, count) -> assertEquals(1, count.get(), value + " applied " + count + " times"));
        assertEquals(-1, failuresLeft.get(), "it failed exactly three times");
    }

    @Test
    @SuppressWarnings("try") // the runtime only needs to run and close
    void deadLettersGoToTheClusterOfTheirOwnProducerPropertiesWithTheNewHeaders(@TempDir Path dir) throws Exception {
        String topic = unique("elsewhere");
        String dlq = topic + ".dlq";
        kafka.createTopic(topic, 1);
        List<String> consumed = new CopyOnWriteArrayList<>();
        Topology topology = Sluice.topology()
                .topic(topic).deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> (batch, ctx) -> batch.forEach(m -> {
                    if (m.value().equals("bad")) {
                        throw new io.sluice.dsl.MessageFailedException(m, new IllegalStateException("declined"));
                    }
                    consumed.add(m.value());
                }))
                .deadLetterQueue(dlq, 0)
                .build();
        try (EmbeddedKafka other = EmbeddedKafka.start()) {
            other.createTopic(dlq, 1);
            Path file = dir.resolve("dlq-producer.properties");
            Files.writeString(file, "bootstrap.servers=" + other.bootstrapServers() + "\nlinger.ms=0\n");
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(kafka.producerProperties(),
                    new org.apache.kafka.common.serialization.StringSerializer(),
                    new org.apache.kafka.common.serialization.StringSerializer())) {
                producer.send(new ProducerRecord<>(topic, 0, "k", "bad")).get();
                producer.send(new ProducerRecord<>(topic, 0, "k", "good")).get();
            }
            Properties props = props();
            try (SluiceRuntime runtime = SluiceRuntime.create(topology, props, RuntimeIT.fast())
                    .deadLetterProducerProperties(file).start()) {
                awaitTrue("the partition continues past the dead letter", Duration.ofSeconds(60),
                        () -> consumed.contains("good"));
            }
            ConsumerRecord<byte[], byte[]> letter = readOne(other, dlq);
            assertEquals("bad", new String(letter.value(), StandardCharsets.UTF_8));
            assertEquals(props.getProperty("group.id"), header(letter, DeadLetterHeaders.CONSUMER_GROUP));
            assertEquals("CreateTime", header(letter, DeadLetterHeaders.TIMESTAMP_TYPE));
            assertEquals("declined", header(letter, DeadLetterHeaders.EXCEPTION_MESSAGE));
            assertTrue(header(letter, DeadLetterHeaders.EXCEPTION_STACK_TRACE)
                    .startsWith(IllegalStateException.class.getName() + ": declined"));
            try (org.apache.kafka.clients.admin.Admin admin = kafka.admin()) {
                assertFalse(admin.listTopics().names().get().contains(dlq),
                        "nothing was published to the consumer's cluster");
            }
        }
    }

    private Properties props() {
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka.bootstrapServers());
        p.put("group.id", unique("group"));
        p.put("auto.offset.reset", "earliest");
        return p;
    }

    private ConsumerRecord<byte[], byte[]> readOne(String topic) {
        return readOne(kafka, topic);
    }

    private static ConsumerRecord<byte[], byte[]> readOne(EmbeddedKafka cluster, String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(cluster.consumerProperties(unique("dlq-reader"), GroupProtocol.CLASSIC))) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    return r;
                }
            }
            throw new AssertionError("no dead letter on " + topic);
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String key) {
        return new String(record.headers().lastHeader(key).value(), StandardCharsets.UTF_8);
    }
}
