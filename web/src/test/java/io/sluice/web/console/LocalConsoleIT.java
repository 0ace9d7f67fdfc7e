package io.sluice.web.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.runtime.RuntimeSettings;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.EmbeddedKafka;
import io.sluice.testing.EmbeddedKafkaExtension;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The console of one runtime, without the console's topics: the same pages fed from the runtime itself, and an
 * operator's pause applied to it directly.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class LocalConsoleIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private final EmbeddedKafka kafka;

    LocalConsoleIT(EmbeddedKafka kafka) {
        this.kafka = kafka;
    }

    @Test
    void oneRuntimesConsoleShowsItsPagesAndTakesAnOperatorsPauseWithoutTheConsoleTopics() throws Exception {
        kafka.createTopic("local-orders", 2);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(kafka.producerProperties(),
                new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>("local-orders", i % 2, "k", i == 3 ? "poison" : "v" + i));
            }
            producer.flush();
        }
        Topology topology = Sluice.topology()
                .topic("local-orders").deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(SluiceReporterIT.FailsOnPoison::new)
                .build();
        Properties props = new Properties();
        props.put("bootstrap.servers", kafka.bootstrapServers());
        props.put("group.id", "local-console");
        props.put("auto.offset.reset", "earliest");
        SluiceRuntime runtime = SluiceRuntime.create(topology, props, RuntimeSettings.defaults()
                .withCommitInterval(Duration.ofMillis(200)));
        ConsoleSettings settings = ConsoleSettings.defaults()
                .withOperators("lou:" + OperatorTokens.hash("lou's token"), CommandSigner.withKey(new byte[32]));
        ReporterSettings reporting = ReporterSettings.defaults().withInterval(Duration.ofMillis(200));
        try (SluiceConsole console = SluiceConsole.local(runtime, settings, reporting, Set.of()); runtime) {
            runtime.start();
            assertThrows(IllegalStateException.class, () -> SluiceConsole.local(runtime, settings, reporting,
                    Set.of()).close(), "only before the runtime starts");
            await(console, "/", page -> page.contains("data-process=\"" + runtime.name() + "\"")
                    && page.contains("data-value=\"live\""));
            await(console, "/partitions", page -> page.contains("<tr data-partition=\"local-orders-0\">")
                    && page.contains("<tr data-partition=\"local-orders-1\">"));
            await(console, "/errors", page -> page.contains("the payment service refused &lt;k&gt;"));
            await(console, "/history?group=local-console&topic=local-orders", page -> page.contains("<polyline"));
            assertTrue(await(console, "/dead-letters", page -> true).contains("Dead letters"));

            HttpResponse<String> login = HTTP.send(HttpRequest.newBuilder(console.url().resolve("/login"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("token=lou%27s+token")).build(),
                    HttpResponse.BodyHandlers.ofString());
            String cookie = login.headers().firstValue("set-cookie").orElseThrow().split(";")[0];
            String page = HTTP.send(HttpRequest.newBuilder(console.url().resolve("/partitions"))
                    .header("Cookie", cookie).build(), HttpResponse.BodyHandlers.ofString()).body();
            Matcher csrf = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"").matcher(page);
            assertTrue(csrf.find(), page);
            HttpResponse<String> pause = HTTP.send(HttpRequest.newBuilder(console.url().resolve("/commands/pause"))
                    .header("Cookie", cookie).header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("group=local-console&topic=local-orders&partition=1"
                            + "&csrf=" + csrf.group(1))).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(303, pause.statusCode(), pause.body());
            assertEquals(Set.of(new TopicPartition("local-orders", 1)), runtime.operatorPauses());
            String results = HTTP.send(HttpRequest.newBuilder(console.url().resolve("/partitions"))
                    .header("Cookie", cookie).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(results.contains("applied: pause of local-orders-1"), results);
        }
    }

    private static String await(SluiceConsole console, String path, Predicate<String> wanted) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            last = HTTP.send(HttpRequest.newBuilder(console.url().resolve(path)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            if (wanted.test(last)) {
                return last;
            }
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos()); // poll again
        }
        throw new AssertionError("not within 60 s on " + path + ":\n" + last);
    }
}
