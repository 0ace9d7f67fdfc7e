package io.sluice.dsl;

import java.util.Objects;
import org.apache.kafka.common.TopicPartition;

/**
 * An operator's request to move a partition's stored offset ({@link OffsetAuthority#move}): from
 * {@code expected}, which must still be the stored next offset, to {@code target}. A move below the stored offset
 * re-applies the messages between (a rewind); above, it passes them (a skip). The caller has checked that the
 * target lies within the log.
 *
 * @param consumerGroup  the consumer group whose offset it is
 * @param topicPartition the partition
 * @param expected       the stored next offset the operator saw
 * @param target         the next offset to store
 * @param operator       who asked, for the audit
 * @param commandId      the command's id, for the audit
 */
public record OffsetMove(String consumerGroup, TopicPartition topicPartition, long expected, long target,
                         String operator, String commandId) {

    /** What came of a move. */
    public enum Outcome {
        /** The stored offset was {@code expected} and is now {@code target}, audited in the same transaction. */
        MOVED,
        /** The stored offset was not {@code expected} (or there was none): nothing changed. */
        PREVENTED,
        /** This offset authority cannot move offsets. */
        UNSUPPORTED
    }

    /** Checks the values. */
    public OffsetMove {
        Objects.requireNonNull(consumerGroup, "consumerGroup");
        Objects.requireNonNull(topicPartition, "topicPartition");
        Objects.requireNonNull(operator, "operator");
        Objects.requireNonNull(commandId, "commandId");
        if (expected < 0 || target < 0) {
            throw new IllegalArgumentException("offsets are not negative: expected " + expected + ", target "
                    + target);
        }
    }
}
