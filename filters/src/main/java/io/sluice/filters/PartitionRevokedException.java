package io.sluice.filters;

import io.sluice.dsl.InfrastructureFailure;
import java.util.Objects;
import org.apache.kafka.common.TopicPartition;

/**
 * The partition was revoked from this consumer before a batch could be applied in a transaction the store does not
 * own ({@link PartitionOffsets#consumeJoined}): nothing was applied, and the transaction's owner must roll back
 * whatever else it did in that transaction.
 *
 * <p>It is an {@link InfrastructureFailure}: never counted against a message; the partition's new owner applies
 * the batch.
 */
public final class PartitionRevokedException extends InfrastructureFailure {

    private static final long serialVersionUID = 1L;

    private final String topic;
    private final int partition;

    PartitionRevokedException(TopicPartition topicPartition) {
        super(topicPartition + " was revoked: nothing applied; roll the transaction back");
        Objects.requireNonNull(topicPartition, "topicPartition");
        this.topic = topicPartition.topic();
        this.partition = topicPartition.partition();
    }

    /** The revoked partition. */
    public TopicPartition topicPartition() {
        return new TopicPartition(topic, partition);
    }
}
