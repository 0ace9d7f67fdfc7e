package io.sluice.filters;

import io.sluice.dsl.Batch;
import io.sluice.dsl.Message;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.OptionalLong;
import java.util.function.Predicate;

/** Edits and measurements shared by the filters that drop messages. */
final class Dropping {

    /** Kafka's {@code RecordBatch.NO_TIMESTAMP}, or any other negative value: the record carries no time. */
    private static final long NO_TIMESTAMP = -1;

    private Dropping() {
    }

    /**
     * Removes the messages matching {@code drop}, asking it exactly once per message, in offset order (a user's
     * predicate may be costly or count calls), and returns the offset of the last message removed, if any.
     */
    static <K, V> OptionalLong dropMatching(Batch<K, V> batch, Predicate<? super Message<K, V>> drop) {
        long[] dropped = new long[batch.size()];
        int count = 0;
        for (Message<K, V> m : batch) {
            if (drop.test(m)) {
                dropped[count++] = m.offset();
            }
        }
        if (count == 0) {
            return OptionalLong.empty();
        }
        int n = count;
        // offsets in a batch strictly increase, so the array is sorted
        batch.removeIf(m -> Arrays.binarySearch(dropped, 0, n, m.offset()) >= 0);
        return OptionalLong.of(dropped[n - 1]);
    }

    /** Whether the message carries a timestamp a time-based filter can judge it by. */
    static boolean hasTimestamp(Message<?, ?> message) {
        return message.timestamp() > NO_TIMESTAMP;
    }

    /** How old {@code message} is at {@code now} by its timestamp; negative when its timestamp lies ahead. */
    static Duration age(Message<?, ?> message, Instant now) {
        return Duration.between(Instant.ofEpochMilli(message.timestamp()), now);
    }
}
