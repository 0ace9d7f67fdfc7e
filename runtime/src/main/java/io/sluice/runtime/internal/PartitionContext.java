package io.sluice.runtime.internal;

import io.sluice.dsl.ConsumerContext;
import io.sluice.dsl.Message;
import io.sluice.dsl.TopicSettings;
import io.sluice.dsl.Verdict;
import io.sluice.runtime.JobObserver;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;

/**
 * The context one job's filters and consumer see. Marks and seek/pause requests are collected here and carried
 * out by the listener when the job's report arrives; {@link #revoked()} reads the assignment's shared flag, so
 * it turns true at once when the listener revokes the partition.
 */
final class PartitionContext implements ConsumerContext {

    private final TopicPartition topicPartition;
    private final long generation;
    private final String consumerGroup;
    private final TopicSettings settings;
    private final Clock clock;
    private final OptionalLong logStart;
    private final OptionalLong logEnd;
    private final AtomicBoolean revoked;
    private final long markedAtStart;
    private final int attempt;
    private final java.util.function.LongSupplier nanos;
    private volatile long mark = -1;
    private volatile Verdict override;
    private volatile long overrideNanos;
    private volatile JobObserver observer = JobObserver.NONE;
    /** The virtual partition this context's job runs, -1 for a whole partition. */
    private final int virtualPartition;
    private volatile KafkaTransactor transactor;
    private volatile long batchEnd = -1;
    private volatile boolean transacted;
    private volatile Throwable transactionFailure;
    /** The mapping that virtual partition belongs to; null for a whole partition. */
    private final String mapping;
    /** The offset this job's transaction committed, -1 before. */
    private volatile long committedByTransaction = -1;

    PartitionContext(TopicPartition topicPartition, String consumerGroup, long generation, TopicSettings settings,
                     Clock clock, java.util.function.LongSupplier nanos, OptionalLong logStart, OptionalLong logEnd,
                     AtomicBoolean revoked, long markedAtStart, int attempt) {
        this(topicPartition, consumerGroup, generation, settings, clock, nanos, logStart, logEnd, revoked,
                markedAtStart, attempt, -1, null);
    }

    /** A context for a group of virtual partition {@code virtualPartition} (-1: the whole partition). */
    PartitionContext(TopicPartition topicPartition, String consumerGroup, long generation, TopicSettings settings,
                     Clock clock, java.util.function.LongSupplier nanos, OptionalLong logStart, OptionalLong logEnd,
                     AtomicBoolean revoked, long markedAtStart, int attempt, int virtualPartition, String mapping) {
        this.virtualPartition = virtualPartition;
        this.mapping = mapping;
        this.nanos = nanos;
        this.topicPartition = topicPartition;
        this.generation = generation;
        this.consumerGroup = consumerGroup;
        this.settings = settings;
        this.clock = clock;
        this.logStart = logStart;
        this.logEnd = logEnd;
        this.revoked = revoked;
        this.markedAtStart = markedAtStart;
        this.attempt = attempt;
    }

    /** The observer {@link #observe} hands messages to. */
    void observer(JobObserver value) {
        observer = value;
    }

    @Override
    public <T> T observe(Message<?, ?> message, Supplier<T> work) {
        return observer.observe(message, work);
    }

    @Override
    public TopicPartition topicPartition() {
        return topicPartition;
    }

    @Override
    public TopicSettings settings() {
        return settings;
    }

    @Override
    public String consumerGroup() {
        return consumerGroup;
    }

