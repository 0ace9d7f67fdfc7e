package io.sluice.testing;

import java.util.Map;
import java.util.Objects;

import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * The settings of an {@link InMemoryConsumer} that change what it returns: its group, its
 * {@code auto.offset.reset} and its {@code max.poll.records}. Defaults are {@code KafkaConsumer}'s:
 * {@link AutoOffsetReset#LATEST} and 500 records.
 *
 * @param groupId         the consumer group whose committed offsets the consumer reads and writes; never blank
 * @param autoOffsetReset what to do when a partition has no valid position; never {@code null}
 * @param maxPollRecords  the most records one {@code poll} returns, at least 1
 */
public record InMemoryConsumerConfig(String groupId, AutoOffsetReset autoOffsetReset, int maxPollRecords) {

    /** The {@code max.poll.records} default of {@code KafkaConsumer}. */
    public static final int DEFAULT_MAX_POLL_RECORDS = 500;

    /** Validates every field. */
    public InMemoryConsumerConfig {
        Objects.requireNonNull(groupId, "groupId");
        if (groupId.isBlank()) {
            throw new IllegalArgumentException("groupId must not be blank");
        }
        Objects.requireNonNull(autoOffsetReset, "autoOffsetReset");
        if (maxPollRecords < 1) {
            throw new IllegalArgumentException("maxPollRecords must be >= 1, was " + maxPollRecords);
        }
    }

    /** A config for {@code groupId} with {@code KafkaConsumer}'s defaults. */
    public static InMemoryConsumerConfig forGroup(String groupId) {
        return new InMemoryConsumerConfig(groupId, AutoOffsetReset.LATEST, DEFAULT_MAX_POLL_RECORDS);
    }

    /**
     * Reads {@code group.id} (required), {@code auto.offset.reset} and {@code max.poll.records} from Kafka consumer
     * properties, so a test driver can hand over the properties the runtime built; every other key is ignored.
     *
     * @throws IllegalArgumentException if {@code group.id} is missing or a value cannot be read
     */
    public static InMemoryConsumerConfig fromProperties(Map<String, ?> properties) {
        Object group = properties.get(ConsumerConfig.GROUP_ID_CONFIG);
        if (group == null) {
            throw new IllegalArgumentException(ConsumerConfig.GROUP_ID_CONFIG + " is required");
        }
        InMemoryConsumerConfig config = forGroup(group.toString());
        Object reset = properties.get(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG);
        if (reset != null) {
            config = config.withAutoOffsetReset(AutoOffsetReset.parse(reset.toString()));
        }
        Object max = properties.get(ConsumerConfig.MAX_POLL_RECORDS_CONFIG);
        if (max != null) {
            try {
                config = config.withMaxPollRecords(max instanceof Number n ? n.intValue()
                        : Integer.parseInt(max.toString().trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("unreadable " + ConsumerConfig.MAX_POLL_RECORDS_CONFIG + ": " + max, e);
            }
        }
        return config;
    }

    /** This config with another {@code auto.offset.reset}. */
    public InMemoryConsumerConfig withAutoOffsetReset(AutoOffsetReset reset) {
        return new InMemoryConsumerConfig(groupId, reset, maxPollRecords);
    }

    /** This config with another {@code max.poll.records}. */
    public InMemoryConsumerConfig withMaxPollRecords(int max) {
        return new InMemoryConsumerConfig(groupId, autoOffsetReset, max);
    }
}
