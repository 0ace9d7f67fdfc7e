package io.sluice.web.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.runtime.PartitionState;
import io.sluice.runtime.RuntimeSettings;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.EmbeddedKafka;
import io.sluice.testing.EmbeddedKafkaExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Three reporting runtimes and a console, clicked through in headless Chromium (over the DevTools protocol): the
 * overview, each partition once, history, an error, a dead letter browsed, replayed and consumed again, an operator's
 * pause and resume acting on the owner through a rebalance, and a halted process turning stale, then gone.
 * Screenshots of every page land in {@code web/target/console-*.png}.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class ConsoleBrowserIT {

    private static final String TOKEN = "operator token for the browser test";
    private static final Set<String> CONSUMED = ConcurrentHashMap.newKeySet();

    private final EmbeddedKafka kafka;

    ConsoleBrowserIT(EmbeddedKafka kafka) {
        this.kafka = kafka;
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void anOperatorClicksThroughEveryPage() throws Exception {
        Optional<Path> binary = Chromium.binary();
        Assumptions.assumeTrue(binary.isPresent(),
                "Chromium is not installed (apt-get install chromium; .ci/run does): the console browser test is skipped");
        ConsoleTopics topics = new ConsoleTopics("ui");
        try (Admin admin = kafka.admin()) {
            topics.install(admin, (short) 1);
        }
        kafka.createTopic("shop", 3);
        kafka.createTopic("shop.dlq", 1);
        for (int i = 0; i < 30; i++) {
            produce("order-" + i, i % 3);
        }
        produce("poison", 2);

        CommandSigner signer = CommandSigner.withKey("the key the console and the shop share"
                .getBytes(StandardCharsets.UTF_8));
        Map<String, Object> client = Map.of("bootstrap.servers", kafka.bootstrapServers());
        Topology topology = Sluice.topology()
                .topic("shop").deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> (batch, ctx) -> batch.messages().forEach(m -> {
                    boolean replayed = m.lastHeader("sluice.replay.of").isPresent();
                    if ("poison".equals(m.value()) && !replayed) {
                        throw new IllegalStateException("the shop refused an order");
                    }
                    CONSUMED.add(m.value() + (replayed ? " (replayed)" : ""));
                }))
                .deadLetterQueue("shop.dlq", 0)
                .build();
        Properties props = new Properties();
        props.put("bootstrap.servers", kafka.bootstrapServers());
        props.put("group.id", "shop");
        props.put("auto.offset.reset", "earliest");
        props.put("session.timeout.ms", String.valueOf(EmbeddedKafka.CONSUMER_SESSION_TIMEOUT_MS));
        props.put("heartbeat.interval.ms", String.valueOf(EmbeddedKafka.CONSUMER_HEARTBEAT_INTERVAL_MS));
        ReporterSettings reporting = ReporterSettings.defaults().withTopics(topics)
                .withInterval(Duration.ofMillis(500));
        CommandSettings commanding = CommandSettings.of(signer).withTopics(topics);

        List<SluiceRuntime> runtimes = new ArrayList<>();
        List<AutoCloseable> closing = new ArrayList<>();
        ConsoleSettings settings = ConsoleSettings.defaults().withTopics(topics).withTtl(Duration.ofSeconds(4))
                .withOperators("ada:" + OperatorTokens.hash(TOKEN), signer);
        try (SluiceConsole console = SluiceConsole.start(client, settings);
             Chromium browser = Chromium.start(binary.get())) {
            for (int i = 0; i < 3; i++) {
                SluiceRuntime runtime = SluiceRuntime.create(topology, props, RuntimeSettings.defaults()
                        .withCommitInterval(Duration.ofMillis(300)));
                closing.add(SluiceReporter.start(runtime, client, reporting));
                closing.add(SluiceCommands.start(runtime, client, commanding));
                runtimes.add(runtime);
            }
            runtimes.forEach(SluiceRuntime::start);
            await("every order consumed", () -> CONSUMED.size() >= 30);

            browser.open(console.url());
            browser.reloadUntil("three live processes", html -> count(html, "data-value=\"live\"") == 3,
                    Duration.ofSeconds(60));
            browser.screenshot(Path.of("target", "console-overview.png"));

            browser.click("nav a[href=\"/partitions\"]");
            String partitions = browser.reloadUntil("every partition once",
                    html -> count(html, "<tr data-partition=") == 3, Duration.ofSeconds(30));
            for (int p = 0; p < 3; p++) {
                assertEquals(1, count(partitions, "<tr data-partition=\"shop-" + p + "\">"), partitions);
            }
            browser.screenshot(Path.of("target", "console-partitions.png"));

            browser.click("nav a[href=\"/errors\"]");
            browser.reloadUntil("the poison message's error", html -> html.contains("the shop refused an order"),
                    Duration.ofSeconds(30));
            browser.screenshot(Path.of("target", "console-errors.png"));

            browser.click("nav a[href=\"/history\"]");
            browser.reloadUntil("a chart with points", html -> html.contains("<polyline"), Duration.ofSeconds(30));
            browser.screenshot(Path.of("target", "console-history.png"));

            // an operator logs in
            browser.click("header a[href=\"/login\"]");
            browser.fill("input[name=\"token\"]", TOKEN);
            browser.click("#login button[type=\"submit\"]");
            assertTrue(browser.text("header .status").contains("operator ada"), browser.html());

            // the dead letter: browsed, replayed, consumed again
            browser.click("nav a[href=\"/dead-letters\"]");
            browser.click("a[href=\"/dead-letters?topic=shop.dlq\"]");
            String letters = browser.reloadUntil("the dead letter", html -> html.contains("data-letter=\"0/0\""),
                    Duration.ofSeconds(30));
            assertTrue(letters.contains("poison"), "the operator sees the payload");
            browser.screenshot(Path.of("target", "console-dead-letters.png"));
            browser.click("tr[data-letter=\"0/0\"] form button");
            assertTrue(browser.text("[data-outcome]").startsWith("1 replayed"), browser.text("main"));
            await("the replayed order consumed", () -> CONSUMED.contains("poison (replayed)"));

            // pause shop-0 on its owner; it holds through a rebalance; resume lets it go on
            browser.click("nav a[href=\"/partitions\"]");
            browser.click("tr[data-partition=\"shop-0\"] form[action=\"/commands/pause\"] button");
            browser.reloadUntil("the owner's answer", html -> html.contains("applied: pause of shop-0"),
                    Duration.ofSeconds(30));
            SluiceRuntime owner = ownerOf(runtimes, 0);
            await("the owner paused shop-0", () -> operatorPaused(owner, 0));
            produce("while-paused", 0);
            produce("beside-the-pause", 1);
            await("shop-1 goes on", () -> CONSUMED.contains("beside-the-pause"));
            assertFalse(CONSUMED.contains("while-paused"));
            browser.screenshot(Path.of("target", "console-operator.png"));

            owner.halt(); // a crash: the group moves shop-0 to another runtime, which keeps it paused
            browser.click("nav a[href=\"/\"]");
            browser.reloadUntil("the halted process stale or gone", html -> html.contains("data-value=\"stale\"")
                    || html.contains("data-value=\"gone\""), Duration.ofSeconds(30));
            browser.reloadUntil("the halted process gone", html -> html.contains("data-value=\"gone\""),
                    Duration.ofSeconds(30));
            await("shop-0 reassigned and still paused", () -> runtimes.stream().filter(r -> r != owner)
                    .anyMatch(r -> operatorPaused(r, 0)));
            produce("after-the-crash", 1);
            await("shop-1 goes on after the crash", () -> CONSUMED.contains("after-the-crash"));
            assertFalse(CONSUMED.contains("while-paused"), "still paused on the new owner");

            browser.click("nav a[href=\"/partitions\"]");
            browser.reloadUntil("shop-0 on a live owner", html -> html.contains("tr data-partition=\"shop-0\"")
                    && !html.contains("<td>" + owner.name() + "</td>"), Duration.ofSeconds(30));
            browser.click("tr[data-partition=\"shop-0\"] form[action=\"/commands/resume\"] button");
            await("shop-0 resumed on the new owner", () -> CONSUMED.contains("while-paused"));
        } finally {
            for (SluiceRuntime r : runtimes) {
                r.close();
            }
            for (AutoCloseable c : closing) {
                c.close();
            }
        }
        for (String page : List.of("overview", "partitions", "errors", "history", "dead-letters", "operator")) {
            Path shot = Path.of("target", "console-" + page + ".png");
            assertTrue(Files.size(shot) > 10_000, "a screenshot of substance: " + shot);
        }
    }

    private static SluiceRuntime ownerOf(List<SluiceRuntime> runtimes, int partition) {
        return runtimes.stream().filter(r -> r.partitions().values().stream().flatMap(List::stream)
                .anyMatch(s -> s.topicPartition().partition() == partition)).findFirst().orElseThrow();
    }

    private static boolean operatorPaused(SluiceRuntime runtime, int partition) {
        return runtime.partitions().values().stream().flatMap(List::stream)
                .filter(s -> s.topicPartition().partition() == partition)
                .map(PartitionState::pauseReasons).anyMatch(r -> r.contains("operator"));
    }

    private void produce(String value, int partition) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(kafka.producerProperties(),
                new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>("shop", partition, "k-" + value, value));
            producer.flush();
        }
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 60 s: " + what + "; consumed " + CONSUMED);
            }
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos()); // poll again
        }
    }
}
