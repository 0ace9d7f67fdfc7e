package io.sluice.filters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.testing.EmbeddedKafka;
import io.sluice.testing.EmbeddedKafkaExtension;
import io.sluice.testing.proof.ExactlyOnceProof;
import io.sluice.testing.proof.Fault;
import io.sluice.testing.proof.ProofDatabase;
import io.sluice.testing.proof.ProofResult;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The proof kit ({@link ExactlyOnceProof}) on the README's offset-managed "orders" consumer under a crash, a
 * freeze past the session timeout and a database outage; and its control, which shows the kit can fail: the same
 * consumer without the offset manager must be caught applying messages twice.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class ProofKitIT {

    @Test
    void theReadmeOrdersConsumerTakesEveryMessageExactlyOnceUnderKillFreezeAndDatabaseOutage(EmbeddedKafka kafka) {
        // README-BEGIN proof-kit
        ProofResult result = ExactlyOnceProof.forTopology("io.sluice.filters.OrdersProofTopology")
                .tables("CREATE TABLE orders (id BIGINT NOT NULL, amount DECIMAL(10, 2) NOT NULL)")
                .payloads(id -> id + "," + (id % 100) + ".99")                 // what the producer sends
                .effects("SELECT id FROM orders")                               // one row per effect
                .faults(Fault.KILL, Fault.FREEZE, Fault.DB_OUTAGE)
                .messages(5_000)
                .kafka(kafka)                                                   // optional: else its own
                .prove();                                                       // duplicates=0 lost=0
        // README-END proof-kit
        System.out.println(result.summary());
        assertEquals("chaos: db=h2 fault=kill+freeze+db-outage messages=5000 kills=1 stops=1 rebalances=4"
                + " duplicates=0 lost=0", result.summary());
        assertEquals(5_000, result.effects());
    }

    /**
     * The same proof on PostgreSQL (skipped where it is not installed). Off by default to keep this class near two
     * minutes; {@code -Dsluice.proof.postgresql=true} runs it.
     */
    @Test
    @EnabledIfSystemProperty(named = "sluice.proof.postgresql", matches = "true")
    void theReadmeOrdersConsumerOnPostgreSqlUnderKillAndDatabaseOutage(EmbeddedKafka kafka) {
        ProofResult result = ExactlyOnceProof.forTopology(OrdersProofTopology.class)
                .database(ProofDatabase.POSTGRESQL)
                .tables("CREATE TABLE orders (id BIGINT NOT NULL, amount DECIMAL(10, 2) NOT NULL)")
                .payloads(id -> id + "," + (id % 100) + ".99")
                .effects("SELECT id FROM orders")
                .faults(Fault.KILL, Fault.DB_OUTAGE)
                .messages(3_000)
                .kafka(kafka)
                .prove();
        System.out.println(result.summary());
        assertEquals("chaos: db=postgresql fault=kill+db-outage messages=3000 kills=1 stops=0 rebalances=2"
                + " duplicates=0 lost=0", result.summary());
    }

    @Test
    void theKitCatchesAConsumerThatCommitsItsEffectsApartFromItsOffsets(EmbeddedKafka kafka) {
        ProofResult result = ExactlyOnceProof.forTopology(AutoCommitOrdersProofTopology.class)
                .tables("CREATE TABLE orders (id BIGINT NOT NULL, amount DECIMAL(10, 2) NOT NULL)")
                .payloads(id -> id + "," + (id % 100) + ".99")
                .effects("SELECT id, COUNT(*) FROM orders GROUP BY id")        // the counted form
                .faults(Fault.KILL)
                .messages(2_000)
                .kafka(kafka)
                .run();
        System.out.println(result.summary() + " (control: must not be clean)");
        assertFalse(result.exactlyOnce(), "the kit reported the naive consumer clean: " + result.summary());
        assertTrue(result.duplicates() > 0, result.summary());
        assertEquals(List.of(Fault.KILL), result.faults());
        assertEquals(1, result.kills());
        AssertionError failure = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
                result::assertExactlyOnce);
        assertTrue(failure.getMessage().contains("duplicates=" + result.duplicates()), failure.getMessage());
    }
}
