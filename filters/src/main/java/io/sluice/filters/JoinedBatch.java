package io.sluice.filters;

import io.sluice.dsl.ConsumerContext;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A batch that {@link PartitionOffsets#consumeJoined} applied inside a transaction the store does not own, waiting
 * for that transaction's outcome. Made only by the store; the transaction's owner (an integration such as
 * {@code sluice-spring-tx}) reports the outcome exactly once.
 *
 * <p>Guarantees: Kafka is marked only by {@link #committed()}, never before, and at most once; after
 * {@link #rolledBack()} nothing is ever marked. Thread-safe.
 */
public final class JoinedBatch {

    private static final Logger LOG = LoggerFactory.getLogger(JoinedBatch.class);

    private final PartitionOffsets store;
    private final ConsumerContext context;
    private final int applied;
    private final OptionalLong mark;
    private final long epoch;
    private final AtomicBoolean decided = new AtomicBoolean();

    JoinedBatch(PartitionOffsets store, ConsumerContext context, int applied, OptionalLong mark, long epoch) {
        this.store = store;
        this.context = context;
        this.applied = applied;
        this.mark = mark;
        this.epoch = epoch;
    }

    /** How many messages the work applied: 0 when all were applied before (or the batch was empty). */
    public int applied() {
        return applied;
    }

    /** The next offset Kafka is marked with once the transaction has committed; empty for an empty batch. */
    public OptionalLong mark() {
        return mark;
    }

    /**
     * The transaction committed: the store remembers the row's epoch it saw, and Kafka is marked with
     * {@link #mark()} ({@code context.markAsConsumed}). Call it after the commit, on the consumer's thread; calls
     * after the first (or after {@link #rolledBack()}) do nothing.
     */
    public void committed() {
        if (!decided.compareAndSet(false, true)) {
            return;
        }
        if (mark.isPresent()) {
            store.joinedCommitted(context, epoch);
            context.markAsConsumed(mark.getAsLong());
        }
    }

    /**
     * The transaction rolled back (or its outcome is unknown): nothing is marked. The row was not moved, so the
     * partition's next batch is refused by the store and the partition is read again from the row. Calls after
     * the first (or after {@link #committed()}) do nothing.
     */
    public void rolledBack() {
        if (decided.compareAndSet(false, true) && mark.isPresent()) {
            LOG.warn("{}: the joined transaction did not commit; {} message(s) not applied and nothing marked",
                    context.topicPartition(), applied);
        }
    }

    @Override
    public String toString() {
        return "JoinedBatch[" + context.topicPartition() + " applied=" + applied + " mark=" + mark + "]";
    }
}
