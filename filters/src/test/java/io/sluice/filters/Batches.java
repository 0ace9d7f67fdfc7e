package io.sluice.filters;

import io.sluice.dsl.Batch;
import io.sluice.dsl.Message;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Builds batches of partition {@code t-0} for tests. */
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
}
