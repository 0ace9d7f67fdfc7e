package io.sluice.testing;

import java.util.List;
import java.util.Objects;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;

/**
 * One record as an {@link InMemoryLog} stores it: where it sits, when it was produced and what it carries.
 *
 * <p>The log copies keys, values and headers on the way in and on the way out, so a {@code LogRecord} handed to a
 * test never shares arrays with the log. Because arrays compare by identity, two records with equal contents are
 * not {@code equals}; compare fields instead.
 *
 * @param partition the partition holding the record, never {@code null}
 * @param offset    the record's offset, never negative
 * @param timestamp the record's create time in epoch milliseconds
 * @param key       the key, {@code null} for none
 * @param value     the value, {@code null} for a tombstone
 * @param headers   the headers in production order, never {@code null}, unmodifiable
 */
public record LogRecord(TopicPartition partition, long offset, long timestamp, byte[] key, byte[] value,
                        List<Header> headers) {

    /** Rejects a missing partition or headers list and negative offsets; freezes the headers list. */
    public LogRecord {
        Objects.requireNonNull(partition, "partition");
        Objects.requireNonNull(headers, "headers");
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0, was " + offset);
        }
        headers = List.copyOf(headers);
    }
}
