package io.sluice.runtime.internal;

import io.sluice.dsl.KafkaTransaction;
import io.sluice.dsl.TransactionAbortedException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs Kafka transactions for the jobs of one listener: a job's output together with its partition's offsets, a
 * dead letter together with the offset past it, and the listener's offsets-only transactions. See
 * {@code docs/architecture.md}, "Kafka transactions".
 *
 * <p>A job never touches the consumer: after its block, it asks the listener ({@link MetadataGate}) for the
 * consumer's group metadata, which is handed over only while the job's assignment is current; otherwise the
 * transaction is aborted. The broker checks the metadata's generation (member epoch under KIP-848) again when the
 * offsets are added, so a member that lost the partition without knowing still cannot commit.
 */
public final class KafkaTransactor {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaTransactor.class);

    /** What a job asks of the listener: the consumer's group metadata, if its assignment is still current. */
    @FunctionalInterface
    interface MetadataGate {
        Optional<ConsumerGroupMetadata> current(TopicPartition tp, long generation, AtomicBoolean revoked);
    }

    /**
     * A test hook, for the integration test's deterministic zombie and its control; never set in production.
     * {@link #afterSends} runs after the block's sends, before the group metadata is asked for and the transaction
     * committed; {@link #metadata} may replace the listener's answer; {@link #beforeCommit} runs with the metadata
     * in hand, before the offsets are added to the transaction and it is committed (the window only the broker's
     * generation check closes).
     */
    public interface TestHook {
        /** Called on the job's thread after the block; may park it. */
        void afterSends(TopicPartition tp, long nextOffset, String transactionalId);

        /** The metadata to commit with instead of asking the listener, or empty to ask it (the default). */
        default Optional<ConsumerGroupMetadata> metadata(String groupId) {
            return Optional.empty();
        }

        /** Called on the job's thread with the metadata the transaction commits with; may park it. */
        default void beforeCommit(TopicPartition tp, long nextOffset, String transactionalId,
                                  ConsumerGroupMetadata metadata) {
        }

        /** Told how a transaction ended: {@code null} when committed, else why it aborted. */
        default void ended(TopicPartition tp, long nextOffset, Throwable abortedBy) {
        }
    }

    private static volatile TestHook hook;

    /** How long the listener waits for a producer at a time before it answers its jobs again. */
    private static final Duration WAIT_SLICE = Duration.ofMillis(10);

    /** How many times a commit that timed out on the client is tried in all. */
    private static final int COMMIT_ATTEMPTS = 5;

    /** What a transaction of a partition's assignment committed last. */
    record Committed(long generation, long offset) {
    }

    private final TransactionalProducers producers;
    private final MetadataGate gate;
    private final String group;
    private final Duration maxJobDuration;
    private final Duration acquireTimeout;
    private final LongSupplier nanos;
    private final Map<TopicPartition, Committed> committed = new ConcurrentHashMap<>();

    KafkaTransactor(TransactionalProducers producers, MetadataGate gate, String group, Duration maxJobDuration,
                    Duration acquireTimeout, LongSupplier nanos) {
        this.producers = producers;
        this.gate = gate;
        this.group = group;
        this.maxJobDuration = maxJobDuration;
        this.acquireTimeout = acquireTimeout;
        this.nanos = nanos;
    }

    /** Installs (or, with {@code null}, removes) the test hook of this JVM. */
    public static void testHook(TestHook value) {
        hook = value;
    }

    /** What transactions of {@code tp} committed last, if any. */
    Optional<Committed> committed(TopicPartition tp) {
        return Optional.ofNullable(committed.get(tp));
    }

    /**
     * Runs {@code block} in a transaction that also commits {@code nextOffset} for {@code tp}, on a job's thread.
     * An exception of the block aborts the transaction and is rethrown as it is; any other failure aborts it and
     * throws {@link TransactionAbortedException}.
     */
    void run(TopicPartition tp, long generation, AtomicBoolean revoked, long nextOffset,
             java.util.function.Consumer<KafkaTransaction> block) {
        run(tp, generation, revoked, () -> nextOffset, block);
    }

    /**
     * As {@link #run(TopicPartition, long, AtomicBoolean, long, java.util.function.Consumer)}, with the offset to
     * commit read once the block is done — so a cursor the consumer asked for inside the block bounds it; returns
     * the offset committed.
     */
    long run(TopicPartition tp, long generation, AtomicBoolean revoked, LongSupplier offsetAfterBlock,
             java.util.function.Consumer<KafkaTransaction> block) {
        long nextOffset = -1;
        TransactionalProducer producer = acquire();
        boolean broken = false;
        TestHook h = hook;
        RuntimeException userFailure = null;
        Error userError = null;
        try {
            long began = nanos.getAsLong();
            producer.begin();
            Handle handle = new Handle(producer);
            try {
                block.accept(handle);
            } catch (RuntimeException e) {
                userFailure = e;
            } catch (Error e) {
                userError = e;
            } finally {
                handle.open = false;
            }
            if (handle.failed != null && userError == null) {
                // a send failed (the producer or the broker, not the message): abort as infrastructure, even when
                // the block caught the failure or threw something else because of it
                userFailure = handle.failed;
            }
            if (userFailure != null || userError != null) {
                broken = !abort(producer);
            } else {
                nextOffset = offsetAfterBlock.getAsLong();
                if (h != null) {
                    h.afterSends(tp, nextOffset, producer.transactionalId());
                }
                Duration open = Duration.ofNanos(nanos.getAsLong() - began);
                if (open.compareTo(maxJobDuration) > 0) {
                    // the broker may be timing the transaction out right now: never race it
                    broken = !abort(producer);
                    throw new TransactionAbortedException("the transaction was open " + open.toMillis()
                            + " ms, longer than maxJobDuration " + maxJobDuration.toMillis() + " ms", null);
                }
                Optional<ConsumerGroupMetadata> metadata = h != null ? h.metadata(group) : Optional.empty();
                if (metadata.isEmpty()) {
                    metadata = gate.current(tp, generation, revoked);
                }
                if (metadata.isEmpty()) {
                    broken = !abort(producer);
                    throw new TransactionAbortedException("the assignment of " + tp + " (generation " + generation
                            + ") is no longer current: its offsets must not be committed", null);
                }
                if (h != null) {
                    h.beforeCommit(tp, nextOffset, producer.transactionalId(), metadata.get());
                }
                producer.sendOffsets(Map.of(tp, new OffsetAndMetadata(nextOffset)), metadata.get());
                commit(producer);
                committed.merge(tp, new Committed(generation, nextOffset),
                        (old, now) -> old.generation() == now.generation() && old.offset() > now.offset() ? old : now);
                LOG.debug("committed the transaction of {} ({}) up to {}", tp, producer.transactionalId(), nextOffset);
                ended(h, tp, nextOffset, null);
            }
        } catch (TransactionAbortedException e) {
            LOG.warn("aborted the transaction of {} ({}) up to {}: {}", tp, producer.transactionalId(), nextOffset,
                    e.getMessage());
            ended(h, tp, nextOffset, e);
            throw e;
        } catch (KafkaException e) {
            broken = fatal(e) || !abort(producer);
            LOG.warn("the transaction of {} ({}) up to {} failed and was aborted{}: {}", tp,
                    producer.transactionalId(), nextOffset, broken ? "; the producer is replaced" : "", e.toString());
            TransactionAbortedException aborted = new TransactionAbortedException("the transaction of " + tp
                    + " failed: " + e, e);
            ended(h, tp, nextOffset, aborted);
            throw aborted;
        } finally {
            producers.release(producer, broken);
        }
        if (userFailure != null) {
            ended(h, tp, nextOffset, userFailure);
            throw userFailure;
        }
        if (userError != null) {
            throw userError;
        }
        return nextOffset;
    }

    /**
     * Commits {@code offsets} in an offsets-only transaction, on the listener's thread with the consumer's current
     * {@code metadata}; Sluice's own marks on transactional topics go this way, never through a plain commit.
     */
    void commitOffsets(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata metadata) {
        commitOffsets(offsets, metadata, () -> { });
    }

    /**
     * As {@link #commitOffsets(Map, ConsumerGroupMetadata)}, running {@code whileWaiting} (the listener answering its
     * jobs' metadata requests) while every producer of the pool is lent out: a job holds its producer until the
     * listener answers it, so a listener that only waited would wait for itself, and the job's transaction would be
     * aborted when its own wait ran out.
     */
    void commitOffsets(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata metadata,
                       Runnable whileWaiting) {
        TransactionalProducer producer = acquireServing(whileWaiting);
        boolean broken = false;
        try {
            producer.begin();
            producer.sendOffsets(offsets, metadata);
            producer.commit();
        } catch (KafkaException e) {
            broken = fatal(e) || !abort(producer);
            throw e;
        } finally {
            producers.release(producer, broken);
        }
    }

    /** A producer of the pool, waited for in short slices with {@code whileWaiting} run between them. */
    private TransactionalProducer acquireServing(Runnable whileWaiting) {
        long deadline = System.nanoTime() + acquireTimeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            Duration slice = Duration.ofNanos(Math.max(0, Math.min(left, WAIT_SLICE.toNanos())));
            TransactionalProducer producer;
            try {
                producer = producers.acquire(slice);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TransactionAbortedException("interrupted while waiting for a transactional producer", e);
            } catch (RuntimeException e) {
                throw new TransactionAbortedException("could not get a transactional producer: " + e, e);
            }
            if (producer != null) {
                return producer;
            }
            whileWaiting.run();
            if (left <= 0) {
                throw new TransactionAbortedException("no transactional producer became free within "
                        + acquireTimeout, null);
            }
        }
    }

    /**
     * A producer of the pool. Any failure to get one — none free in time, interrupted, or a new producer whose
     * {@code initTransactions()} failed (the broker unreachable) — is a {@link TransactionAbortedException}: an
     * infrastructure failure, never the message's.
     */
    private TransactionalProducer acquire() {
        TransactionalProducer producer;
        try {
            producer = producers.acquire(acquireTimeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransactionAbortedException("interrupted while waiting for a transactional producer", e);
        } catch (RuntimeException e) {
            throw new TransactionAbortedException("could not get a transactional producer: " + e, e);
        }
        if (producer == null) {
            throw new TransactionAbortedException("no transactional producer became free within " + acquireTimeout,
                    null);
        }
        return producer;
    }

    /**
     * Commits, retrying the same commit while the client times out: the broker may have committed already (the
     * outcome is unknown to the caller), and aborting, or retrying the batch in a new transaction, would then commit
     * its outputs twice. Kafka's producer allows calling {@code commitTransaction()} again after a timeout; it
     * completes the same transaction. After {@link #COMMIT_ATTEMPTS} timeouts the last one is thrown.
     */
    private static void commit(TransactionalProducer producer) {
        for (int attempt = 1; ; attempt++) {
            try {
                producer.commit();
                return;
            } catch (TimeoutException e) {
                if (attempt >= COMMIT_ATTEMPTS) {
                    LOG.error("the commit of {} timed out {} times; its outcome is unknown and the batch is retried,"
                            + " which may duplicate its outputs", producer.transactionalId(), attempt);
                    throw e;
                }
                LOG.warn("the commit of {} timed out (attempt {}); committing it again: {}",
                        producer.transactionalId(), attempt, e.toString());
            }
        }
    }

    /** Aborts; returns whether the producer is still usable. */
    private static boolean abort(TransactionalProducer producer) {
        try {
            producer.abort();
            return true;
        } catch (RuntimeException e) {
            LOG.warn("aborting the transaction of {} failed; the producer is replaced: {}", producer.transactionalId(),
                    e.toString());
            return false;
        }
    }

    /** Errors after which the producer cannot go on: fenced, its epoch bumped (timed out), or a client timeout. */
    private static boolean fatal(KafkaException e) {
        return e instanceof ProducerFencedException || e instanceof InvalidProducerEpochException
                || e instanceof TimeoutException;
    }

    private static void ended(TestHook h, TopicPartition tp, long nextOffset, Throwable why) {
        if (h != null) {
            h.ended(tp, nextOffset, why);
        }
    }

    /**
     * The block's view of the open transaction; closed when the block returns. A send the producer refuses (a
     * metadata timeout, the transaction already in an error state, a fenced producer) throws a
     * {@link TransactionAbortedException} and dooms the transaction, whatever the block does with it.
     */
    private static final class Handle implements KafkaTransaction {
        private final TransactionalProducer producer;
        private volatile boolean open = true;
        private volatile TransactionAbortedException failed;

        Handle(TransactionalProducer producer) {
            this.producer = producer;
        }

        @Override
        public void send(ProducerRecord<byte[], byte[]> record) {
            if (!open) {
                throw new IllegalStateException("the transaction is over: send only inside its block");
            }
            java.util.Objects.requireNonNull(record, "record");
            if (failed != null) {
                throw failed;
            }
            try {
                producer.send(record);
            } catch (KafkaException e) {
                failed = new TransactionAbortedException("sending to " + record.topic() + " in the transaction of "
                        + producer.transactionalId() + " failed: " + e, e);
                throw failed;
            }
        }
    }
}
