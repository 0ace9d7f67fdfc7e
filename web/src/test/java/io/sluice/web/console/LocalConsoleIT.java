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
import java.time.Duration;
import java.util.Properties;
import java.util.Set;
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
            ConsoleClient client = new ConsoleClient(console);
            client.await("/", page -> page.contains("data-process=\"" + runtime.name() + "\"")
                    && page.contains("data-value=\"live\""));
            client.await("/partitions", page -> page.contains("<tr data-partition=\"local-orders-0\">")
                    && page.contains("<tr data-partition=\"local-orders-1\">"));
            client.await("/errors", page -> page.contains("the payment service refused &lt;k&gt;"));
            client.await("/history?group=local-console&topic=local-orders", page -> page.contains("<polyline"));
            assertTrue(client.page("/dead-letters").contains("Dead letters"));

            client.login("lou's token");
            client.post("/commands/pause", "group=local-console&topic=local-orders&partition=1");
            assertEquals(Set.of(new TopicPartition("local-orders", 1)), runtime.operatorPauses());
            String results = client.page("/partitions");
            assertTrue(results.contains("applied: pause of local-orders-1"), results);
        }
    }
}
