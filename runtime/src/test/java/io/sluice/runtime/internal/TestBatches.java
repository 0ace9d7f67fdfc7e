package io.sluice.runtime.internal;

import io.sluice.dsl.Batch;
import io.sluice.dsl.Message;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.TopicPartition;

/** Batches of string messages on one partition, and their offsets, for the chain's tests. */
final class TestBatches {

    static final TopicPartition TP = new TopicPartition("orders", 0);

    private TestBatches() {
    }

    /** A batch fetched from {@code fetchOffset}, next offset {@code nextOffset}, holding {@code offsets}. */
    static Batch<String, String> batch(long fetchOffset, long nextOffset, long... offsets) {
        List<Message<String, String>> messages = new ArrayList<>();
        for (long offset : offsets) {
            messages.add(Message.of(TP.topic(), TP.partition(), offset, offset, "k" + offset, "v" + offset));
        }
        return Batch.of(TP, fetchOffset, nextOffset, messages);
    }

    /** Consecutive messages {@code [from, to)}, fetched from {@code from}, next offset {@code to}. */
    static Batch<String, String> range(long from, long to) {
        long[] offsets = new long[(int) (to - from)];
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = from + i;
        }
        return batch(from, to, offsets);
    }

    /** The offsets of the messages left in {@code batch}, in order. */
    static List<Long> offsets(Batch<?, ?> batch) {
        List<Long> offsets = new ArrayList<>(batch.size());
        for (Message<?, ?> m : batch) {
            offsets.add(m.offset());
        }
        return offsets;
    }
}
