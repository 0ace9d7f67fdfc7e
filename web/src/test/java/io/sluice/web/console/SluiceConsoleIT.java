package io.sluice.web.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.runtime.RuntimeSettings;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.EmbeddedKafka;
import io.sluice.testing.EmbeddedKafkaExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
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

/** Two reporting runtimes and a console over the in-process broker, read through HTTP (no browser). */
@ExtendWith(EmbeddedKafkaExtension.class)
class SluiceConsoleIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private final EmbeddedKafka kafka;

    SluiceConsoleIT(EmbeddedKafka kafka) {
        this.kafka = kafka;
    }

    @Test
    void theConsoleShowsEveryProcessOfTheGroupEachPartitionOnceAndAClosedProcessAsGone() throws Exception {
        ConsoleTopics topics = new ConsoleTopics("console-it");
        try (Admin admin = kafka.admin()) {
            topics.install(admin, (short) 1);
        }
        kafka.createTopic("watched", 4);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(kafka.producerProperties(),
                new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 40; i++) {
                producer.send(new ProducerRecord<>("watched", i % 4, "k" + i, i == 7 ? "poison" : "v" + i));
            }
            producer.flush();
        }
        Topology topology = Sluice.topology()
                .topic("watched").deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(SluiceReporterIT.FailsOnPoison::new)
                .build();
        Properties props = new Properties();
        props.put("bootstrap.servers", kafka.bootstrapServers());
        props.put("group.id", "console-it");
        props.put("auto.offset.reset", "earliest");
        props.put("session.timeout.ms", "6000");
        props.put("heartbeat.interval.ms", "500");
        Map<String, Object> client = Map.of("bootstrap.servers", kafka.bootstrapServers());
        ReporterSettings reporting = ReporterSettings.defaults().withTopics(topics)
                .withInterval(Duration.ofMillis(300));
        ConsoleSettings settings = ConsoleSettings.defaults().withTopics(topics).withTtl(Duration.ofSeconds(4));

        SluiceRuntime first = SluiceRuntime.create(topology, props, RuntimeSettings.defaults()
                .withCommitInterval(Duration.ofMillis(300)));
        SluiceRuntime second = SluiceRuntime.create(topology, props, RuntimeSettings.defaults()
                .withCommitInterval(Duration.ofMillis(300)));
        SluiceReporter firstReporter = SluiceReporter.start(first, client, reporting);
        SluiceReporter secondReporter = SluiceReporter.start(second, client, reporting);
        try (SluiceConsole console = SluiceConsole.start(client, settings)) {
            first.start();
            second.start();
            String overview = await(console.url(), "/", page -> count(page, "data-value=\"live\"") == 2
                    && page.contains("data-process=\"" + first.name() + "\"")
                    && page.contains("data-process=\"" + second.name() + "\""));
            assertTrue(overview.contains("console-it"), overview);

            String partitions = await(console.url(), "/partitions?group=console-it",
                    page -> count(page, "<tr data-partition=") == 4);
            for (int p = 0; p < 4; p++) {
                assertEquals(1, count(partitions, "<tr data-partition=\"watched-" + p + "\">"), partitions);
            }
            await(console.url(), "/errors", page -> page.contains("the payment service refused &lt;k7&gt;"));

            second.close();
            secondReporter.close();
            await(console.url(), "/", page -> page.contains("data-value=\"gone\"")
                    && count(page, "data-value=\"live\"") == 1);
            await(console.url(), "/partitions?group=console-it", page -> count(page, "<tr data-partition=") == 4
                    && !page.contains("<td>" + second.name() + "</td>"));
        } finally {
            first.close();
            firstReporter.close();
            second.close();
            secondReporter.close();
        }
    }

    @Test
    void anOperatorsCommandReachesTheCommandsTopicSignedAndAGateAdmitsItOnce() throws Exception {
        ConsoleTopics topics = new ConsoleTopics("console-ops");
        try (Admin admin = kafka.admin()) {
            topics.install(admin, (short) 1);
        }
        CommandSigner signer = CommandSigner.withKey("an operator key of at least 32 bytes!"
                .getBytes(StandardCharsets.UTF_8));
        String token = "let me in";
        Map<String, Object> client = Map.of("bootstrap.servers", kafka.bootstrapServers());
        ConsoleSettings settings = ConsoleSettings.defaults().withTopics(topics)
                .withOperators("carol:" + OperatorTokens.hash(token) + "\n", signer);
        try (SluiceConsole console = SluiceConsole.start(client, settings)) {
            new ConsoleClient(console).login(token).post("/commands/pause", "group=g&topic=t&partition=2");
        }
        Map<String, Object> config = new HashMap<>(client);
        try (KafkaConsumer<String, String> reader = new KafkaConsumer<>(config, new StringDeserializer(),
                new StringDeserializer())) {
            TopicPartition commands = new TopicPartition(topics.commands(), 0);
            reader.assign(List.of(commands));
            reader.seekToBeginning(List.of(commands));
            CommandGate gate = new CommandGate(signer, Clock.systemUTC(), CommandGate.DEFAULT_EXPIRY);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : reader.poll(Duration.ofMillis(200))) {
                    OperatorCommand command = gate.admit(r.value());
                    assertTrue(command instanceof OperatorCommand.Pause p && p.issuer().equals("carol")
                            && p.partition() == 2, command.toString());
                    CommandRejectedException replay = org.junit.jupiter.api.Assertions.assertThrows(
                            CommandRejectedException.class, () -> gate.admit(r.value()));
                    assertEquals(CommandRejectedException.Reason.REPLAYED, replay.reason());
                    return;
                }
            }
            throw new AssertionError("no command on " + commands);
        }
    }

    @Test
    void aDeadLetterIsBrowsedReplayedOnceAndConsumedAgain() throws Exception {
        ConsoleTopics topics = new ConsoleTopics("console-dlq");
        try (Admin admin = kafka.admin()) {
            topics.install(admin, (short) 1);
        }
        kafka.createTopic("payments", 1);
        kafka.createTopic("payments.dlq", 1);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(kafka.producerProperties(),
                new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>("payments", "k-poison", "poison"));
            producer.send(new ProducerRecord<>("payments", "k-ok", "fine"));
            producer.flush();
        }
        java.util.List<String> seen = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        Topology topology = Sluice.topology()
                .topic("payments").deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> (batch, ctx) -> batch.messages().forEach(m -> {
                    boolean replay = m.headers().stream().anyMatch(h -> h.key().equals("sluice.replay.of"));
                    if ("poison".equals(m.value()) && !replay) {
                        throw new IllegalStateException("the payment was refused");
                    }
                    seen.add(m.value() + (replay ? " (replayed)" : ""));
                }))
                .deadLetterQueue("payments.dlq", 0)
                .build();
        Properties props = new Properties();
        props.put("bootstrap.servers", kafka.bootstrapServers());
        props.put("group.id", "console-dlq");
        props.put("auto.offset.reset", "earliest");
        Map<String, Object> client = Map.of("bootstrap.servers", kafka.bootstrapServers());
        String token = "dlq operator";
        ConsoleSettings settings = ConsoleSettings.defaults().withTopics(topics).withOperators("dora:"
                + OperatorTokens.hash(token), CommandSigner.withKey(new byte[32]));
        try (SluiceRuntime runtime = SluiceRuntime.start(topology, props);
             SluiceConsole console = SluiceConsole.start(client, settings)) {
            awaitTrue(() -> seen.contains("fine") && runtime.isRunning());
            String anonymous = await(console.url(), "/dead-letters?topic=payments.dlq",
                    page -> page.contains("data-letter=\"0/0\""));
            assertTrue(anonymous.contains("payments-0@0") && !anonymous.contains("k-poison"), anonymous);
            assertTrue(await(console.url(), "/dead-letters", page -> page.contains("payments.dlq"))
                    .contains("?topic=payments.dlq"));

            ConsoleClient operator = new ConsoleClient(console).login(token);
            String page = operator.page("/dead-letters?topic=payments.dlq");
            assertTrue(page.contains("k-poison") && page.contains("poison"), page);
            String form = "topic=payments.dlq&partition=0&from=0&count=1";
            assertTrue(operator.post("/dead-letters/replay", form).contains("1+replayed"));
            awaitTrue(() -> seen.contains("poison (replayed)"));
            assertTrue(operator.post("/dead-letters/replay", form).contains("1+refused"), "already replayed");
            assertTrue(operator.post("/dead-letters/replay", form + "&force=true").contains("1+replayed"), "forced");
            awaitTrue(() -> seen.stream().filter("poison (replayed)"::equals).count() == 2);
        }
    }

    @Test
    void operatorModeOverPlainHttpOnEveryAddressStartsOnlyWhenInsecureHttpIsChosen() throws Exception {
        ConsoleTopics topics = new ConsoleTopics("console-insecure");
        try (Admin admin = kafka.admin()) {
            topics.install(admin, (short) 1);
        }
        Map<String, Object> client = Map.of("bootstrap.servers", kafka.bootstrapServers());
        ConsoleSettings everywhere = ConsoleSettings.defaults().withTopics(topics)
                .withAddress(java.net.InetAddress.getByName("0.0.0.0"))
                .withOperators("ops:" + OperatorTokens.hash("t"), CommandSigner.withKey(new byte[32]));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> SluiceConsole.start(client, everywhere));
        try (SluiceConsole console = SluiceConsole.start(client, everywhere.withInsecureHttp(true))) {
            assertEquals(200, HTTP.send(HttpRequest.newBuilder(console.url()).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
        }
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 60 s");
            }
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos()); // poll again
        }
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    private static String await(URI base, String path, Predicate<String> wanted) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            last = HTTP.send(HttpRequest.newBuilder(base.resolve(path)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            if (wanted.test(last)) {
                return last;
            }
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos()); // poll again
        }
        throw new AssertionError("not within 60 s on " + path + ":\n" + last);
    }
}
