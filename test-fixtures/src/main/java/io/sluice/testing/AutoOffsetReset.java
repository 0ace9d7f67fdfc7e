package io.sluice.testing;

import java.util.Locale;
import java.util.Objects;

/**
 * What an {@link InMemoryConsumer} does when a partition has no valid position, mirroring the
 * {@code auto.offset.reset} setting of {@code KafkaConsumer}.
 */
public enum AutoOffsetReset {
    /** Start from the log start offset. */
    EARLIEST,
    /** Start from the log end offset: only records produced from now on are read. */
    LATEST,
    /**
     * Do not move: {@code poll} throws {@link org.apache.kafka.clients.consumer.NoOffsetForPartitionException}
     * when the group has no committed offset, and
     * {@link org.apache.kafka.clients.consumer.OffsetOutOfRangeException} when the position is outside the log.
     */
    NONE;

    /**
     * Parses a Kafka config value ({@code earliest}, {@code latest}, {@code none}), ignoring case.
     *
     * @throws IllegalArgumentException for any other value, including the by-duration form this fixture does not
     *                                  model
     */
    public static AutoOffsetReset parse(String value) {
        Objects.requireNonNull(value, "value");
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "earliest" -> EARLIEST;
            case "latest" -> LATEST;
            case "none" -> NONE;
            default -> throw new IllegalArgumentException("unsupported auto.offset.reset: " + value);
        };
    }
}
