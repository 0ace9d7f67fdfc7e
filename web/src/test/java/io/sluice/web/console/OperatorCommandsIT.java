package io.sluice.web.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.runtime.PartitionState;
import io.sluice.runtime.RuntimeSettings;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.EmbeddedKafka;
import io.sluice.testing.EmbeddedKafkaExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An operator pauses a partition from the console: the owner answers {@code applied} and stops fetching it; a
 * runtime started afterwards (a restart) pauses it before fetching; a resume from the console lets it go on.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class OperatorCommandsIT {

    private static final Set<String> CONSUMED = ConcurrentHashMap.newKeySet();

    private final EmbeddedKafka kafka;

    OperatorCommandsIT(EmbeddedKafka kafka) {
        this.kafka = kafka;
    }

    @Test
    void aPauseFromTheConsoleHoldsThroughARestartUntilTheConsoleResumesIt() throws Exception {
        ConsoleTopics topics = new ConsoleTopics("ops");
        try (Admin admin = kafka.admin()) {
            topics.install(admin, (short) 1);
        }
        kafka.createTopic("ledger", 2);
        CommandSigner signer = CommandSigner.withKey("a key the console and the runtimes share"
                .getBytes(StandardCharsets.UTF_8));
        Map<String, Object> client = Map.of("bootstrap.servers", kafka.bootstrapServers());
        Topology topology = Sluice.topology()
                .topic("ledger").deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> (batch, ctx) -> batch.messages().forEach(m -> CONSUMED.add(m.value())))
                .build();
        Properties props = new Properties();
        props.put("bootstrap.servers", kafka.bootstrapServers());
        props.put("group.id", "ops-it");
        props.put("auto.offset.reset", "earliest");
        props.put("session.timeout.ms", "6000");
        props.put("heartbeat.interval.ms", "500");
        CommandSettings commandSettings = CommandSettings.of(signer).withTopics(topics);
        ConsoleSettings consoleSettings = ConsoleSettings.defaults().withTopics(topics)
                .withOperators("olga:" + OperatorTokens.hash("olga's token"), signer);

        try (SluiceConsole console = SluiceConsole.start(client, consoleSettings)) {
            ConsoleClient operator = new ConsoleClient(console).login("olga's token");
            SluiceRuntime first = SluiceRuntime.create(topology, props, RuntimeSettings.defaults()
                    .withCommitInterval(Duration.ofMillis(200)));
            SluiceCommands firstCommands = SluiceCommands.start(first, client, commandSettings);
            try (firstCommands; first) {
                first.start();
                produce("p0-a", 0);
                produce("p1-a", 1);
                await(() -> CONSUMED.containsAll(List.of("p0-a", "p1-a")));

                operator.post("/commands/pause", "group=ops-it&topic=ledger&partition=0");
                await(() -> operator.page("/partitions?group=ops-it").contains("applied: pause of ledger-0"));
                await(() -> operatorPaused(first, 0));
                produce("p0-b", 0);
                produce("p1-b", 1);
                await(() -> CONSUMED.contains("p1-b"));
                assertTrue(operatorPaused(first, 0) && !CONSUMED.contains("p0-b"), "ledger-0 is paused");
            }

            SluiceRuntime second = SluiceRuntime.create(topology, props, RuntimeSettings.defaults()
                    .withCommitInterval(Duration.ofMillis(200)));
            SluiceCommands secondCommands = SluiceCommands.start(second, client, commandSettings);
            try (secondCommands; second) {
                assertEquals(Set.of(new org.apache.kafka.common.TopicPartition("ledger", 0)),
                        second.operatorPauses(), "read from the pauses topic before the runtime starts");
                second.start();
                produce("p1-c", 1);
                await(() -> CONSUMED.contains("p1-c") && operatorPaused(second, 0));
                assertTrue(!CONSUMED.contains("p0-b"), "still paused after the restart");

                operator.post("/commands/resume", "group=ops-it&topic=ledger&partition=0");
                await(() -> CONSUMED.contains("p0-b"));
                await(() -> operator.page("/partitions?group=ops-it").contains("applied: resume of ledger-0"));
                assertEquals(Set.of(), second.operatorPauses());
            }
        }
    }

    private static boolean operatorPaused(SluiceRuntime runtime, int partition) {
        return runtime.partitions().values().stream().flatMap(List::stream)
                .filter(s -> s.topicPartition().partition() == partition)
                .map(PartitionState::pauseReasons).anyMatch(r -> r.contains("operator"));
    }

    private void produce(String value, int partition) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(kafka.producerProperties(),
                new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>("ledger", partition, "k", value));
            producer.flush();
        }
    }

    private static void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 60 s; consumed " + CONSUMED);
            }
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos()); // poll again
        }
    }
}
