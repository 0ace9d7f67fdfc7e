package io.sluice.runtime;

/**
 * The headers a dead letter carries besides the original message's own headers, key and value: a published
 * format, so tools that read a dead-letter topic can rely on it. Values are UTF-8 text.
 *
 * <p>Dead letters are at-least-once across a crash: the runtime publishes a dead letter, waits for the broker's
 * confirmation, and only then advances the offset store and marks the message. A crash between the two makes the
 * next owner publish it again; the triple {@link #TOPIC}, {@link #PARTITION}, {@link #OFFSET} identifies the
 * original message, so a reader can drop the copy.
 */
public final class DeadLetterHeaders {

    /** The original message's topic. */
    public static final String TOPIC = "sluice.dlq.original.topic";

    /** The original message's partition, as a decimal number. */
    public static final String PARTITION = "sluice.dlq.original.partition";

    /** The original message's offset, as a decimal number. */
    public static final String OFFSET = "sluice.dlq.original.offset";

    /** The original message's timestamp in epoch milliseconds, as a decimal number. */
    public static final String TIMESTAMP = "sluice.dlq.original.timestamp";

    /** The original message's timestamp type ({@code CreateTime} or {@code LogAppendTime}). */
    public static final String TIMESTAMP_TYPE = "sluice.dlq.original.timestamp.type";

    /** The consumer group ({@code group.id}) that gave up on the message. */
    public static final String CONSUMER_GROUP = "sluice.dlq.consumer.group";

    /** The class of the last failure. */
    public static final String EXCEPTION_CLASS = "sluice.dlq.exception.class";

    /**
     * The message of the last failure, at most {@link #MAX_MESSAGE_BYTES} bytes of UTF-8 (a longer one is cut at a
     * character boundary and ends with an ellipsis). Absent when the topic's queue is declared
     * {@code withoutErrorDetails()}.
     */
    public static final String EXCEPTION_MESSAGE = "sluice.dlq.exception.message";

    /**
     * The stack trace of the last failure (with its causes), at most {@link #MAX_STACK_TRACE_BYTES} bytes of UTF-8,
     * cut like the message. Absent when the topic's queue is declared {@code withoutErrorDetails()}.
     */
    public static final String EXCEPTION_STACK_TRACE = "sluice.dlq.exception.stacktrace";

    /** The most bytes the exception message header carries: 1 KiB. */
    public static final int MAX_MESSAGE_BYTES = 1024;

    /** The most bytes the stack trace header carries: 8 KiB. */
    public static final int MAX_STACK_TRACE_BYTES = 8 * 1024;

    /** How many attempts had failed, as a decimal number. */
    public static final String ATTEMPTS = "sluice.dlq.attempts";

    private DeadLetterHeaders() {
    }
}
