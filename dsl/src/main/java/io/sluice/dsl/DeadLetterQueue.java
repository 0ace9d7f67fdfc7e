package io.sluice.dsl;

import java.util.Objects;

/**
 * Where a message goes once it has failed too often.
 *
 * @param topic      the dead-letter topic, a legal Kafka topic name
 * @param maxRetries retries after the first failed attempt before the message is dead-lettered, at least 0 (0: at
 *                   the first failure)
 */
public record DeadLetterQueue(String topic, int maxRetries) {

    /** Validates the retry count. */
    public DeadLetterQueue {
        Objects.requireNonNull(topic, "topic");
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must be >= 0, was " + maxRetries);
        }
    }
}
