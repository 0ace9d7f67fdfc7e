package io.sluice.runtime.internal;

import io.sluice.dsl.Verdict;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import java.util.OptionalLong;
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
    public sealed interface Outcome permits Succeeded, Failed, DeadLettered {
    }

    /**
     * A failing message was sent to the dead-letter topic (and its offset advanced in any offset authority).
     *
     * @param offset   the dead-lettered message's offset
     * @param topic    the dead-letter topic
     * @param attempts how many attempts had failed
     */
    public record DeadLettered(long offset, String topic, int attempts) implements Outcome {
    }

    /**
     * The job succeeded; carry out {@code verdict} (the chain's, or the consumer's own request).
     *
     * @param verdict   what to do with the partition now
     * @param consumed  how many messages the consumer was handed
     * @param dropped   how many messages the filters dropped
     */
    public record Succeeded(Verdict verdict, int consumed, int dropped) implements Outcome {
        /** Rejects a null verdict. */
        public Succeeded {
            Objects.requireNonNull(verdict, "verdict");
        }
    }

    /**
     * The job failed.
     *
     * @param error         the failure
     * @param kind          whose failure it was
     * @param failedOffset  the offset of the failing message, when known
     * @param retryFrom     where the retry starts: the first unmarked message
     * @param batchEnd      the fetch's next offset of the failed batch: narrowing goes on up to it
     * @param failedRecord  the failing message as fetched, when known (what a dead letter carries)
     * @param consumedBefore how many messages before a named failing message count as consumed
     */
    public record Failed(Throwable error, FailureKind kind, OptionalLong failedOffset, long retryFrom,
                         long batchEnd, Optional<ConsumerRecord<byte[], byte[]>> failedRecord, int consumedBefore)
            implements Outcome {
        /** Rejects nulls. */
        public Failed {
            Objects.requireNonNull(error, "error");
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(failedOffset, "failedOffset");
            Objects.requireNonNull(failedRecord, "failedRecord");
        }

        /** A failure after which nothing counts as consumed. */
        public Failed(Throwable error, FailureKind kind, OptionalLong failedOffset, long retryFrom, long batchEnd,
                      Optional<ConsumerRecord<byte[], byte[]>> failedRecord) {
            this(error, kind, failedOffset, retryFrom, batchEnd, failedRecord, 0);
        }
    }

    /** Whose failure a {@link Failed} was; only consumer and poison failures count toward maxRetries. */
    public enum FailureKind {
        /** The consumer threw. */
        CONSUMER,
        /** A message could not be deserialized. */
        POISON,
        /** A filter or the offset authority threw: retried indefinitely, never dead-lettered. */
        FILTER,
        /** Publishing a dead letter failed: nothing is marked, the publication is retried. */
        DEAD_LETTER
    }
}
