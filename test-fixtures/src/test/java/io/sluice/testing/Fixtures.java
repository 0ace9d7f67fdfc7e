package io.sluice.testing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;

import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;

/** Small helpers shared by the in-memory consumer tests. */
final class Fixtures {

    static final String TOPIC = "orders";

    private Fixtures() {
    }

    static TopicPartition tp(int partition) {
        return new TopicPartition(TOPIC, partition);
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Appends {@code count} records {@code v<offset>} to {@code partition}. */
    static void produce(InMemoryLog log, TopicPartition partition, int count) {
        for (int i = 0; i < count; i++) {
            long offset = log.logEndOffset(partition);
            log.append(partition, null, bytes("v" + offset));
        }
    }

    static List<Long> offsets(ConsumerRecords<byte[], byte[]> records, TopicPartition partition) {
        List<Long> offsets = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : records.records(partition)) {
            offsets.add(record.offset());
        }
        return offsets;
    }

    /** Records every callback as {@code "revoked [orders-0]"} and runs an optional action inside each. */
    static final class RecordingListener implements ConsumerRebalanceListener {
        final List<String> events = new ArrayList<>();
        Consumer<Collection<TopicPartition>> onRevoked = partitions -> { };
        Consumer<Collection<TopicPartition>> onAssigned = partitions -> { };
        Consumer<Collection<TopicPartition>> onLost = partitions -> { };

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            events.add("revoked " + partitions);
            onRevoked.accept(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            events.add("assigned " + partitions);
            onAssigned.accept(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            events.add("lost " + partitions);
            onLost.accept(partitions);
        }
    }
}
