package io.sluice.filters;

import java.time.Duration;
import java.util.Objects;
import org.apache.kafka.common.TopicPartition;

/**
 * A partition's offset row stayed locked by another transaction for longer than the store's lock timeout.
 *
 * <p>Nothing was written: the transaction that waited has been rolled back. It usually means another member
 * still works on the partition (a rebalance in progress, or a member that lost it without knowing); trying
 * again later is safe. It is an {@link io.sluice.dsl.InfrastructureFailure}: the runtime retries it with backoff
 * and never counts it against a message.
 */
public final class OffsetLockTimeoutException extends OffsetStoreException {

    private static final long serialVersionUID = 1L;

    private final String topic;
    private final int partition;
    private final Duration timeout;

    OffsetLockTimeoutException(TopicPartition topicPartition, Duration timeout, Throwable cause) {
        super("timed out after " + timeout.toMillis() + " ms waiting for the offset row lock of " + topicPartition
                + " (another transaction holds it)", cause);
        Objects.requireNonNull(topicPartition, "topicPartition");
        this.topic = topicPartition.topic();
        this.partition = topicPartition.partition();
        this.timeout = timeout;
    }

    /** The partition whose row could not be locked. */
    public TopicPartition topicPartition() {
        return new TopicPartition(topic, partition);
    }

    /** How long the transaction waited. */
    public Duration timeout() {
        return timeout;
    }
}
