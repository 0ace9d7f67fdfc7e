package io.sluice.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** {@link KafkaTransactionSettings}' validation, and what {@link SluiceRuntime#kafkaTransactions} checks with it. */
class KafkaTransactionSettingsTest {

    private static final Topology TRANSACTIONAL = Sluice.topology()
            .topic("t").consumer(() -> (batch, ctx) -> { }).kafkaTransactions().build();

    private static Properties kafka() {
        Properties p = new Properties();
        p.put("bootstrap.servers", "localhost:9092");
        p.put("group.id", "g");
        return p;
    }

    private static KafkaTransactionSettings settings(String prefix, int producers, Duration maxJob,
                                                     Map<String, String> properties) {
        return new KafkaTransactionSettings(prefix, producers, maxJob, properties);
    }

    @Test
    void thePrefixTheProducersAndTheLongestJobAreValidated() {
        Duration d = Duration.ofSeconds(5);
        assertThrows(NullPointerException.class, () -> settings(null, 1, d, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> settings(" ", 1, d, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> settings("pod-1", 0, d, Map.of()));
        assertThrows(NullPointerException.class, () -> settings("pod-1", 1, null, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> settings("pod-1", 1, Duration.ZERO, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> settings("pod-1", 1, Duration.ofMillis(-1), Map.of()));
        assertThrows(NullPointerException.class, () -> settings("pod-1", 1, d, null));
        assertEquals(1, settings("pod-1", 1, d, Map.of()).producers());
    }

    @Test
    void aTransactionTimeoutThatIsNoPositiveNumberIsRefusedAtOnce() {
        Duration d = Duration.ofSeconds(5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> settings("pod-1", 1, d, Map.of("transaction.timeout.ms", "10s")));
        assertTrue(e.getMessage().contains("transaction.timeout.ms"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> settings("pod-1", 1, d, Map.of("transaction.timeout.ms", "0")));
        assertEquals(Duration.ofSeconds(10),
                settings("pod-1", 1, d, Map.of("transaction.timeout.ms", " 10000 ")).transactionTimeout());
    }

    @Test
    void theDefaultsAreThirtySecondJobsAndKafkasSixtySecondTimeout() {
        KafkaTransactionSettings s = KafkaTransactionSettings.of("pod-1", 4);
        assertEquals("pod-1", s.transactionalIdPrefix());
        assertEquals(4, s.producers());
        assertEquals(Duration.ofSeconds(30), s.maxJobDuration());
        assertEquals(Map.of(), s.producerProperties());
        assertEquals(Duration.ofSeconds(60), s.transactionTimeout());
    }

    @Test
    void theCopiesChangeOneThingAndThePropertiesAreFrozen() {
        Map<String, String> mutable = new HashMap<>(Map.of("transaction.timeout.ms", "20000"));
        KafkaTransactionSettings s = KafkaTransactionSettings.of("pod-1", 2).withProducerProperties(mutable)
                .withMaxJobDuration(Duration.ofSeconds(12));
        mutable.put("transaction.timeout.ms", "1");
        assertEquals(Duration.ofSeconds(20), s.transactionTimeout(), "a copy of the caller's map");
        assertEquals(Duration.ofSeconds(12), s.maxJobDuration());
        assertEquals("pod-1", s.transactionalIdPrefix());
        assertEquals(2, s.producers());
        assertThrows(UnsupportedOperationException.class, () -> s.producerProperties().put("acks", "1"));
    }

    @Test
    void theRuntimeRefusesATransactionTimeoutThatDoesNotExceedTheLongestJobPlusTheCommitTimeout() {
        RuntimeSettings runtime = RuntimeSettings.defaults().withCommitTimeout(Duration.ofSeconds(2));
        KafkaTransactionSettings tooShort = KafkaTransactionSettings.of("pod-1", 1)
                .withMaxJobDuration(Duration.ofSeconds(8)).withProducerProperties(Map.of("transaction.timeout.ms", "10000"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SluiceRuntime.create(TRANSACTIONAL, kafka(), runtime).kafkaTransactions(tooShort));
        assertTrue(e.getMessage().contains("transaction.timeout.ms 10000"), e.getMessage());

        // Kafka's default of 60 s does not cover 30 s jobs plus a 30 s commit timeout either
        RuntimeSettings slowCommits = RuntimeSettings.defaults().withCommitTimeout(Duration.ofSeconds(30));
        assertThrows(IllegalArgumentException.class, () -> SluiceRuntime.create(TRANSACTIONAL, kafka(), slowCommits)
                .kafkaTransactions(KafkaTransactionSettings.of("pod-1", 1)));

        KafkaTransactionSettings enough = tooShort.withMaxJobDuration(Duration.ofMillis(7_500));
        SluiceRuntime r = SluiceRuntime.create(TRANSACTIONAL, kafka(), runtime);
        assertSame(r, r.kafkaTransactions(enough));
    }

    @Test
    void aTransactionalTopologyDoesNotStartWithoutTransactionalProducers() {
        SluiceRuntime r = SluiceRuntime.create(TRANSACTIONAL, kafka());
        IllegalStateException e = assertThrows(IllegalStateException.class, r::start);
        assertTrue(e.getMessage().contains("kafkaTransactions"), e.getMessage());
    }
}
