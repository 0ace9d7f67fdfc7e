package io.sluice.filters;

import java.sql.Connection;
import org.apache.kafka.common.TopicPartition;
import org.jooq.DSLContext;

/**
 * A partition's offset row for one consumer group, locked ({@code SELECT ... FOR UPDATE}) for the length of one
 * transaction of {@link PartitionOffsets#locked}. Made only by the store.
 *
 * <p>Guarantees: while the block runs no other transaction can change or lock the row, so {@link #nextOffset()}
 * and {@link #epoch()} are the truth; writes through {@link #moveTo} and {@link #advanceTo} and the caller's own
 * statements on {@link #tx()} or {@link #connection()} commit together, or not at all. Moving the row backwards
 * bumps its epoch, so that writers that observed the older epoch are refused. The object must not be used after
 * the block returns, nor from another thread.
 */
public final class LockedRow {

    private final PartitionOffsets store;
    private final DSLContext tx;
    private final Connection connection;
    private final String consumerGroup;
    private final TopicPartition topicPartition;
    private final boolean created;
    private long nextOffset;
    private long epoch;
    private boolean rollbackOnly;
    private boolean open = true;

    LockedRow(PartitionOffsets store, DSLContext tx, Connection connection, String consumerGroup,
              TopicPartition topicPartition, long nextOffset, long epoch, boolean created) {
        this.store = store;
        this.tx = tx;
        this.connection = connection;
        this.consumerGroup = consumerGroup;
        this.topicPartition = topicPartition;
        this.nextOffset = nextOffset;
        this.epoch = epoch;
        this.created = created;
    }

    /** The consumer group this row belongs to; never {@code null}. */
    public String consumerGroup() {
        return consumerGroup;
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

    /**
     * The JDBC connection of the transaction holding the lock; never {@code null}. Statements on it commit with
     * the offset. Do not commit, roll back or close it, nor change its auto-commit or isolation.
     */
    public Connection connection() {
        checkOpen();
        return connection;
    }

    /** The row's next offset: as read under the lock, or as this transaction last wrote it. */
    public long nextOffset() {
        return nextOffset;
    }

    /**
     * The row's epoch: as read under the lock, or as this transaction last wrote it. It grows by one each time the
     * row moves backwards.
     */
    public long epoch() {
        return epoch;
    }

    /**
     * Whether this call created the row (the partition's first use in the group), seeded with the caller's offset.
     * The row is created in a short transaction of its own before the lock is taken, so it stays even when this
     * transaction rolls back.
     */
    public boolean created() {
        return created;
    }

    /**
     * Sets the row's next offset to {@code offset}, in either direction; a move backwards bumps the
     * {@linkplain #epoch() epoch}. Only an operator's decision (an out-of-range policy, a rewind) may move it back;
     * consumption uses {@link #advanceTo}.
     *
     * @throws IllegalArgumentException when {@code offset} is negative
     */
    public void moveTo(long offset) {
        checkOpen();
        if (offset < 0) {
            throw new IllegalArgumentException("a next offset must be >= 0, was " + offset + " for " + topicPartition);
        }
        if (offset != nextOffset) {
            long newEpoch = offset < nextOffset ? epoch + 1 : epoch;
            store.writeRow(tx, consumerGroup, topicPartition, offset, newEpoch);
            nextOffset = offset;
            epoch = newEpoch;
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
        return "LockedRow[" + consumerGroup + " " + topicPartition + " next_offset=" + nextOffset + " epoch=" + epoch
                + (created ? " created" : "") + (rollbackOnly ? " rollback-only" : "") + "]";
    }
}
