package io.sluice.dsl;

import java.util.Objects;
import java.util.Optional;

/**
 * What happens to a message once it has failed too often: it is published to a dead-letter topic
 * ({@link #to(String, int)}) or dropped without publishing ({@link #discard(int)}); either way the partition moves
 * past it. Immutable.
 *
 * @param destination       the dead-letter topic, a legal Kafka topic name; empty when the message is discarded
 * @param maxRetries        retries after the first failed attempt before the message goes, at least 0 (0: at the
 *                          first failure)
 * @param errorDetails      whether the dead letter carries the exception's message and stack trace (the class is
 *                          always carried); off for topics whose exceptions may carry secrets
 * @param markAfterDispatch whether the runtime marks the message consumed once it is dead-lettered or discarded;
 *                          empty: the default, on under automatic marking and on offset-managed topics, off under
 *                          manual marking (the position still moves past the message; your next mark covers it).
 *                          {@code build()} rejects it off on an offset-managed topic, whose stored offset always
 *                          moves past a dead letter
 */
public record DeadLetterQueue(Optional<String> destination, int maxRetries, boolean errorDetails,
                              Optional<Boolean> markAfterDispatch) {

    /** Validates the retry count. */
    public DeadLetterQueue {
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(markAfterDispatch, "markAfterDispatch");
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must be >= 0, was " + maxRetries);
        }
    }

    /** A dead-letter topic with error details and the default marking. */
    public DeadLetterQueue(String topic, int maxRetries) {
        this(Optional.of(Objects.requireNonNull(topic, "topic")), maxRetries, true, Optional.empty());
    }

    /** Publish to {@code topic} once the first attempt and {@code maxRetries} retries have failed. */
    public static DeadLetterQueue to(String topic, int maxRetries) {
        return new DeadLetterQueue(topic, maxRetries);
    }

    /**
     * Drop the message once the first attempt and {@code maxRetries} retries have failed: nothing is published,
     * the partition moves past it (marked as {@link #markAfterDispatch} says), and a {@code Discarded} event
     * reports it.
     */
    public static DeadLetterQueue discard(int maxRetries) {
        return new DeadLetterQueue(Optional.empty(), maxRetries, true, Optional.empty());
    }

    /** Whether failed messages are dropped instead of published. */
    public boolean discards() {
        return destination.isEmpty();
    }

    /**
     * The dead-letter topic.
     *
     * @throws IllegalStateException when this queue discards
     */
    public String topic() {
        return destination.orElseThrow(() -> new IllegalStateException("this dead-letter queue discards"));
    }

    /** A copy whose dead letters carry neither the exception's message nor its stack trace. */
    public DeadLetterQueue withoutErrorDetails() {
        return new DeadLetterQueue(destination, maxRetries, false, markAfterDispatch);
    }

    /** A copy that marks (or does not mark) a dispatched message, whatever the marking mode. */
    public DeadLetterQueue markAfterDispatch(boolean value) {
        return new DeadLetterQueue(destination, maxRetries, errorDetails, Optional.of(value));
    }

    /**
     * Whether a dispatched message is marked on a topic with {@code marking}, offset-managed or not: the explicit
     * choice, else the default.
     */
    public boolean marksAfterDispatch(MarkingMode marking, boolean offsetManaged) {
        return markAfterDispatch.orElse(offsetManaged || marking == MarkingMode.AUTOMATIC);
    }
}
