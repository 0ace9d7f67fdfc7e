package io.sluice.runtime;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * A read-only snapshot of one assigned partition, for tests, logs, metrics and the Web UI. Offsets are next
 * offsets, as Kafka commits them.
 *
 * @param topicPartition the partition
 * @param generation     its assignment generation
 * @param state          the partition machine's state: ENFORCING, IDLE, IN_FLIGHT, DEAD_LETTERING, ADVANCING,
 *                       PAUSED, BACKOFF or REVOKED
 * @param fetchPosition  where the next fetch starts (-1 when unknown)
 * @param marked         the highest next offset marked (-1 when none)
 * @param committed      the highest next offset committed by this assignment (-1 when none)
 * @param pausedUntil    when a filter's pause or a failure's backoff ends, if the partition waits for one
 * @param attempts       failed attempts of the failing message (or of the batch while it is unknown)
 * @param filterFailures failures in a row that are not message failures (infrastructure, filters)
 * @param logStart       the log start offset as last read (at assignment or enforcement)
 * @param logEnd         the log end offset as last read (at assignment or enforcement)
 * @param consumer       the class of this assignment's consumer instance (its simple name when it has one)
 * @param latestLogEnd   the log end as the consumer last saw it (the high watermark of its fetches, or the last
 *                       stable offset under {@code read_committed}), else {@link #logEnd()}; never moves back
 * @param lag            {@code latestLogEnd} minus {@code marked} (minus where the assignment started while nothing
 *                       is marked), at least 0; empty when either is unknown
 * @param pauseReasons   why the partition is paused in the consumer (work, filter, backoff, closing); empty when
 *                       it is fetching
 * @param lastVerdict    the last applied verdict of its filter chain ({@code SKIP}, {@code SEEK@n},
 *                       {@code PAUSE@n}), empty when none applied yet
 * @param caughtUp       idle and unpaused at a position equal to the last log end seen, with everything before it
 *                       marked (under manual marking, the marks are the consumer's business)
 */
public record PartitionState(TopicPartition topicPartition, long generation, String state, long fetchPosition,
                             long marked, long committed, Optional<Instant> pausedUntil, int attempts,
                             int filterFailures, OptionalLong logStart, OptionalLong logEnd, String consumer,
                             OptionalLong latestLogEnd, OptionalLong lag, Set<String> pauseReasons,
                             String lastVerdict, boolean caughtUp) {

    /** Freezes the set. */
    public PartitionState {
        pauseReasons = Set.copyOf(pauseReasons);
    }
}
