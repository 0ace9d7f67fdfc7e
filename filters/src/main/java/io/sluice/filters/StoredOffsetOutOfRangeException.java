package io.sluice.filters;

import io.sluice.dsl.InfrastructureFailure;
import java.util.Objects;
import java.util.OptionalLong;
import org.apache.kafka.common.TopicPartition;

/**
 * The stored next offset of a partition lies outside the partition's log (the topic was recreated, the database
 * restored, or retention passed the offset), and the topic's policy is
 * {@link io.sluice.dsl.OffsetOutOfRangePolicy#FAIL FAIL}.
 *
 * <p>Thrown by {@link OffsetManager}. It is an {@link InfrastructureFailure}, never a message's fault: the runtime
 * keeps the partition paused and retries with backoff, reporting this error each time (and the partition as
 * blocked), until an operator fixes the row (or the policy); no message is counted or dead-lettered for it. The
 * message names the partition, both offsets and the log range. Nothing was written.
 */
public final class StoredOffsetOutOfRangeException extends InfrastructureFailure {

    private static final long serialVersionUID = 1L;

    private final TopicPartition topicPartition;
    private final long storedOffset;
    private final long fetchOffset;
    private final Long logStartOffset;
    private final Long logEndOffset;

    StoredOffsetOutOfRangeException(TopicPartition topicPartition, long storedOffset, long fetchOffset,
                                    OptionalLong logStartOffset, OptionalLong logEndOffset, String advice) {
        super("stored next offset " + storedOffset + " of " + topicPartition + " is outside the log "
                + OffsetManager.range(logStartOffset, logEndOffset) + " (Kafka fetched from " + fetchOffset
                + "); " + advice);
        this.topicPartition = Objects.requireNonNull(topicPartition, "topicPartition");
        this.storedOffset = storedOffset;
        this.fetchOffset = fetchOffset;
        this.logStartOffset = logStartOffset.isPresent() ? logStartOffset.getAsLong() : null;
        this.logEndOffset = logEndOffset.isPresent() ? logEndOffset.getAsLong() : null;
    }

    /** The partition. */
    public TopicPartition topicPartition() {
        return topicPartition;
    }

    /** The next offset the database holds. */
    public long storedOffset() {
        return storedOffset;
    }

    /** The offset Kafka fetched the batch from. */
    public long fetchOffset() {
        return fetchOffset;
    }

    /** The log start offset read at assignment, when known. */
    public OptionalLong logStartOffset() {
        return logStartOffset == null ? OptionalLong.empty() : OptionalLong.of(logStartOffset);
    }

    /** The log end offset read at assignment, when known. */
    public OptionalLong logEndOffset() {
        return logEndOffset == null ? OptionalLong.empty() : OptionalLong.of(logEndOffset);
    }
}
