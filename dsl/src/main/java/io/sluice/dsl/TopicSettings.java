package io.sluice.dsl;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The per-topic settings the runtime obeys. Immutable; built through {@link SettingsStep} on the topology
 * builder, where {@code defaults(...)} sets the starting point for every topic.
 *
 * @param marking            who marks consumed offsets
 * @param backoff            the wait between retries of a failing partition
 * @param deadLetterQueue    where messages that fail too often go; empty: retry forever
 * @param nonRetryable       exceptions that send a message straight to the dead-letter queue
 * @param onOffsetOutOfRange what an offset manager does with an offset outside the log
 * @param infrastructureRetryLimit how many times in a row an {@link InfrastructureFailure} the user's work throws
 *                           is retried before it counts as a message failure; empty (the default): forever.
 *                           Failures the runtime classifies itself (the offset store, transient SQL errors)
 *                           always retry forever.
 * @param initialOffset      where a partition without a valid offset starts; empty (the default): the consumer's
 *                           {@code auto.offset.reset}
 * @param virtualPartitions  how each partition is split into virtual partitions; empty (the default): not split
 * @param kafkaTransactions  whether the consumer's output and the batch's offsets go out in one Kafka transaction
 *                           (see {@link SettingsStep#kafkaTransactions()}); default false
 */
public record TopicSettings(MarkingMode marking, Backoff backoff, Optional<DeadLetterQueue> deadLetterQueue,
                            List<Class<? extends Throwable>> nonRetryable,
                            OffsetOutOfRangePolicy onOffsetOutOfRange, OptionalInt infrastructureRetryLimit,
                            Optional<InitialOffset> initialOffset,
                            Optional<VirtualPartitions> virtualPartitions, boolean kafkaTransactions) {

    /** Automatic marking, the default backoff, no dead-letter queue, policy FAIL, the consumer's reset. */
    public static final TopicSettings DEFAULTS = new TopicSettings(MarkingMode.AUTOMATIC, Backoff.DEFAULT,
            Optional.empty(), List.of(), OffsetOutOfRangePolicy.FAIL, OptionalInt.empty(), Optional.empty(), Optional.empty(),
            false);

    /** Rejects nulls and freezes the list. */
    public TopicSettings {
        Objects.requireNonNull(marking, "marking");
        Objects.requireNonNull(backoff, "backoff");
        Objects.requireNonNull(deadLetterQueue, "deadLetterQueue");
        nonRetryable = List.copyOf(nonRetryable);
        Objects.requireNonNull(onOffsetOutOfRange, "onOffsetOutOfRange");
        Objects.requireNonNull(infrastructureRetryLimit, "infrastructureRetryLimit");
        Objects.requireNonNull(initialOffset, "initialOffset");
        Objects.requireNonNull(virtualPartitions, "virtualPartitions");
        if (infrastructureRetryLimit.isPresent() && infrastructureRetryLimit.getAsInt() < 0) {
            throw new IllegalArgumentException("infrastructureRetryLimit must be >= 0, was "
                    + infrastructureRetryLimit.getAsInt());
        }
    }

    /** The settings of earlier versions, without Kafka transactions. */
    public TopicSettings(MarkingMode marking, Backoff backoff, Optional<DeadLetterQueue> deadLetterQueue,
                         List<Class<? extends Throwable>> nonRetryable, OffsetOutOfRangePolicy onOffsetOutOfRange,
                         OptionalInt infrastructureRetryLimit, Optional<InitialOffset> initialOffset,
                         Optional<VirtualPartitions> virtualPartitions) {
        this(marking, backoff, deadLetterQueue, nonRetryable, onOffsetOutOfRange, infrastructureRetryLimit,
                initialOffset, virtualPartitions, false);
    }

    /** The settings of earlier versions, without virtual partitions. */
    public TopicSettings(MarkingMode marking, Backoff backoff, Optional<DeadLetterQueue> deadLetterQueue,
                         List<Class<? extends Throwable>> nonRetryable, OffsetOutOfRangePolicy onOffsetOutOfRange,
                         OptionalInt infrastructureRetryLimit, Optional<InitialOffset> initialOffset) {
        this(marking, backoff, deadLetterQueue, nonRetryable, onOffsetOutOfRange, infrastructureRetryLimit,
                initialOffset, Optional.empty(), false);
    }

    /** The settings of earlier versions, with the consumer's reset. */
    public TopicSettings(MarkingMode marking, Backoff backoff, Optional<DeadLetterQueue> deadLetterQueue,
                         List<Class<? extends Throwable>> nonRetryable, OffsetOutOfRangePolicy onOffsetOutOfRange,
                         OptionalInt infrastructureRetryLimit) {
        this(marking, backoff, deadLetterQueue, nonRetryable, onOffsetOutOfRange, infrastructureRetryLimit,
                Optional.empty());
    }

    /** The settings of earlier versions, with no infrastructure retry limit. */
    public TopicSettings(MarkingMode marking, Backoff backoff, Optional<DeadLetterQueue> deadLetterQueue,
                         List<Class<? extends Throwable>> nonRetryable, OffsetOutOfRangePolicy onOffsetOutOfRange) {
        this(marking, backoff, deadLetterQueue, nonRetryable, onOffsetOutOfRange, OptionalInt.empty());
    }

    /** Whether {@code error} (or one of its causes) is of a non-retryable type. */
    public boolean isNonRetryable(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            for (Class<? extends Throwable> type : nonRetryable) {
                if (type.isInstance(t)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A copy with another marking mode. */
    public TopicSettings withMarking(MarkingMode value) {
        return new TopicSettings(value, backoff, deadLetterQueue, nonRetryable, onOffsetOutOfRange, infrastructureRetryLimit,
                initialOffset, virtualPartitions, kafkaTransactions);
    }

    /** A copy with another backoff. */
    public TopicSettings withBackoff(Backoff value) {
        return new TopicSettings(marking, value, deadLetterQueue, nonRetryable, onOffsetOutOfRange, infrastructureRetryLimit,
                initialOffset, virtualPartitions, kafkaTransactions);
    }

    /** A copy with another dead-letter queue. */
    public TopicSettings withDeadLetterQueue(Optional<DeadLetterQueue> value) {
        return new TopicSettings(marking, backoff, value, nonRetryable, onOffsetOutOfRange, infrastructureRetryLimit,
                initialOffset, virtualPartitions, kafkaTransactions);
    }

    /** A copy with another list of non-retryable exceptions. */
    public TopicSettings withNonRetryable(List<Class<? extends Throwable>> value) {
        return new TopicSettings(marking, backoff, deadLetterQueue, value, onOffsetOutOfRange, infrastructureRetryLimit,
                initialOffset, virtualPartitions, kafkaTransactions);
    }

    /** A copy with another infrastructure retry limit. */
    public TopicSettings withInfrastructureRetryLimit(OptionalInt value) {
        return new TopicSettings(marking, backoff, deadLetterQueue, nonRetryable, onOffsetOutOfRange, value,
                initialOffset, virtualPartitions, kafkaTransactions);
    }

    /** A copy with another initial offset. */
    public TopicSettings withInitialOffset(Optional<InitialOffset> value) {
        return new TopicSettings(marking, backoff, deadLetterQueue, nonRetryable, onOffsetOutOfRange,
                infrastructureRetryLimit, value, virtualPartitions, kafkaTransactions);
    }

    /** A copy with another out-of-range policy. */
    public TopicSettings withOnOffsetOutOfRange(OffsetOutOfRangePolicy value) {
        return new TopicSettings(marking, backoff, deadLetterQueue, nonRetryable, value, infrastructureRetryLimit,
                initialOffset, virtualPartitions, kafkaTransactions);
    }

    /** A copy with other virtual partitions. */
    public TopicSettings withVirtualPartitions(Optional<VirtualPartitions> value) {
        return new TopicSettings(marking, backoff, deadLetterQueue, nonRetryable, onOffsetOutOfRange,
                infrastructureRetryLimit, initialOffset, value, kafkaTransactions);
    }

    /** A copy with Kafka transactions on or off. */
    public TopicSettings withKafkaTransactions(boolean value) {
        return new TopicSettings(marking, backoff, deadLetterQueue, nonRetryable, onOffsetOutOfRange,
                infrastructureRetryLimit, initialOffset, virtualPartitions, value);
    }
}
