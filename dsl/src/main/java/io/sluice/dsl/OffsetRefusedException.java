package io.sluice.dsl;

import java.util.Objects;
import org.apache.kafka.common.TopicPartition;

/**
 * The offset store refused to apply a batch because the batch does not continue from the stored offset: it was
 * fetched from above the stored next offset (something between would be skipped), or the stored offset lies
 * beyond the log end seen by this fetch. Nothing was applied and nothing was marked.
 *
 * <p>Guarantees: it is an {@link InfrastructureFailure}, so nothing is counted or dead-lettered; the runtime
 * enforces the stored offset again (it re-reads the row and seeks there) after a backoff, before the next try. A
 * second refusal at the same stored and fetch offsets reports the partition blocked at once (an error event and a
 * {@code Blocked} event), and it keeps backing off and enforcing until the store and the log agree.
 */
public class OffsetRefusedException extends InfrastructureFailure {

    private static final long serialVersionUID = 1L;

    private final String topic;
    private final int partition;
    private final long storedOffset;
    private final long fetchOffset;

    /**
     * @param topicPartition the partition, never {@code null}
     * @param storedOffset   the stored next offset
     * @param fetchOffset    the batch's fetch offset
     * @param reason         why the batch was refused, never {@code null}
     */
    public OffsetRefusedException(TopicPartition topicPartition, long storedOffset, long fetchOffset, String reason) {
        super("offset store refused the batch of " + Objects.requireNonNull(topicPartition, "topicPartition")
                + " fetched from " + fetchOffset + " (stored next offset " + storedOffset + "): "
                + Objects.requireNonNull(reason, "reason"));
        this.topic = topicPartition.topic();
        this.partition = topicPartition.partition();
        this.storedOffset = storedOffset;
        this.fetchOffset = fetchOffset;
    }

    /** The partition whose batch was refused. */
    public TopicPartition topicPartition() {
        return new TopicPartition(topic, partition);
    }

    /** The stored next offset when the batch was refused. */
    public long storedOffset() {
        return storedOffset;
    }

    /** The refused batch's fetch offset. */
    public long fetchOffset() {
        return fetchOffset;
    }
}
