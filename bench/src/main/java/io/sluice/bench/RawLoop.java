package io.sluice.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The physical limit the framework is measured against: a bare {@code KafkaConsumer} poll loop on one thread
 * that counts each message (optionally after a simulated blocking wait) and commits the offsets of each poll
 * synchronously.
 */
final class RawLoop {

    private RawLoop() {
    }

    /**
     * Consumes {@code expected} messages of {@code topic}.
     *
     * @param ioWaitNanos blocking wait per message; 0 for none
     */
    static Measurement run(Properties common, String topic, long expected, long ioWaitNanos, long timeoutSeconds) {
        Properties props = new Properties();
        props.putAll(common);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        Progress progress = new Progress(expected);
        long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
        long cpuAtStart = ThreadCpu.current();
        long polls = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of(topic));
            while (!progress.finished()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("raw loop consumed " + progress.count() + " of " + expected
                            + " messages in " + timeoutSeconds + " s");
                }
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                if (records.isEmpty()) {
                    continue;
                }
                progress.started();
                polls++;
                long n = 0;
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    if (ioWaitNanos > 0) {
                        LockSupport.parkNanos(ioWaitNanos);
                    }
                    n++;
                }
                consumer.commitSync(records.nextOffsets());
                progress.done(n);
            }
            return progress.measurement(ThreadCpu.current() - cpuAtStart, polls, Map.of());
        }
    }
}
