package io.sluice.dsl;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;

/**
 * One deserialized Kafka record as filters and consumers see it. Shallowly immutable: the key and value are the
 * deserializers' objects (a {@code byte[]} is the fetched array itself), so do not change them in place.
 *
 * @param topic     the topic, never {@code null}
 * @param partition the partition number
 * @param offset    the record's offset in its partition
 * @param timestamp the record's timestamp in epoch milliseconds (create or log-append time, as the topic says)
 * @param key       the deserialized key; may be {@code null} (Kafka allows null keys)
 * @param value     the deserialized value; may be {@code null} (a tombstone)
 * @param headers   the headers in the order the producer sent them, never {@code null}
 * @param <K>       the key type
 * @param <V>       the value type
 */
public record Message<K, V>(String topic, int partition, long offset, long timestamp, K key, V value,
                            List<Header> headers) {

    /** Validates the coordinates and freezes the header list. */
    public Message {
        Objects.requireNonNull(topic, "topic");
        if (partition < 0) {
            throw new IllegalArgumentException("partition must be >= 0, was " + partition);
        }
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0, was " + offset);
        }
        headers = headers == null ? List.of() : List.copyOf(headers);
    }

    /** A message without headers; handy in tests. */
    public static <K, V> Message<K, V> of(String topic, int partition, long offset, long timestamp, K key, V value) {
        return new Message<>(topic, partition, offset, timestamp, key, value, List.of());
    }

    /** The topic partition this message belongs to. */
    public TopicPartition topicPartition() {
        return new TopicPartition(topic, partition);
    }

    /** The offset to commit once this message is done: {@code offset + 1}. */
    public long nextOffset() {
        return offset + 1;
    }

    /** The value of the last header with this key, as Kafka's {@code Headers.lastHeader} would give it. */
    public Optional<byte[]> lastHeader(String key) {
        for (int i = headers.size() - 1; i >= 0; i--) {
            Header h = headers.get(i);
            if (h.key().equals(key)) {
                return Optional.ofNullable(h.value());
            }
        }
        return Optional.empty();
    }
}
