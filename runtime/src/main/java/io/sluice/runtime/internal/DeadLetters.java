package io.sluice.runtime.internal;

import io.sluice.runtime.DeadLetterHeaders;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Builds dead letters: the original key, value and headers, raw bytes as fetched, plus headers saying where the
 * message came from and why it failed ({@link DeadLetterHeaders}, a published format).
 */
public final class DeadLetters {

    private static final byte[] ELLIPSIS = "\u2026".getBytes(StandardCharsets.UTF_8);

    private DeadLetters() {
    }

    /**
     * The dead letter for {@code original}, which failed {@code attempts} times, last with {@code error}, in
     * consumer group {@code group}; with the exception's message and stack trace when {@code errorDetails}.
     */
    public static ProducerRecord<byte[], byte[]> of(String deadLetterTopic, ConsumerRecord<byte[], byte[]> original,
                                                    Throwable error, int attempts, String group,
                                                    boolean errorDetails) {
        List<Header> headers = new ArrayList<>();
        for (Header h : original.headers()) {
            headers.add(new RecordHeader(h.key(), h.value()));
        }
        Throwable cause = rootOf(error);
        headers.add(header(DeadLetterHeaders.TOPIC, original.topic()));
        headers.add(header(DeadLetterHeaders.PARTITION, Integer.toString(original.partition())));
        headers.add(header(DeadLetterHeaders.OFFSET, Long.toString(original.offset())));
        headers.add(header(DeadLetterHeaders.TIMESTAMP, Long.toString(original.timestamp())));
        headers.add(header(DeadLetterHeaders.TIMESTAMP_TYPE, original.timestampType().toString()));
        headers.add(header(DeadLetterHeaders.CONSUMER_GROUP, group));
        headers.add(header(DeadLetterHeaders.EXCEPTION_CLASS, cause.getClass().getName()));
        if (errorDetails) {
            headers.add(new RecordHeader(DeadLetterHeaders.EXCEPTION_MESSAGE, truncate(
                    cause.getMessage() == null ? "" : cause.getMessage(), DeadLetterHeaders.MAX_MESSAGE_BYTES)));
            headers.add(new RecordHeader(DeadLetterHeaders.EXCEPTION_STACK_TRACE,
                    truncate(stackTrace(cause), DeadLetterHeaders.MAX_STACK_TRACE_BYTES)));
        }
        headers.add(header(DeadLetterHeaders.ATTEMPTS, Integer.toString(attempts)));
        // copies: a consumer may have changed the fetched arrays in place before it failed
        return new ProducerRecord<>(deadLetterTopic, null, copy(original.key()), copy(original.value()), headers);
    }

    /**
     * {@code text} as UTF-8, at most {@code maxBytes} long: a longer text is cut at a character boundary and ends
     * with an ellipsis.
     */
    static byte[] truncate(String text, int maxBytes) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= maxBytes) {
            return bytes;
        }
        int end = maxBytes - ELLIPSIS.length;
        // never cut inside a character: step back over continuation bytes (10xxxxxx) to the character's start
        while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
            end--;
        }
        byte[] cut = Arrays.copyOf(bytes, end + ELLIPSIS.length);
        System.arraycopy(ELLIPSIS, 0, cut, end, ELLIPSIS.length);
        return cut;
    }

    private static String stackTrace(Throwable error) {
        StringWriter out = new StringWriter();
        error.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    /** The failure the user cares about: the cause inside our own wrapper, if any. */
    private static Throwable rootOf(Throwable error) {
        if (error instanceof io.sluice.dsl.MessageFailedException && error.getCause() != null) {
            return error.getCause();
        }
        return error;
    }

    private static byte[] copy(byte[] bytes) {
        return bytes == null ? null : bytes.clone();
    }

    private static Header header(String key, String value) {
        return new RecordHeader(key, value.getBytes(StandardCharsets.UTF_8));
    }
}
