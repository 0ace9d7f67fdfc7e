package io.sluice.testing;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * The broker side of the in-memory test setup: topics, their per-partition logs, and the offsets each consumer
 * group has committed. Any number of {@link InMemoryConsumer}s may share one log, so a second member of a group
 * sees what the first committed.
 *
 * <p>Each partition is an append-only log with explicit offsets, as Kafka keeps it:
 * <ul>
 *   <li>the <b>log end offset</b> is the offset the next appended record gets; it only grows;</li>
 *   <li>the <b>log start offset</b> is the first offset still retained; it only grows
 *       ({@link #truncateBefore}), and records below it are gone;</li>
 *   <li>offsets between the two need not all hold a record: {@link #skip} leaves a gap as transaction markers do,
 *       {@link #appendAt} jumps ahead, and {@link #compact} removes single records as log compaction does.</li>
 * </ul>
 *
 * <p>Thread-safe: every method is atomic with respect to the others, so a test may produce from its own thread
 * while a consumer reads. Keys, values and headers are copied on the way in and out.
 */
public final class InMemoryLog {

    private final Clock clock;
    private final Map<String, PartitionLog[]> topics = new TreeMap<>();
    private final Map<String, Map<TopicPartition, OffsetAndMetadata>> groupOffsets = new HashMap<>();

    /** A log that stamps records with the system clock. */
    public InMemoryLog() {
        this(Clock.systemUTC());
    }

    /**
     * A log that stamps records appended without an explicit timestamp with {@code clock}, typically the test's
     * manual clock.
     */
    public InMemoryLog(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Creates a topic with empty partitions {@code 0 .. partitions-1}.
     *
     * @throws IllegalStateException    if the topic exists already
     * @throws IllegalArgumentException if the name is blank or {@code partitions < 1}
     */
    public synchronized void createTopic(String name, int partitions) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("topic name must not be blank");
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1, was " + partitions);
        }
        if (topics.containsKey(name)) {
            throw new IllegalStateException("topic " + name + " already exists");
        }
        PartitionLog[] logs = new PartitionLog[partitions];
        for (int i = 0; i < partitions; i++) {
            logs[i] = new PartitionLog();
        }
        topics.put(name, logs);
    }

    /** The names of all topics, sorted; never {@code null}. */
    public synchronized Set<String> topics() {
        return Collections.unmodifiableSet(new TreeSet<>(topics.keySet()));
    }

    /** The number of partitions of {@code topic}, or empty if the topic does not exist. */
    public synchronized Optional<Integer> partitionCount(String topic) {
        PartitionLog[] logs = topics.get(topic);
        return logs == null ? Optional.empty() : Optional.of(logs.length);
    }

    /** Whether {@code partition} exists, that is its topic exists and has that many partitions. */
    public synchronized boolean exists(TopicPartition partition) {
        PartitionLog[] logs = topics.get(partition.topic());
        return logs != null && partition.partition() >= 0 && partition.partition() < logs.length;
    }

    /**
     * Appends a record without headers, stamped with the log's clock.
     *
     * @return the offset the record was given
     * @throws IllegalArgumentException if the partition does not exist
     */
    public long append(TopicPartition partition, byte[] key, byte[] value) {
        return append(partition, key, value, clock.millis(), List.of());
    }

    /**
     * Appends a record at the log end.
     *
     * @return the offset the record was given
     * @throws IllegalArgumentException if the partition does not exist
     */
    public synchronized long append(TopicPartition partition, byte[] key, byte[] value, long timestamp,
                                    Iterable<Header> headers) {
        PartitionLog log = log(partition);
        long offset = log.end;
        log.put(new LogRecord(partition, offset, timestamp, copy(key), copy(value), copyHeaders(headers)));
        return offset;
    }

    /**
     * Appends a record at {@code offset}, at or beyond the log end; the offsets jumped over stay empty, as they
     * would after compaction.
     *
     * @throws IllegalArgumentException if the partition does not exist or {@code offset} is below the log end
     */
    public synchronized void appendAt(TopicPartition partition, long offset, byte[] key, byte[] value,
                                      long timestamp, Iterable<Header> headers) {
        PartitionLog log = log(partition);
        if (offset < log.end) {
            throw new IllegalArgumentException("cannot append " + partition + " at " + offset
                    + ": below the log end offset " + log.end);
        }
        log.put(new LogRecord(partition, offset, timestamp, copy(key), copy(value), copyHeaders(headers)));
    }

    /**
     * Advances the log end by {@code count} offsets that hold no record, as transaction markers and aborted
     * records leave them for a read-committed consumer.
     *
     * @return the new log end offset
     * @throws IllegalArgumentException if the partition does not exist or {@code count < 0}
     */
    public synchronized long skip(TopicPartition partition, long count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, was " + count);
        }
        PartitionLog log = log(partition);
        log.end += count;
        return log.end;
    }

    /**
     * Removes the record at {@code offset}, as log compaction removes a record superseded by a later one with the
     * same key; the offset stays a gap. Removing an offset that holds no record does nothing.
     *
     * @throws IllegalArgumentException if the partition does not exist
     */
    public synchronized void compact(TopicPartition partition, long offset) {
        log(partition).records.remove(offset);
    }

    /**
     * Moves the log start to {@code offset}, dropping every record below it, as retention or
     * {@code deleteRecords} does. A lower offset than the current log start does nothing.
     *
     * @throws IllegalArgumentException if the partition does not exist or {@code offset} is beyond the log end
     */
    public synchronized void truncateBefore(TopicPartition partition, long offset) {
        PartitionLog log = log(partition);
        if (offset > log.end) {
            throw new IllegalArgumentException("cannot move the log start of " + partition + " to " + offset
                    + ": beyond the log end offset " + log.end);
        }
        if (offset > log.start) {
            log.start = offset;
            log.records.headMap(offset, false).clear();
        }
    }

    /**
     * The first offset still retained in {@code partition}.
     *
     * @throws IllegalArgumentException if the partition does not exist
     */
    public synchronized long logStartOffset(TopicPartition partition) {
        return log(partition).start;
    }

    /**
     * The offset the next record appended to {@code partition} gets.
     *
     * @throws IllegalArgumentException if the partition does not exist
     */
    public synchronized long logEndOffset(TopicPartition partition) {
        return log(partition).end;
    }

    /**
     * The records retained in {@code partition}, in offset order; a snapshot, never {@code null}.
     *
     * @throws IllegalArgumentException if the partition does not exist
     */
    public synchronized List<LogRecord> records(TopicPartition partition) {
        List<LogRecord> out = new ArrayList<>();
        for (LogRecord record : log(partition).records.values()) {
            out.add(copyOf(record));
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * The earliest retained record whose timestamp is at or after {@code timestamp}, as
     * {@code offsetsForTimes} finds it; empty if there is none.
     */
    public synchronized Optional<LogRecord> firstAtOrAfter(TopicPartition partition, long timestamp) {
        for (LogRecord record : log(partition).records.values()) {
            if (record.timestamp() >= timestamp) {
                return Optional.of(copyOf(record));
            }
        }
        return Optional.empty();
    }

    /**
     * The offset {@code group} last committed for {@code partition}; empty if it never committed one. Any
     * partition may be asked about, existing or not.
     */
    public synchronized Optional<OffsetAndMetadata> committed(String group, TopicPartition partition) {
        return Optional.ofNullable(groupOffsets.getOrDefault(group, Map.of()).get(partition));
    }

    /** Every offset {@code group} has committed; a snapshot, never {@code null}. */
    public synchronized Map<TopicPartition, OffsetAndMetadata> committed(String group) {
        return Map.copyOf(groupOffsets.getOrDefault(group, Map.of()));
    }

    /**
     * Stores {@code offsets} as {@code group}'s committed offsets, atomically, as the group coordinator does. Like
     * Kafka it accepts any offset, even one outside the log; tests use this directly to stage what a previous
     * member or an operator committed.
     */
    public synchronized void commit(String group, Map<TopicPartition, OffsetAndMetadata> offsets) {
        Objects.requireNonNull(group, "group");
        Map<TopicPartition, OffsetAndMetadata> copy = new LinkedHashMap<>(offsets);
        copy.forEach((partition, offset) -> {
            Objects.requireNonNull(partition, "partition");
            Objects.requireNonNull(offset, () -> "offset for " + partition);
        });
        groupOffsets.computeIfAbsent(group, g -> new HashMap<>()).putAll(copy);
    }

    /**
     * Reads up to {@code maxRecords} records of {@code partition} from {@code from} on, as one fetch.
     *
     * <p>The slice's next offset is one past the last record read or, when the read reached the last record of
     * the log (or there was none), the log end, so gaps at the tail are stepped over. A read from outside
     * {@code [log start, log end]} reads nothing and says so.
     */
    synchronized Slice read(TopicPartition partition, long from, int maxRecords) {
        PartitionLog log = log(partition);
        if (from < log.start || from > log.end) {
            return new Slice(List.of(), from, true);
        }
        List<LogRecord> out = new ArrayList<>();
        long next = log.end;
        for (LogRecord record : log.records.tailMap(from, true).values()) {
            if (out.size() == maxRecords) {
                next = out.get(out.size() - 1).offset() + 1;
                break;
            }
            out.add(copyOf(record));
        }
        return new Slice(out, next, false);
    }

    /** What one read returned: the records, the position after them, and whether {@code from} was out of range. */
    record Slice(List<LogRecord> records, long nextOffset, boolean outOfRange) {
    }

    private PartitionLog log(TopicPartition partition) {
        Objects.requireNonNull(partition, "partition");
        PartitionLog[] logs = topics.get(partition.topic());
        if (logs == null || partition.partition() < 0 || partition.partition() >= logs.length) {
            throw new IllegalArgumentException("unknown partition " + partition);
        }
        return logs[partition.partition()];
    }

    private static LogRecord copyOf(LogRecord record) {
        return new LogRecord(record.partition(), record.offset(), record.timestamp(), copy(record.key()),
                copy(record.value()), copyHeaders(record.headers()));
    }

    private static byte[] copy(byte[] bytes) {
        return bytes == null ? null : bytes.clone();
    }

    private static List<Header> copyHeaders(Iterable<Header> headers) {
        Objects.requireNonNull(headers, "headers");
        List<Header> out = new ArrayList<>();
        for (Header header : headers) {
            out.add(new RecordHeader(header.key(), copy(header.value())));
        }
        return out;
    }

    /** One partition's log; guarded by the enclosing {@link InMemoryLog}'s monitor. */
    private static final class PartitionLog {
        private final NavigableMap<Long, LogRecord> records = new TreeMap<>();
        private long start;
        private long end;

        private void put(LogRecord record) {
            records.put(record.offset(), record);
            end = record.offset() + 1;
        }
    }
}
