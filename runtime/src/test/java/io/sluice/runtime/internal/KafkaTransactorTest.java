package io.sluice.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.InfrastructureFailure;
import io.sluice.dsl.TransactionAbortedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * {@link KafkaTransactor} when Kafka, not the message, fails: no producer can be had (the broker unreachable when one
 * is initialised), or the producer refuses a send. Both abort as infrastructure failures, never the message's.
 */
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

    @Test
    void aSendTheProducerRefusesAbortsTheTransactionEvenWhenTheBlockCatchesIt() {
        List<String> calls = new ArrayList<>();
        TransactionalProducer producer = new TransactionalProducer() {
            @Override
            public String transactionalId() {
                return "pod-g-0";
            }

            @Override
            public void begin() {
                calls.add("begin");
            }

            @Override
            public void send(ProducerRecord<byte[], byte[]> record) {
                calls.add("send");
                throw new TimeoutException("Topic out not present in metadata after 60000 ms.");
            }

            @Override
            public void sendOffsets(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata metadata) {
                calls.add("sendOffsets");
            }

            @Override
            public void commit() {
                calls.add("commit");
            }

            @Override
            public void abort() {
                calls.add("abort");
            }
        };
        List<Boolean> released = new ArrayList<>();
        TransactionalProducers pool = new TransactionalProducers() {
            @Override
            public TransactionalProducer acquire(Duration timeout) {
                return producer;
            }

            @Override
            public void release(TransactionalProducer p, boolean broken) {
                released.add(broken);
            }

            @Override
            public void close() {
            }
        };
        @SuppressWarnings("removal") // 4.4 deprecates the constructors for users; a stub listener has to build one
        ConsumerGroupMetadata current = new ConsumerGroupMetadata("g", 3, "member-1", Optional.empty());
        KafkaTransactor transactor = new KafkaTransactor(pool, (tp, generation, revoked) -> Optional.of(current),
                "g", Duration.ofSeconds(5), Duration.ofSeconds(1), System::nanoTime);

        TransactionAbortedException e = assertThrows(TransactionAbortedException.class,
                () -> transactor.run(TP, 3, new AtomicBoolean(), 5, tx -> {
                    try {
                        tx.send("out", null, new byte[] {1});
                    } catch (RuntimeException swallowed) {
                        // a consumer that carries on: the transaction must not commit anyway
                    }
                }));
        assertTrue(InfrastructureFailure.isInfrastructure(e));
        assertTrue(e.getCause() instanceof TimeoutException, String.valueOf(e.getCause()));
        assertEquals(List.of("begin", "send", "abort"), calls, "aborted, never committed");
        assertEquals(List.of(false), released, "the abort worked: the producer stays in its slot");
    }
}
