package io.sluice.runtime;

import io.sluice.dsl.Message;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;

/**
 * Wraps every job a runtime runs for a batch of one partition — deserializing, the filter chain, the consumer, the
 * marks — for tracing and timing: Sluice's Spring Boot support makes each job a Micrometer {@code sluice.job}
 * observation through it. Set with {@link SluiceRuntime#jobObserver(JobObserver)} before the runtime starts.
 *
 * <p>{@link #jobStarted} and the returned {@link Scope#jobEnded} are called on the worker thread that runs the job,
 * before and after all of its work, so whatever {@code jobStarted} makes current on the thread (an observation's
 * scope) is current for the filters and the consumer. Dead-letter publications and stored-offset reads are not jobs
 * in this sense and are not observed. Both must be quick; an exception they throw is logged and otherwise ignored,
 * and the job runs regardless.
 */
public interface JobObserver {

    /** Observes nothing: the default. */
    JobObserver NONE = job -> Scope.NONE;

    /**
     * A job starts on this thread.
     *
     * @return what is told when it ends, on the same thread
     */
    Scope jobStarted(Job job);

    /**
     * Runs {@code work} as the handling of {@code message} alone: called by {@code ConsumerContext.observe} on the
     * consumer's thread, inside the job. The default only runs {@code work}; what {@code work} throws must be thrown
     * on unchanged.
     */
    default <T> T observe(Message<?, ?> message, Supplier<T> work) {
        return work.get();
    }

    /**
     * One job.
     *
     * @param instance       the consumer instance that dispatched it
     * @param consumerGroup  the consumer group
     * @param topicPartition the partition
     * @param generation     the partition's assignment generation
     * @param fetchOffset    the offset the batch starts at
     * @param headers        the headers of every fetched message of the batch, in offset order (its size is the
     *                       batch's); read them only while the job runs
     */
    record Job(String instance, String consumerGroup, TopicPartition topicPartition, long generation,
               long fetchOffset, List<Headers> headers) {

        /** Rejects nulls; freezes the list. */
        public Job {
            Objects.requireNonNull(instance, "instance");
            Objects.requireNonNull(consumerGroup, "consumerGroup");
            Objects.requireNonNull(topicPartition, "topicPartition");
            headers = List.copyOf(headers);
        }

        /** How many messages were fetched for the job. */
        public int size() {
            return headers.size();
        }
    }

    /** Told how one job ended. */
    @FunctionalInterface
    interface Scope {

        /** Told nothing. */
        Scope NONE = outcome -> { };

        /** The job ended with {@code outcome}; called once, on the job's thread. */
        void jobEnded(Outcome outcome);
    }

    /**
     * How a job ended.
     *
     * @param consumed how many messages the consumer handled: on success every message handed to it (none when the
     *                 filters removed them all), on failure those before the failing message that count as consumed
     * @param failure  what failed the job, if it failed: the consumer's exception, a filter's, a message that could
     *                 not be deserialized, or the offset store's; the runtime retries or dead-letters from there
     */
    record Outcome(int consumed, Optional<Throwable> failure) {

        /** Rejects nulls. */
        public Outcome {
            Objects.requireNonNull(failure, "failure");
        }

        /** Whether the job succeeded. */
        public boolean succeeded() {
            return failure.isEmpty();
        }
    }
}
