package io.sluice.filters;

import io.sluice.dsl.Batch;
import io.sluice.dsl.Message;
import java.time.Instant;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.apache.kafka.common.TopicPartition;
import java.util.ArrayList;
import java.util.List;

/** Builds batches for tests (of partition {@code t-0} unless a partition is given). */
final class Batches {

    private Batches() {
    }

    /** A message at {@code offset} stamped {@code timestamp}, with value {@code "v" + offset}. */
    static Message<String, String> message(long offset, Instant timestamp) {
        return message(offset, timestamp.toEpochMilli());
    }

    static Message<String, String> message(long offset, long timestampMillis) {
        return Message.of("t", 0, offset, timestampMillis, "k" + offset, "v" + offset);
    }

    /** A batch of the given offsets (gaps allowed), all stamped {@code timestamp}, fetched from the first. */
    static Batch<String, String> stamped(Instant timestamp, long... offsets) {
        List<Message<String, String>> messages = new ArrayList<>();
        for (long offset : offsets) {
            messages.add(message(offset, timestamp));
        }
        return of(messages);
    }

    /** A batch of {@code messages}, fetched from the first one's offset, next offset one past the last. */
    static Batch<String, String> of(List<Message<String, String>> messages) {
        return Batch.of(StubFilterContext.TP, messages.get(0).offset(),
                messages.get(messages.size() - 1).offset() + 1, messages);
    }

    /** The offsets left in {@code batch}. */
    static List<Long> offsets(Batch<?, ?> batch) {
        return batch.stream().map(Message::offset).toList();
    }

    /** A batch fetched from {@code fetchOffset} with messages at {@code offsets}, ending at {@code nextOffset}. */
    static Batch<String, String> batch(TopicPartition tp, long fetchOffset, long nextOffset, long... offsets) {
        return Batch.of(tp, fetchOffset, nextOffset, Arrays.stream(offsets)
                .mapToObj(o -> Message.of(tp.topic(), tp.partition(), o, 0L, "k" + o, "v" + o))
                .collect(Collectors.toList()));
    }

    /** A batch of consecutive messages {@code [from, to)}. */
    static Batch<String, String> range(TopicPartition tp, long from, long to) {
        long[] offsets = new long[(int) (to - from)];
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = from + i;
        }
        return batch(tp, from, to, offsets);
    }
}
