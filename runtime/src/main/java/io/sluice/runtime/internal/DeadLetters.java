package io.sluice.runtime.internal;

import io.sluice.runtime.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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

    private DeadLetters() {
    }

    /** The dead letter for {@code original}, which failed {@code attempts} times, last with {@code error}. */
    public static ProducerRecord<byte[], byte[]> of(String deadLetterTopic, ConsumerRecord<byte[], byte[]> original,
                                                    Throwable error, int attempts) {
        List<Header> headers = new ArrayList<>();
        for (Header h : original.headers()) {
            headers.add(new RecordHeader(h.key(), h.value()));
        }
        Throwable cause = rootOf(error);
        headers.add(header(DeadLetterHeaders.TOPIC, original.topic()));
        headers.add(header(DeadLetterHeaders.PARTITION, Integer.toString(original.partition())));
        headers.add(header(DeadLetterHeaders.OFFSET, Long.toString(original.offset())));
        headers.add(header(DeadLetterHeaders.TIMESTAMP, Long.toString(original.timestamp())));
        headers.add(header(DeadLetterHeaders.EXCEPTION_CLASS, cause.getClass().getName()));
        headers.add(header(DeadLetterHeaders.EXCEPTION_MESSAGE, cause.getMessage() == null ? "" : cause.getMessage()));
        headers.add(header(DeadLetterHeaders.ATTEMPTS, Integer.toString(attempts)));
        // copies: a consumer may have changed the fetched arrays in place before it failed
        return new ProducerRecord<>(deadLetterTopic, null, copy(original.key()), copy(original.value()), headers);
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
