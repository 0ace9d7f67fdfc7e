package io.sluice.filters;

import org.apache.kafka.common.TopicPartition;
import org.jooq.DSLContext;

/**
 * A partition's offset row, locked ({@code SELECT ... FOR UPDATE}) for the length of one transaction of
 * {@link PartitionOffsets#locked}. Made only by the store.
 *
 * <p>Guarantees: while the block runs no other transaction can change or lock the row, so {@link #nextOffset()}
 * is the truth; writes through {@link #moveTo} and {@link #advanceTo} and the caller's own statements on
 * {@link #tx()} commit together, or not at all. The object must not be used after the block returns, nor from
 * another thread.
 */
public final class LockedRow {

    private final PartitionOffsets store;
    private final DSLContext tx;
    private final TopicPartition topicPartition;
    private final boolean created;
    private long nextOffset;
    private boolean rollbackOnly;
    private boolean open = true;

    LockedRow(PartitionOffsets store, DSLContext tx, TopicPartition topicPartition, long nextOffset,
              boolean created) {
        this.store = store;
        this.tx = tx;
        this.topicPartition = topicPartition;
        this.nextOffset = nextOffset;
        this.created = created;
    }

    /** The partition this row belongs to; never {@code null}. */
    public TopicPartition topicPartition() {
        return topicPartition;
    }

    /**
     * The transaction holding the lock; never {@code null}. Run your own statements on it to commit them with
     * the offset. Do not commit, roll back or close it.
     */
    public DSLContext tx() {
        checkOpen();
        return tx;
    }

    /** The row's next offset: as read under the lock, or as this transaction last wrote it. */
    public long nextOffset() {
        return nextOffset;
    }

    /** Whether this transaction created the row (the partition's first use), seeded with the caller's offset. */
    public boolean created() {
        return created;
    }

    /**
     * Sets the row's next offset to {@code offset}, in either direction. Only an operator's decision (an
     * out-of-range policy) may move it back; consumption uses {@link #advanceTo}.
     *
     * @throws IllegalArgumentException when {@code offset} is negative
     */
    public void moveTo(long offset) {
        checkOpen();
        if (offset < 0) {
            throw new IllegalArgumentException("a next offset must be >= 0, was " + offset + " for " + topicPartition);
        }
        if (offset != nextOffset) {
            store.writeNextOffset(tx, topicPartition, offset);
            nextOffset = offset;
        }
    }

    /**
     * Moves the row's next offset up to {@code offset}; never moves it back.
     *
     * @return the row's next offset afterwards, {@code max(row, offset)}
     */
    public long advanceTo(long offset) {
        if (offset > nextOffset) {
            moveTo(offset);
        }
        return nextOffset;
    }

    /** Makes the transaction roll back instead of committing when the block returns normally. */
    public void setRollbackOnly() {
        checkOpen();
        rollbackOnly = true;
    }

    /** Whether the transaction will roll back when the block returns. */
    public boolean isRollbackOnly() {
        return rollbackOnly;
    }

    void close() {
        open = false;
    }

    private void checkOpen() {
        if (!open) {
            throw new IllegalStateException("the locked row of " + topicPartition
                    + " was used after its transaction ended");
        }
    }

    @Override
    public String toString() {
        return "LockedRow[" + topicPartition + " next_offset=" + nextOffset + (created ? " created" : "")
                + (rollbackOnly ? " rollback-only" : "") + "]";
    }
}
