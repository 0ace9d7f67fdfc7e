package io.sluice.runtime.internal;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.kafka.common.TopicPartition;

/**
 * A read-only snapshot of one assigned partition, for tests, logs, metrics and the Web UI. Offsets are next
 * offsets, as Kafka commits them.
 *
 * @param topicPartition the partition
 * @param generation     its assignment generation
 * @param state          IDLE, IN_FLIGHT, PAUSED or REVOKED
 * @param fetchPosition  where the next fetch starts (-1 when unknown)
 * @param marked         the highest next offset marked (-1 when none)
 * @param committed      the highest next offset committed by this assignment (-1 when none)
 * @param pausedUntil    when a pause ends, if paused
 * @param attempts       consecutive failed attempts of the consumer
 * @param filterFailures consecutive filter failures
 * @param logStart       the log start offset read at assignment
 * @param logEnd         the log end offset read at assignment
 * @param consumer       the class of this assignment's consumer instance (its simple name when it has one)
 * @param latestLogEnd   the log end as the consumer last saw it (the high watermark of its fetches, or the last
 *                       stable offset under {@code read_committed}), else {@link #logEnd()}; never moves back
 * @param lag            {@code latestLogEnd} minus {@code marked} (minus the position at assignment while nothing is
 *                       marked), at least 0; empty when either is unknown
 */
public record PartitionState(TopicPartition topicPartition, long generation, String state, long fetchPosition,
                             long marked, long committed, Optional<Instant> pausedUntil, int attempts,
                             int filterFailures, OptionalLong logStart, OptionalLong logEnd, String consumer,
                             OptionalLong latestLogEnd, OptionalLong lag) {
}
