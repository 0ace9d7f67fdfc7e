package io.sluice.dsl;

import java.util.Objects;

/**
 * Thrown by a {@link Consumer} to say which message of its batch failed. Messages before it count as consumed;
 * only this one counts toward the topic's retry limit and can be dead-lettered.
 */
public class MessageFailedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final long offset;
    private final String topic;
    private final int partition;

    /**
     * @param message the message that failed, never {@code null}
     * @param cause   why it failed, never {@code null}
     */
    public MessageFailedException(Message<?, ?> message, Throwable cause) {
        super(describe(message, cause), Objects.requireNonNull(cause, "cause"));
        this.offset = message.offset();
        this.topic = message.topic();
        this.partition = message.partition();
    }

    private static String describe(Message<?, ?> message, Throwable cause) {
        Objects.requireNonNull(message, "message");
        return "message " + message.topicPartition() + "@" + message.offset() + " failed: " + cause;
    }

    /** The partition of the failed message. */
    public org.apache.kafka.common.TopicPartition topicPartition() {
        return new org.apache.kafka.common.TopicPartition(topic, partition);
    }

    /** The offset of the failed message. */
    public long offset() {
        return offset;
    }
}
