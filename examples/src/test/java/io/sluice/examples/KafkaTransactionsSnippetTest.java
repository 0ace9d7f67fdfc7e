package io.sluice.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Message;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.runtime.KafkaTransactionSettings;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.InMemoryTransactions;
import io.sluice.testing.TestDriver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * The README's "Kafka transactions": the code between the markers is copied into README.md verbatim (minus its
 * indentation), and {@link ReadmeSnippetsTest} fails when the two differ.
 */
class KafkaTransactionsSnippetTest {

    static byte[] enrich(byte[] value) {
        return new String(value, StandardCharsets.UTF_8).toUpperCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8);
    }

    // README-BEGIN kafka-transactions
    static Topology topology() {
        return Sluice.topology()
            .topic("orders").consumer(() -> (batch, ctx) -> ctx.transaction(tx -> {
                for (Message<byte[], byte[]> m : batch) {
                    tx.send("orders.enriched", m.key(), enrich(m.value()));
                }
            }))
            .kafkaTransactions()
            .build();
    }

    // podName: unique among the running members, stable across restarts of one (a pod's name); then start() it
    static SluiceRuntime runtime(Properties kafka, String podName) {
        return SluiceRuntime.create(topology(), kafka)
            .kafkaTransactions(KafkaTransactionSettings.of(podName, 4)
                .withProducerProperties(Map.of("transaction.timeout.ms", "60000")));
    }
    // README-END kafka-transactions

    @Test
    void theOutputAndTheOffsetsCommitInOneTransaction() {
        try (TestDriver driver = TestDriver.create()) {
            driver.start(topology());
            driver.send("orders", 0, "k", "order-1").send("orders", 0, "k", "order-2");
            driver.assign("orders", 0).runUntilIdle();
            driver.advanceAndRun(Duration.ofSeconds(10));

            List<InMemoryTransactions.Ended> ended = driver.transactions().ended();
            assertEquals(1, ended.size(), ended.toString());
            assertTrue(ended.get(0).committed());
            assertEquals(List.of("orders.enriched:ORDER-1", "orders.enriched:ORDER-2"), ended.get(0).records().stream()
                    .map(r -> r.topic() + ":" + new String(r.value(), StandardCharsets.UTF_8)).toList());
            assertEquals(Map.of(new TopicPartition("orders", 0), new OffsetAndMetadata(2)), ended.get(0).offsets());
            assertEquals(OptionalLong.of(2), driver.committed("orders", 0));
        }
    }

    @Test
    void theRuntimesSettingsPassItsChecks() {
        Properties kafka = new Properties();
        kafka.put("bootstrap.servers", "localhost:9092");
        kafka.put("group.id", "enricher");
        // not started: configuring checks transaction.timeout.ms against the longest job plus the commit timeout
        SluiceRuntime runtime = runtime(kafka, "pod-1");
        runtime.close();
    }
}
