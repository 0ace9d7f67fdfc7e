package io.sluice.runtime.internal;

import io.sluice.dsl.Verdict;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * What a finished job tells the listener. Carries the assignment generation it ran under: a report from an
 * older generation only frees the partition and changes nothing else.
 *
 * @param topicPartition the partition
 * @param generation     the assignment generation the job ran under
 * @param mark           the highest next offset to mark, already advanced in any offset authority
 * @param outcome        how the job ended
 */
public record Report(TopicPartition topicPartition, long generation, OptionalLong mark, Outcome outcome) {

    /** Rejects nulls. */
    public Report {
        Objects.requireNonNull(topicPartition, "topicPartition");
        Objects.requireNonNull(mark, "mark");
        Objects.requireNonNull(outcome, "outcome");
    }

    /** How a job ended. */
    public sealed interface Outcome permits Succeeded, Failed, DeadLettered, Enforced, Advanced, Split, OfGroup,
            Watermark {
    }

    /**
     * A batch job succeeded; the partition goes on as {@code verdict} says.
     *
     * @param verdict        the combined verdict (chain and the consumer's own request), for display
     * @param cursor         where to go on from, when the verdict seeks or pauses
     * @param pauseDeadline  when a pause ends, in the runtime's monotonic nanoseconds, fixed when the verdict was
     *                       made; empty when the verdict does not pause
     * @param consumed       how many messages the consumer was handed
     * @param dropped        how many messages the filters dropped
     * @param settledEnd     every offset below it is decided
     */
    public record Succeeded(Verdict verdict, OptionalLong cursor, OptionalLong pauseDeadline, int consumed,
                            int dropped, long settledEnd) implements Outcome {
        /** Rejects nulls. */
        public Succeeded {
            Objects.requireNonNull(verdict, "verdict");
            Objects.requireNonNull(cursor, "cursor");
            Objects.requireNonNull(pauseDeadline, "pauseDeadline");
        }
    }

    /**
     * A job failed. Its kind is decided by the partition machine from {@code error} and {@code origin}.
     *
     * @param error          the failure
     * @param origin         the step that failed
     * @param failedOffset   the failing message, when known
     * @param firstUndecided the first record of the job not covered by a mark when it ended (its next offset when
     *                       every record is covered): a failing message may be dead-lettered only when it is this one
     * @param batchEnd       the next offset of the failed batch: narrowing goes on up to it
     * @param failedRecord   the failing message as fetched, when known (what a dead letter carries)
     * @param consumedBefore how many messages before a named failing message count as consumed (covered by marks)
     */
    public record Failed(Throwable error, Origin origin, OptionalLong failedOffset, long firstUndecided,
                         long batchEnd, Optional<ConsumerRecord<byte[], byte[]>> failedRecord, int consumedBefore)
            implements Outcome {
        /** Rejects nulls. */
        public Failed {
            Objects.requireNonNull(error, "error");
            Objects.requireNonNull(origin, "origin");
            Objects.requireNonNull(failedOffset, "failedOffset");
            Objects.requireNonNull(failedRecord, "failedRecord");
        }

        /** A failure with no message named and nothing consumed. */
        public static Failed of(Throwable error, Origin origin) {
            return new Failed(error, origin, OptionalLong.empty(), -1, -1, Optional.empty(), 0);
        }
    }

    /**
     * A failing message was sent to the dead-letter topic (or discarded), and its offset advanced in any offset
     * authority.
     *
     * @param offset   the dead-lettered message's offset
     * @param topic    the dead-letter topic; empty when the message was discarded
     * @param attempts how many attempts had failed
     */
    public record DeadLettered(long offset, Optional<String> topic, int attempts) implements Outcome {
        /** Rejects nulls. */
        public DeadLettered {
            Objects.requireNonNull(topic, "topic");
        }
    }

