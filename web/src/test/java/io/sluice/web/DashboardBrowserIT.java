package io.sluice.web;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Batch;
import io.sluice.dsl.ConsumerContext;
import io.sluice.dsl.Filter;
import io.sluice.dsl.FilterFactory;
import io.sluice.dsl.MessageFailedException;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.dsl.Verdict;
import io.sluice.runtime.RuntimeSettings;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.EmbeddedKafka;
import io.sluice.testing.EmbeddedKafkaExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A real browser loads the dashboard of a runtime consuming from the in-process broker: headless Chromium
 * (Debian's {@code chromium}, which {@code .ci/run} installs) dumps the DOM, which must show every partition and
 * the script's mark, and takes a screenshot, kept as {@code target/dashboard.png}. Skipped, visibly, only when
 * Chromium is not installed.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class DashboardBrowserIT {

    private static final List<Path> CHROMIUMS = List.of(Path.of("/usr/bin/chromium"),
            Path.of("/usr/bin/chromium-browser"));
    private static final Duration BROWSER_LIMIT = Duration.ofSeconds(90);
    private static final int PARTITIONS = 3;
    private static final int MESSAGES = 60;

    private final EmbeddedKafka kafka;

    DashboardBrowserIT(EmbeddedKafka kafka) {
        this.kafka = kafka;
    }

    /** Counts what it consumed; fails once on one message, so the page has a recent error to show. */
    static final class OrdersConsumer implements io.sluice.dsl.Consumer<String, String> {
        static final Set<String> CONSUMED = ConcurrentHashMap.newKeySet();
        static final AtomicInteger FAILURES = new AtomicInteger(1);

        @Override
        public void consume(Batch<String, String> batch, ConsumerContext context) {
            for (var m : batch) {
                if (m.value().equals("order-" + (MESSAGES - 1)) && FAILURES.getAndDecrement() > 0) {
                    throw new MessageFailedException(m, new IllegalStateException(
                            "payment service unavailable for <" + m.key() + ">"));
                }
                CONSUMED.add(m.value());
            }
        }
    }

    /** Drops test messages for good, so the dashboard has a verdict to show. */
    static final class DropTestMessages implements FilterFactory<String, String> {
        static final AtomicInteger DROPPED = new AtomicInteger();

        @Override
        public Filter<String, String> create(TopicPartition topicPartition) {
            return (batch, ctx) -> {
                int removed = batch.removeIf(m -> m.value().startsWith("test-"));
                DROPPED.addAndGet(removed);
                return removed > 0 ? Verdict.skip() : Verdict.notApplied();
            };
        }
    }

    @Test
    void aHeadlessBrowserSeesEveryPartitionOfARunningTopology() throws Exception {
        Path chromium = CHROMIUMS.stream().filter(Files::isExecutable).findFirst().orElse(null);
        Assumptions.assumeTrue(chromium != null,
                "Chromium is not installed (apt-get install chromium; .ci/run does): the browser test is skipped");

        String topic = "orders"; // the broker is this JVM's own; a short name keeps the screenshot readable
        kafka.createTopic(topic, PARTITIONS);
        Topology topology = Sluice.topology()
                .topic(topic).deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(OrdersConsumer::new)
                .filter(new DropTestMessages())
                .build();
        Properties props = new Properties();
        props.put("bootstrap.servers", kafka.bootstrapServers());
        props.put("group.id", "it-dashboard-" + System.nanoTime());
        props.put("auto.offset.reset", "earliest");
        props.put("session.timeout.ms", "6000");
        props.put("heartbeat.interval.ms", "500");

        try (SluiceRuntime runtime = SluiceRuntime.create(topology, props,
                     RuntimeSettings.defaults().withCommitInterval(Duration.ofMillis(500)).withWorkerThreads(2));
             SluiceDashboard dashboard = SluiceDashboard.start(runtime)) {
            runtime.start();
            assertThrows(IllegalStateException.class, () -> SluiceDashboard.start(runtime),
                    "a dashboard must listen before the runtime starts");
            produce(topic);
            awaitTrue("every partition assigned, every message consumed or dropped", Duration.ofSeconds(60),
                    () -> assignedPartitions(runtime) == PARTITIONS
                            && OrdersConsumer.CONSUMED.size() + DropTestMessages.DROPPED.get() >= MESSAGES);

            String dom = chromium(chromium, "--virtual-time-budget=4000", "--dump-dom", dashboard.url().toString());
            Files.writeString(Path.of("target", "dashboard-dom.html"), dom, StandardCharsets.UTF_8);
            for (int p = 0; p < PARTITIONS; p++) {
                assertTrue(dom.contains("<td>" + topic + "-" + p + "</td>"), "partition " + p + " in\n" + dom);
            }
            assertTrue(dom.contains("data-script=\"ready\""), "the versioned script ran:\n" + dom);
            assertTrue(dom.contains("data-refreshes=\""), "the script re-rendered the page from /api/state");
            assertTrue(dom.contains("<td>OrdersConsumer</td>"), "the topology's consumer");
            assertTrue(dom.contains("<td>DropTestMessages</td>"), "the filter chain");
            assertTrue(dom.contains("SKIP, "), "a last verdict");
            assertTrue(dom.contains("payment service unavailable for &lt;k" + (MESSAGES - 1) + "&gt;"),
                    "the recent error, escaped");

            Path screenshot = Path.of("target", "dashboard.png").toAbsolutePath();
            Files.deleteIfExists(screenshot);
            chromium(chromium, "--hide-scrollbars", "--window-size=1280,900", "--screenshot=" + screenshot,
                    dashboard.url().toString());
            assertTrue(Files.size(screenshot) > 10_000, "a screenshot of some substance at " + screenshot);
            byte[] signature = Arrays.copyOf(Files.readAllBytes(screenshot), 8);
            assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, signature);
        }
    }

    private static int assignedPartitions(SluiceRuntime runtime) {
        return runtime.partitions().values().stream().mapToInt(List::size).sum();
    }

    private void produce(String topic) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(kafka.producerProperties(),
                new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < MESSAGES; i++) {
                String value = (i % 10 == 0 ? "test-" : "order-") + i;
                producer.send(new ProducerRecord<>(topic, i % PARTITIONS, "k" + i, value));
            }
            producer.flush();
        }
    }

    /** Runs headless Chromium on a fresh profile; returns what it printed on stdout. */
    private static String chromium(Path binary, String... args) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("sluice-chromium-");
        Path log = Path.of("target", "chromium-" + System.nanoTime() + ".log").toAbsolutePath();
        Path out = Files.createTempFile("sluice-chromium-", ".out");
        try {
            List<String> command = new ArrayList<>(List.of(binary.toString(), "--headless", "--no-sandbox",
                    "--disable-gpu", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile));
            command.addAll(List.of(args));
            Process process = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(log.toFile())
                    .start();
            if (!process.waitFor(BROWSER_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new AssertionError("chromium did not finish within " + BROWSER_LIMIT + "; its log: " + log);
            }
            assertEquals(0, process.exitValue(), "chromium failed; its log: " + log);
            return Files.readString(out, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(out);
            deleteTree(profile);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void awaitTrue(String what, Duration limit, BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + limit + " waiting for: " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }
}
