package io.sluice.runtime;

import io.sluice.dsl.Message;
import io.sluice.dsl.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.kafka.common.TopicPartition;

/**
 * Something the runtime did, as a typed event for {@link SluiceEventListener}s: metrics, dashboards, tests.
 * A closed set; every event names the consumer instance it happened in.
 */
public sealed interface SluiceEvent {

    /** The consumer instance the event happened in. */
    String instance();

    /** A partition was assigned to the instance; a new consumer and new filters were made. */
    record Assigned(String instance, TopicPartition topicPartition, long generation, long position)
            implements SluiceEvent {
    }

    /**
     * An offset-managed partition's stored offset was read when it was assigned (or when Kafka found its offset
     * invalid, or the store refused a batch), before anything was fetched: the runtime seeks to {@code stored} when it
     * lies within the log and differs from Kafka's position.
     *
     * @param stored        the stored next offset, empty when nothing is stored yet
     * @param kafkaPosition Kafka's position for the group then (the committed offset), -1 when it had none
     * @param logStart      the log start read just before
     * @param logEnd        the log end read just before
     */
    record Enforced(String instance, TopicPartition topicPartition, long generation, OptionalLong stored,
                    long kafkaPosition, long logStart, long logEnd) implements SluiceEvent {

        /** Whether the stored offset moved the partition: it lies within the log and differs from Kafka's. */
        public boolean moved() {
            return stored.isPresent() && stored.getAsLong() != kafkaPosition && stored.getAsLong() >= logStart
                    && stored.getAsLong() <= logEnd;
        }
    }

    /** A partition was revoked (orderly: its marks were committed). */
    record Revoked(String instance, TopicPartition topicPartition, long generation) implements SluiceEvent {
    }

    /** A partition was lost (nothing committed). */
    record Lost(String instance, TopicPartition topicPartition, long generation) implements SluiceEvent {
    }

    /**
     * A consumer handled a batch successfully. Fired on the worker thread.
     *
     * @param messages the messages the consumer was handed (do not modify)
     * @param duration how long the consumer took
     */
    record Consumed(String instance, TopicPartition topicPartition, long generation, List<Message<?, ?>> messages,
                    Duration duration) implements SluiceEvent {
    }

    /** The filter chain applied to a batch: the combined verdict and how many messages were dropped. */
    record Filtered(String instance, TopicPartition topicPartition, long generation, Verdict verdict, int dropped)
            implements SluiceEvent {
    }

    /**
     * The partition's position was moved to {@code offset} by a seek: a filter's or consumer's seek, the offset
     * manager's stored offset, a dead letter's end, a reset. The end of a pause is reported as {@link Resumed}.
     */
    record Sought(String instance, TopicPartition topicPartition, long offset) implements SluiceEvent {
    }

    /** The partition was paused until {@code until}, to resume from {@code cursor}. */
    record Paused(String instance, TopicPartition topicPartition, Instant until, long cursor, String reason)
            implements SluiceEvent {
    }

    /**
     * A pause ended — a filter's, or a failure's backoff (then after {@link Retried}) — and the partition resumes
     * from {@code cursor}: its position is moved there without a {@link Sought} event.
     */
    record Resumed(String instance, TopicPartition topicPartition, long cursor) implements SluiceEvent {
    }

    /**
     * A job failed; it is retried after {@code backoff} (zero when the failing message is dead-lettered now).
     *
     * @param kind         what kind of failure it was; the kind decides what happens next
     * @param attempt      for a message failure, the failing message's failed attempts (or the batch's while the
     *                     message is unknown); otherwise the failures of that kind in a row
     * @param failedOffset the failing message, when known
     */
    record Failed(String instance, TopicPartition topicPartition, long generation, FailureKind kind, int attempt,
                  OptionalLong failedOffset, Throwable error, Duration backoff) implements SluiceEvent {
    }

    /**
     * A partition has made no progress since {@code since}: a failure keeps repeating (an outage, a poison message
     * on a topic without a dead-letter queue, a stored offset outside the log) for longer than the runtime's
     * {@code blockedAlertAfter}, or at once for a poison message with nowhere to go. Fired once per blocked
     * stretch; the partition keeps retrying.
     *
     * @param offset the first offset not yet decided, where the partition is stuck (-1 when unknown)
     * @param kind   the kind of the last failure
     * @param error  the last failure
     */
    record Blocked(String instance, TopicPartition topicPartition, long generation, long offset, Instant since,
                   FailureKind kind, Throwable error) implements SluiceEvent {
    }

    /**
     * A partition paused after a failure tries its work again: the pause of the backoff ended, and the partition
     * resumes from {@code cursor} (for a failed dead-letter publication: the publication is tried again). Always
     * follows a {@link Failed} of the same partition and generation; {@link Resumed} follows it when a batch is
     * retried (not when a dead-letter publication, a store advance, an enforcement or a reset is).
     *
     * @param kind    the kind of the failure being retried, as in {@link Failed#kind()}
     * @param attempt the attempt count the {@link Failed} event reported; the retry is attempt {@code attempt + 1}
     */
    record Retried(String instance, TopicPartition topicPartition, long generation, FailureKind kind, int attempt,
                   long cursor) implements SluiceEvent {
    }

    /** A message was sent to the dead-letter topic after {@code attempts} failed attempts. */
    record DeadLettered(String instance, TopicPartition topicPartition, long offset, String deadLetterTopic,
                        int attempts) implements SluiceEvent {
    }

    /**
     * A message was dropped without publishing after {@code attempts} failed attempts (the topic's dead-letter queue
     * discards); the partition moved past it.
     */
    record Discarded(String instance, TopicPartition topicPartition, long offset, int attempts)
            implements SluiceEvent {
    }

    /** Marked offsets were committed to Kafka (next offsets). */
    record Committed(String instance, Map<TopicPartition, Long> offsets) implements SluiceEvent {
    }

    /**
     * A consumer instance stopped on an unexpected error: its listener thread is gone and its partitions will
     * move to other members once the group notices. {@link SluiceRuntime#failures()} lists it too.
     */
    record InstanceFailed(String instance, Throwable error) implements SluiceEvent {
    }

    /** A commit failed; the marks stay and are committed later. */
    record CommitFailed(String instance, Map<TopicPartition, Long> offsets, Throwable error) implements SluiceEvent {
    }
}
