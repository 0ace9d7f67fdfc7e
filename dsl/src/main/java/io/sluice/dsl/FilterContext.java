package io.sluice.dsl;

import java.time.Clock;
import java.util.OptionalLong;
import org.apache.kafka.common.TopicPartition;

/**
 * What a {@link Filter} may ask of the runtime while it runs. Implemented by the runtime (and by test
 * drivers), never by users.
 */
public interface FilterContext {

    /** The partition being filtered; never {@code null}. */
    TopicPartition topicPartition();

    /** The settings of the partition's topic; never {@code null}. */
    TopicSettings settings();

    /**
     * Whether this partition has been revoked or lost since the job started. Turns {@code true} at once on
     * revocation; a filter doing slow work should check it and give up.
     */
    boolean revoked();

    /** The runtime's clock: time-based filters must use it so that tests can drive time by hand. */
    Clock clock();

    /**
     * The consumer group this runtime consumes in ({@code group.id}); never {@code null}. Stores that keep offsets
     * key them by it, so two groups on one topic never share offsets.
     */
    String consumerGroup();

    /**
     * The partition's log start offset as last read (at assignment, when an offset was found invalid, and again
     * before a failed filter retries), when known.
     */
    OptionalLong logStartOffset();

    /**
     * The partition's log end offset as observed with this batch's fetch (under {@code read_committed}, the last
     * stable offset), else as last read at assignment; empty when unknown.
     */
    OptionalLong logEndOffset();
}
