package io.sluice.filters;

import java.time.Duration;
import java.util.Objects;
import org.apache.kafka.common.TopicPartition;
import org.jooq.exception.DataAccessException;

/**
 * A partition's offset row stayed locked by another transaction for longer than the store's lock timeout.
 *
 * <p>Nothing was written: the transaction that waited has been rolled back. It usually means another member
 * still works on the partition (a rebalance in progress, or a member that lost it without knowing); trying
 * again later is safe. As a filter failure the runtime retries it with backoff.
 */
public final class OffsetLockTimeoutException extends DataAccessException {

    private static final long serialVersionUID = 1L;

    private final TopicPartition topicPartition;
    private final Duration timeout;

    OffsetLockTimeoutException(TopicPartition topicPartition, Duration timeout, Throwable cause) {
        super("timed out after " + timeout.toMillis() + " ms waiting for the offset row lock of " + topicPartition
                + " (another transaction holds it)", cause);
        this.topicPartition = Objects.requireNonNull(topicPartition, "topicPartition");
        this.timeout = timeout;
    }

    /** The partition whose row could not be locked. */
    public TopicPartition topicPartition() {
        return topicPartition;
    }

    /** How long the transaction waited. */
    public Duration timeout() {
        return timeout;
    }
}
