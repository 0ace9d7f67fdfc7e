package io.sluice.dsl;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;

/**
 * The messages of one partition fetched by one poll, as the filter chain and then the consumer see them.
 *
 * <p>Guarantees: messages are in strictly increasing offset order and all belong to {@link #topicPartition()};
 * filters may only remove messages, never add or reorder them. Besides the messages, a batch knows the offset
 * it was {@linkplain #fetchOffset() fetched from} and the fetch's {@linkplain #nextOffset() next offset}; both
 * stay as they were when messages are removed, because compaction gaps and transaction markers mean neither can
 * be derived from the messages. A batch belongs to one job on one thread and is not thread-safe.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class Batch<K, V> implements Iterable<Message<K, V>> {

    private final TopicPartition topicPartition;
    private final long fetchOffset;
    private final long nextOffset;
    private final List<Message<K, V>> messages;
    private int removed;

    private Batch(TopicPartition topicPartition, long fetchOffset, long nextOffset, List<Message<K, V>> messages) {
        this.topicPartition = Objects.requireNonNull(topicPartition, "topicPartition");
        if (fetchOffset < 0) {
            throw new IllegalArgumentException("fetchOffset must be >= 0, was " + fetchOffset);
        }
        if (nextOffset < fetchOffset) {
            throw new IllegalArgumentException(
                    "nextOffset " + nextOffset + " is below fetchOffset " + fetchOffset + " for " + topicPartition);
        }
        this.fetchOffset = fetchOffset;
        this.nextOffset = nextOffset;
        this.messages = new ArrayList<>(messages);
        long previous = fetchOffset - 1;
        for (Message<K, V> m : this.messages) {
            if (!m.topic().equals(topicPartition.topic()) || m.partition() != topicPartition.partition()) {
                throw new IllegalArgumentException("message at " + m.topicPartition() + "@" + m.offset()
                        + " does not belong to " + topicPartition);
            }
            if (m.offset() <= previous || m.offset() >= nextOffset) {
                throw new IllegalArgumentException("offset " + m.offset() + " of " + topicPartition
                        + " is out of order or outside [" + fetchOffset + ", " + nextOffset + ")");
            }
            previous = m.offset();
        }
    }

    /**
     * A batch of {@code messages}, fetched from {@code fetchOffset}, after which the partition's position is
     * {@code nextOffset}.
     *
     * @throws IllegalArgumentException when a message lies outside {@code [fetchOffset, nextOffset)}, belongs to
     *                                  another partition, or the offsets are not strictly increasing
     */
    public static <K, V> Batch<K, V> of(TopicPartition topicPartition, long fetchOffset, long nextOffset,
                                        List<Message<K, V>> messages) {
        return new Batch<>(topicPartition, fetchOffset, nextOffset, messages);
    }

    /**
     * A batch of consecutive messages: fetched from the first one's offset, next offset one past the last.
     *
     * @throws IllegalArgumentException when {@code messages} is empty (an empty batch needs its offsets given)
     */
    public static <K, V> Batch<K, V> of(List<Message<K, V>> messages) {
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("an empty batch needs its topic partition and offsets");
        }
        Message<K, V> first = messages.get(0);
        Message<K, V> last = messages.get(messages.size() - 1);
        return new Batch<>(first.topicPartition(), first.offset(), last.offset() + 1, messages);
    }

    /** The partition all messages belong to. */
    public TopicPartition topicPartition() {
        return topicPartition;
    }

    /** The partition's position when this batch was fetched; the first message may lie above it (gaps). */
    public long fetchOffset() {
        return fetchOffset;
    }

    /** The partition's position after this fetch: one past the last record or marker the fetch stepped over. */
    public long nextOffset() {
        return nextOffset;
    }

    /** How many messages are left. */
    public int size() {
        return messages.size();
    }

    /** Whether no message is left. */
    public boolean isEmpty() {
        return messages.isEmpty();
    }

    /** The offset of the first message left, if any. */
    public OptionalLong firstOffset() {
        return messages.isEmpty() ? OptionalLong.empty() : OptionalLong.of(messages.get(0).offset());
    }

    /** The offset of the last message left, if any. */
    public OptionalLong lastOffset() {
        return messages.isEmpty()
                ? OptionalLong.empty()
                : OptionalLong.of(messages.get(messages.size() - 1).offset());
    }

    /** The messages left, in offset order, as an unmodifiable view. */
    public List<Message<K, V>> messages() {
        return Collections.unmodifiableList(messages);
    }

    /** The message at {@code index} among those left. */
    public Message<K, V> get(int index) {
        return messages.get(index);
    }

    /** The messages left, in offset order. */
    public Stream<Message<K, V>> stream() {
        return messages().stream();
    }

    /** Iterates the messages left in offset order; the iterator cannot remove (use {@link #removeIf}). */
    @Override
    public Iterator<Message<K, V>> iterator() {
        return messages().iterator();
    }

    /** Removes {@code message}; returns whether it was there. */
    public boolean remove(Message<?, ?> message) {
        boolean changed = messages.remove(message);
        if (changed) {
            removed++;
        }
        return changed;
    }

    /** Removes every message matching {@code predicate}; returns how many were removed. */
    public int removeIf(Predicate<? super Message<K, V>> predicate) {
        int before = messages.size();
        messages.removeIf(predicate);
        int count = before - messages.size();
        removed += count;
        return count;
    }

    /** Removes every message at or above {@code offset}; returns how many were removed. */
    public int removeFrom(long offset) {
        return removeIf(m -> m.offset() >= offset);
    }

    /** Removes every message; returns how many were removed. */
    public int clear() {
        int count = messages.size();
        messages.clear();
        removed += count;
        return count;
    }

    /** How many messages have been removed since the batch was made; lets the runtime check verdicts. */
    public int removedCount() {
        return removed;
    }

    @Override
    public String toString() {
        return "Batch[" + topicPartition + " fetched@" + fetchOffset + " next@" + nextOffset + " size=" + size() + "]";
    }
}
