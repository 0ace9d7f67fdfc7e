package io.sluice.web.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Batch;
import io.sluice.dsl.ConsumerContext;
import io.sluice.dsl.Message;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.runtime.RuntimeSettings;
import io.sluice.runtime.SluiceEvent;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.EmbeddedKafka;
import io.sluice.testing.EmbeddedKafkaExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(EmbeddedKafkaExtension.class)
class SluiceReporterIT {

    private static final AtomicInteger FAILURES = new AtomicInteger();

    /** Fails for ever on the message "poison" of partition 1; consumes everything else. */
    static final class FailsOnPoison implements io.sluice.dsl.Consumer<String, String> {
        @Override
        public void consume(Batch<String, String> batch, ConsumerContext ctx) {
            for (Message<String, String> m : batch.messages()) {
                if ("poison".equals(m.value())) {
                    throw new IllegalStateException("the payment service refused <" + m.key() + ">");
                }
            }
        }
    }

    private final EmbeddedKafka kafka;

    SluiceReporterIT(EmbeddedKafka kafka) {
        this.kafka = kafka;
    }

    @Test
    void reportsStateEveryIntervalThrottlesIdenticalErrorsAndSaysLastWhenClosed() throws Exception {
        ConsoleTopics topics = new ConsoleTopics("reporter");
        try (Admin admin = kafka.admin()) {
            topics.install(admin, (short) 1);
        }
        kafka.createTopic("reported", 2);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(kafka.producerProperties(),
                new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 20; i++) {
                producer.send(new ProducerRecord<>("reported", 0, "k" + i, "order-" + i));
            }
            producer.send(new ProducerRecord<>("reported", 1, "k-poison", "poison"));
            producer.flush();
        }
        Topology topology = Sluice.topology()
                .topic("reported").deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(FailsOnPoison::new)
                .build();
        Properties props = new Properties();
        props.put("bootstrap.servers", kafka.bootstrapServers());
        props.put("group.id", "reporter-it");
        props.put("auto.offset.reset", "earliest");
        Map<String, Object> producer = Map.of("bootstrap.servers", kafka.bootstrapServers());
        ReporterSettings settings = ReporterSettings.defaults().withTopics(topics)
                .withInterval(Duration.ofMillis(200)).withErrorThrottle(Duration.ofHours(1))
                .withDatabaseOffsets(tp -> tp.partition() == 0
                        ? Optional.of(new PartitionReport.DatabaseOffset(20, java.time.Instant.EPOCH))
                        : Optional.empty());

        SluiceRuntime missing = SluiceRuntime.create(topology, props);
        IllegalStateException notInstalled = assertThrows(IllegalStateException.class, () -> SluiceReporter.start(
                missing, producer, settings.withTopics(new ConsoleTopics("nowhere"))));
        assertTrue(notInstalled.getMessage().contains("nowhere.sluice.reports")
                && notInstalled.getMessage().contains("install"), notInstalled.getMessage());

        SluiceRuntime runtime = SluiceRuntime.create(topology, props, RuntimeSettings.defaults()
                .withCommitInterval(Duration.ofMillis(200)));
        runtime.listener(event -> {
            if (event instanceof SluiceEvent.Failed) {
                FAILURES.incrementAndGet();
            }
        });
        SluiceReporter reporter = SluiceReporter.start(runtime, producer, settings);
        try (runtime) {
            runtime.start();
            try (KafkaConsumer<String, String> reports = reader(topics.reports())) {
                ProcessReport seen = awaitReport(reports, r -> r.partitions().size() == 2
                        && r.partitions().stream().anyMatch(p -> p.partition() == 0 && p.marked() == 20));
                assertEquals(runtime.name(), seen.process());
                assertEquals("reporter-it", seen.group());
                assertFalse(seen.last());
                PartitionReport p0 = seen.partitions().stream().filter(p -> p.partition() == 0).findFirst()
                        .orElseThrow();
                assertEquals(Optional.of(new PartitionReport.DatabaseOffset(20, java.time.Instant.EPOCH)),
                        p0.database());
                awaitTrue("three failures of the poison message", () -> FAILURES.get() >= 3);
            }
        } finally {
            reporter.close();
        }
        try (KafkaConsumer<String, String> errors = reader(topics.errors());
             KafkaConsumer<String, String> reports = reader(topics.reports())) {
            List<ErrorReport> sent = new ArrayList<>();
            for (String json : drain(errors)) {
                sent.add(ErrorReport.fromJson(json));
            }
            assertEquals(1, sent.size(), "identical failures are throttled: " + sent);
            ErrorReport error = sent.get(0);
            assertEquals(new TopicPartition("reported", 1), new TopicPartition(error.topic(), error.partition()));
            assertTrue(error.error().contains("the payment service refused <k-poison>"), error.error());
            assertTrue(error.stack().contains("FailsOnPoison.consume"), error.stack());
            List<ProcessReport> all = drain(reports).stream().map(ReportFormat::read).toList();
            assertTrue(all.get(all.size() - 1).last(), "the final report says last");
        }
    }

    private KafkaConsumer<String, String> reader(String topic) {
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", kafka.bootstrapServers());
        config.put("auto.offset.reset", "earliest");
        config.put("enable.auto.commit", false);
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new StringDeserializer());
        consumer.assign(List.of(new TopicPartition(topic, 0)));
        consumer.seekToBeginning(List.of(new TopicPartition(topic, 0)));
        return consumer;
    }

    private static ProcessReport awaitReport(KafkaConsumer<String, String> reports,
                                             java.util.function.Predicate<ProcessReport> wanted) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, String> r : reports.poll(Duration.ofMillis(200))) {
                ProcessReport report = ReportFormat.read(r.value());
                if (wanted.test(report)) {
                    return report;
                }
            }
        }
        throw new AssertionError("no such report within 60 s");
    }

    private static List<String> drain(KafkaConsumer<String, String> consumer) {
        TopicPartition tp = consumer.assignment().iterator().next();
        long end = consumer.endOffsets(List.of(tp)).get(tp);
        List<String> values = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (consumer.position(tp) < end && System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
        }
        return values;
    }

    private static void awaitTrue(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 60 s: " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(20).toNanos()); // poll again
        }
    }
}
