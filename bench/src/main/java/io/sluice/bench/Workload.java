package io.sluice.bench;

import io.sluice.testing.EmbeddedKafka;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The messages the cases consume: topics pre-produced on the broker, each holding exactly the number of messages
 * asked for (8-byte keys, values of the configured size, spread evenly over the partitions), and the consumer
 * settings every case shares.
 */
final class Workload {

    /** Every case fetches with these: only the group differs. */
    static final int MAX_POLL_RECORDS = 500;

    private final String bootstrapServers;
    private final int partitions;
    private final int valueBytes;
    private final Map<Long, String> topics = new HashMap<>();
    private final AtomicInteger groups = new AtomicInteger();

    Workload(String bootstrapServers, int partitions, int valueBytes) {
        this.bootstrapServers = bootstrapServers;
        this.partitions = partitions;
        this.valueBytes = valueBytes;
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    /**
     * A topic holding exactly {@code messages} messages, produced on first request.
     *
     * @param kafka the broker, to create the topic on
     */
    synchronized String topicWith(EmbeddedKafka kafka, long messages) {
        String existing = topics.get(messages);
        if (existing != null) {
            return existing;
        }
        String topic = "bench-" + messages;
        kafka.createTopic(topic, partitions);
        long started = System.nanoTime();
        produce(topic, messages);
        double seconds = (System.nanoTime() - started) / 1e9;
        Console.progress("produced %,d messages of %d bytes to %s in %.1f s (%,.0f msg/s)", messages, valueBytes,
                topic, seconds, messages / seconds);
        topics.put(messages, topic);
        return topic;
    }

    /**
     * A one-partition topic holding exactly {@code messages} messages whose keys take turns over {@code count} keys,
     * chosen so that exactly one key maps to each of {@code count} virtual partitions (the default mapping).
     */
    synchronized String virtualPartitionTopicWith(EmbeddedKafka kafka, long messages, int count) {
        String topic = "bench-vp" + count + "-" + messages;
        if (topics.containsValue(topic)) {
            return topic;
        }
        byte[][] keys = new byte[count][];
        int found = 0;
        for (long i = 0; found < count; i++) {
            byte[] key = ByteBuffer.allocate(Long.BYTES).putLong(i).array();
            int v = io.sluice.dsl.VirtualPartitioner.murmur2().virtualPartition(key, null, 0, count);
            if (keys[v] == null) {
                keys[v] = key;
                found++;
            }
        }
        kafka.createTopic(topic, 1);
        produce(topic, messages, 1, keys);
        topics.put(-messages, topic);
        return topic;
    }

    private void produce(String topic, long messages) {
        produce(topic, messages, partitions, null);
    }

    private void produce(String topic, long messages, int partitions, byte[][] keys) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "1");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024));
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        byte[] value = new byte[valueBytes];
        new Random(42).nextBytes(value);
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            for (long i = 0; i < messages && failure.get() == null; i++) {
                byte[] key = keys != null ? keys[(int) (i % keys.length)]
                        : ByteBuffer.allocate(Long.BYTES).putLong(i).array();
                // the producer copies the value into its batch on send, so one array serves every message
                producer.send(new ProducerRecord<>(topic, (int) (i % partitions), key, value), (meta, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    }
                });
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("producing to " + topic + " failed", failure.get());
        }
    }

    /** A fresh consumer group name: every run starts from the beginning with nothing committed. */
    String freshGroup(BenchCase benchCase) {
        return "bench-" + benchCase.key() + "-" + groups.incrementAndGet() + "-" + System.nanoTime();
    }

    /** The consumer settings every case shares; Sluice adds its own (byte-array deserializers, no auto-commit). */
    Properties consumerProperties(String group) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(MAX_POLL_RECORDS));
        // Kafka's defaults, spelled out so that every case visibly fetches alike
        props.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, "1");
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "500");
        props.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, String.valueOf(50 * 1024 * 1024));
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(1024 * 1024));
        return props;
    }
}