    /**
     * The stored offset of an offset-managed partition was read (no lock).
     *
     * @param stored   the stored next offset, empty when nothing is stored
     * @param logStart the log start read just before
     * @param logEnd   the log end read just before
     * @param mapping  with virtual partitions, the mapping their rows belong to (empty: none stored)
     * @param highestRow with virtual partitions, the highest stored r_v (-1: no row): a drain point lies at or above it
     */
    public record Enforced(OptionalLong stored, long logStart, long logEnd, Optional<String> mapping,
                           long highestRow) implements Outcome {
        /** Rejects nulls. */
        public Enforced {
            Objects.requireNonNull(stored, "stored");
            Objects.requireNonNull(mapping, "mapping");
        }

        /** Without virtual partitions. */
        public Enforced(OptionalLong stored, long logStart, long logEnd) {
            this(stored, logStart, logEnd, Optional.empty(), -1);
        }
    }

    /**
     * A watermark job ended: with virtual partitions on an offset-managed topic, the partition row W was moved to
     * {@code watermark} (and the virtual-partition rows possibly created or replaced), or it failed.
     *
     * @param watermark the W written (when it did not fail)
     * @param mapping   the mapping stored afterwards
     * @param error     the failure, if it failed (nothing was written)
     */
    public record Watermark(long watermark, Optional<String> mapping, Optional<Throwable> error) implements Outcome {
        /** Rejects nulls. */
        public Watermark {
            Objects.requireNonNull(mapping, "mapping");
            Objects.requireNonNull(error, "error");
        }
    }

    /** The offset authority was advanced to {@code nextOffset} (offsets with no records, or after a dead letter). */
    public record Advanced(long nextOffset) implements Outcome {
    }

    /**
     * The filter chain of a partition with virtual partitions succeeded: what it left below its settled end is split
     * into one group per virtual partition, each to run as its own job. The chain job itself marks nothing.
     *
     * @param chain       the chain's verdict and settled end, as for a batch job (nothing consumed yet)
     * @param fetchOffset the offset the chain's batch was fetched from
     * @param groups      the records left for the consumer, by virtual partition, each list in offset order
     */
    public record Split(Succeeded chain, long fetchOffset,
                        java.util.Map<Integer, java.util.List<ConsumerRecord<byte[], byte[]>>> groups)
            implements Outcome {
        /** Rejects nulls and freezes the groups. */
        public Split {
            Objects.requireNonNull(chain, "chain");
            java.util.Map<Integer, java.util.List<ConsumerRecord<byte[], byte[]>>> copy = new java.util.TreeMap<>();
            groups.forEach((v, records) -> copy.put(v, java.util.List.copyOf(records)));
            groups = java.util.Collections.unmodifiableMap(copy);
        }
    }

    /**
     * The outcome of a job of one virtual partition (a group, or a dead letter of one of its messages). The report's
     * mark is that virtual partition's: every one of its messages below it is decided, and nothing else.
     *
     * @param virtualPartition the virtual partition
     * @param outcome          how the group's job ended
     */
    public record OfGroup(int virtualPartition, Outcome outcome) implements Outcome {
        /** Rejects nulls and nesting. */
        public OfGroup {
            Objects.requireNonNull(outcome, "outcome");
            if (outcome instanceof OfGroup || outcome instanceof Split) {
                throw new IllegalArgumentException("a group's outcome cannot be " + outcome);
            }
        }
    }

    /** The step of a job that failed. */
    public enum Origin {
        /** The filter chain threw. */
        CHAIN,
        /** The consumer threw. */
        CONSUMER,
        /** A message could not be deserialized. */
        POISON,
        /** Publishing a dead letter failed: nothing was published. */
        DEAD_LETTER_PUBLISH,
        /** The dead letter was published, but advancing the offset authority past it failed. */
        DEAD_LETTER_ADVANCE,
        /** Reading the log range or the stored offset failed. */
        ENFORCEMENT,
        /** Advancing the offset authority failed (a cursor above the batch, or offsets without records). */
        ADVANCE
    }
}
