package io.sluice.filters;

import io.sluice.dsl.Batch;
import io.sluice.dsl.Message;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.apache.kafka.common.TopicPartition;

/** Batches for tests. */
final class Batches {

    private Batches() {
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
