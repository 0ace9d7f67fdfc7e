package io.sluice.dsl;

import java.util.Objects;

/**
 * Thrown by a {@link Consumer} to say which message of its batch failed. Messages before it count as consumed;
 * only this one counts toward the topic's retry limit and can be dead-lettered.
 */
public class MessageFailedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final long offset;

    /**
     * @param message the message that failed, never {@code null}
     * @param cause   why it failed, never {@code null}
     */
    public MessageFailedException(Message<?, ?> message, Throwable cause) {
        super("message " + message.topicPartition() + "@" + message.offset() + " failed: " + cause, cause);
        this.offset = Objects.requireNonNull(message, "message").offset();
    }

    /** The offset of the failed message. */
    public long offset() {
        return offset;
    }
}
