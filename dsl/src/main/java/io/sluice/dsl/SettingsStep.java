package io.sluice.dsl;

import java.time.Duration;
import java.util.List;

/**
 * The settings a topology can give every topic ({@link TopologyBuilder#defaults}) or one topic (its
 * {@link TopicBuilder}); a topic's own settings win over the defaults, whatever the order they are declared in.
 *
 * @param <S> the step returned, so chains keep their place in the grammar
 */
public interface SettingsStep<S extends SettingsStep<S>> {

    /** Retry a failing partition after {@code initial}, doubling up to {@code max}. Default 1 s to 30 s. */
    S backoff(Duration initial, Duration max);

    /** Retry a failing partition with this backoff. */
    S backoff(Backoff backoff);

    /** The consumer marks offsets itself (see {@link MarkingMode#MANUAL}). */
    S manualMarking();

    /**
     * Dead-letter a failing message to {@code topic} once its first attempt and {@code maxRetries} retries have
     * failed (0: at the first failure), after every message before it is done.
     */
    S deadLetterQueue(String topic, int maxRetries);

    /**
     * Where a failing message goes once its retries are spent, with every option: a topic
     * ({@link DeadLetterQueue#to}) or nowhere ({@link DeadLetterQueue#discard}), with or without error details,
     * marked after dispatch or not.
     */
    S deadLetterQueue(DeadLetterQueue queue);

    /**
     * Exceptions (and their subclasses, or as a cause) that send a message straight to the dead-letter queue;
     * {@code build()} requires a dead-letter queue with them.
     */
    S nonRetryable(List<Class<? extends Throwable>> types);

    /** What an offset manager does with a stored offset outside the log; default {@link OffsetOutOfRangePolicy#FAIL}. */
    S onOffsetOutOfRange(OffsetOutOfRangePolicy policy);

    /**
     * Where a partition of the topic starts when it has no valid offset (nothing committed, or out of range): a
     * per-topic {@code auto.offset.reset}, applied by Sluice itself. By default the consumer's
     * {@code auto.offset.reset} applies. On an offset-managed topic only when nothing is stored either.
     */
    S initialOffset(InitialOffset where);

    /**
     * After {@code limit} retries in a row of an {@link InfrastructureFailure} thrown by the user's work, count it as
     * a message failure (so it can be dead-lettered); by default such failures retry forever.
     */
    S infrastructureRetryLimit(int limit);

    /**
     * Consume → produce exactly once: the consumer sends its output with {@link ConsumerContext#transaction}, in
     * one Kafka transaction with the batch's offsets, and Sluice makes no offset commit outside a transaction on the
     * topic (its own marks go into offsets-only transactions; dead letters are sent inside one). Needs the runtime's
     * transactional producers configured; {@code build()} rejects it together with an offset manager.
     */
    S kafkaTransactions();
}
