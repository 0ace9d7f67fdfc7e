package io.sluice.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.InfrastructureFailure;
import io.sluice.dsl.TransactionAbortedException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

/** {@link KafkaTransactor} when no producer can be had: the broker is unreachable when a producer is initialised. */
class KafkaTransactorTest {

    private static final TopicPartition TP = new TopicPartition("t", 0);

    /** A pool whose producers cannot be initialised: {@code initTransactions()} timed out. */
    private static final TransactionalProducers UNREACHABLE = new TransactionalProducers() {
        @Override
        public TransactionalProducer acquire(Duration timeout) {
            throw new TimeoutException("Timeout expired after 60000ms while awaiting InitProducerId");
        }

        @Override
        public void release(TransactionalProducer producer, boolean broken) {
            throw new AssertionError("nothing was acquired");
        }

        @Override
        public void close() {
        }
    };

    private static KafkaTransactor transactor() {
        return new KafkaTransactor(UNREACHABLE, (tp, generation, revoked) -> Optional.empty(), "g",
                Duration.ofSeconds(5), Duration.ofSeconds(1), System::nanoTime);
    }

    @Test
    void aProducerThatCannotBeInitialisedAbortsTheJobsTransactionAsAnInfrastructureFailure() {
        AtomicBoolean ran = new AtomicBoolean();
        TransactionAbortedException e = assertThrows(TransactionAbortedException.class,
                () -> transactor().run(TP, 1, new AtomicBoolean(), 5, tx -> ran.set(true)));
        assertTrue(InfrastructureFailure.isInfrastructure(e), "never the message's failure, never dead-lettered");
        assertTrue(e.getCause() instanceof TimeoutException, String.valueOf(e.getCause()));
        assertFalse(ran.get(), "the block never ran");
    }

    @Test
    void anOffsetsOnlyTransactionWithoutAProducerFailsTheSameWay() {
        TransactionAbortedException e = assertThrows(TransactionAbortedException.class,
                () -> transactor().commitOffsets(Map.of(TP, new OffsetAndMetadata(5)), null));
        assertSame(TimeoutException.class, e.getCause().getClass());
    }
}