    @Override
    public boolean revoked() {
        return revoked.get();
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public OptionalLong logStartOffset() {
        return logStart;
    }

    @Override
    public OptionalLong logEndOffset() {
        return logEnd;
    }

    @Override
    public long generation() {
        return generation;
    }

    @Override
    public int attempt() {
        return attempt;
    }

    @Override
    public boolean markAsConsumed(Message<?, ?> message) {
        if (!message.topicPartition().equals(topicPartition)) {
            throw new IllegalArgumentException("cannot mark " + message.topicPartition() + "@" + message.offset()
                    + " from the context of " + topicPartition);
        }
        return markAsConsumed(message.nextOffset());
    }

    @Override
    public boolean markAsConsumed(long nextOffset) {
        if (nextOffset < 0) {
            throw new IllegalArgumentException("a mark is a next offset and must be >= 0, was " + nextOffset);
        }
        if (revoked.get()) {
            // the partition is no longer this assignment's: the new owner decides these messages again
            return false;
        }
        synchronized (this) {
            if (transactionFailure != null) {
                // this batch's transaction aborted: nothing of it is decided, its messages are run again
                return false;
            }
            record(nextOffset);
        }
        return true;
    }

    /**
     * A mark the runtime makes itself for this job (automatic marking, the messages before a named failing one):
     * taken even while the partition is being revoked, so a job that ends within the revocation grace still has
     * its work committed.
     */
    synchronized void record(long nextOffset) {
        if (nextOffset > mark) {
            mark = nextOffset;
        }
    }

    @Override
    public long markedOffset() {
        return Math.max(mark, markedAtStart);
    }

    @Override
    public void seek(long offset) {
        requireWholePartition("seek");
        requireNotCommitted("seek", offset);
        override = Verdict.seek(offset);
    }

    @Override
    public void pause(long offset, Duration timeout) {
        requireWholePartition("pause");
        requireNotCommitted("pause", offset);
        override = Verdict.pause(offset, timeout);
        overrideNanos = nanos.getAsLong();
    }

    @Override
    public java.util.OptionalInt virtualPartition() {
        return virtualPartition < 0 ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(virtualPartition);
    }

    @Override
    public Optional<String> virtualMapping() {
        return Optional.ofNullable(mapping);
    }

    private void requireWholePartition(String what) {
        if (virtualPartition >= 0) {
            throw new IllegalStateException("cannot " + what + " " + topicPartition + " from virtual partition "
                    + virtualPartition + ": the position belongs to the whole partition; use a filter instead");
        }
    }

    /**
     * Runs a Kafka transaction committing this batch's offsets: its end ({@link #batchEnd}), lowered to a cursor the
     * consumer asked for already, never below the mark at the start of the job. A failure is remembered, so the
     * job fails even if the consumer swallows it.
     */
    @Override
    public void transaction(java.util.function.Consumer<io.sluice.dsl.KafkaTransaction> block) {
        java.util.Objects.requireNonNull(block, "block");
        KafkaTransactor tx = transactor;
        if (tx == null || batchEnd < 0) {
            io.sluice.dsl.ConsumerContext.super.transaction(block);
            return;
        }
        synchronized (this) {
            if (transacted) {
                throw new IllegalStateException("a job of " + topicPartition + " may run one transaction; this batch's"
                        + " transaction already ran");
            }
            transacted = true;
        }
        long offset;
        try {
            // read once the block is done: a seek or pause the consumer asks for inside it bounds the offset too
            offset = tx.run(topicPartition, generation, revoked, this::transactionOffset, block);
        } catch (RuntimeException | Error e) {
            synchronized (this) {
                // what the consumer marked went down with the transaction: its outputs are not visible
                transactionFailure = e;
                mark = -1;
            }
            throw e;
        }
        committedByTransaction = offset;
        record(offset);
    }

    /** The offset this batch's transaction commits: its end, lowered to the consumer's cursor, never below the mark. */
    private long transactionOffset() {
        long offset = batchEnd;
        Verdict own = override;
        if (own != null && own.resumeAt().isPresent()) {
            offset = Math.min(offset, own.resumeAt().getAsLong());
        }
        return Math.max(offset, markedAtStart);
    }

    /** Refuses a cursor below what this job's transaction committed: that cannot be taken back. */
    private void requireNotCommitted(String what, long offset) {
        long committed = committedByTransaction;
        if (committed >= 0 && offset < committed) {
            throw new IllegalStateException("cannot " + what + " " + topicPartition + " at " + offset + ": this"
                    + " batch's transaction already committed its offsets up to " + committed + "; ask for the cursor"
                    + " inside the transaction's block");
        }
    }

    /** Lets {@link #transaction} run: on a topic with Kafka transactions, for a batch ending at {@code end}. */
    void transactions(KafkaTransactor tx, long end) {
        this.transactor = tx;
        this.batchEnd = end;
    }

    /** The failure of this job's transaction, if it failed (whether or not the consumer caught it). */
    Optional<Throwable> transactionFailure() {
        return Optional.ofNullable(transactionFailure);
    }

    /** When the consumer asked for its pause, in the runtime's monotonic nanoseconds. */
    long overrideNanos() {
        return overrideNanos;
    }

    /** The partition's mark when this job started (-1 when none). */
    long markedAtStart() {
        return markedAtStart;
    }

    /** The highest mark this job made, if any. */
    OptionalLong jobMark() {
        long m = mark;
        return m < 0 ? OptionalLong.empty() : OptionalLong.of(m);
    }

    /** The consumer's own seek or pause request, combined with the chain's verdict like one more filter. */
    Optional<Verdict> override() {
        return Optional.ofNullable(override);
    }
}
