package io.sluice.filters.chaos;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Produces the chaos test's messages while the members consume: {@code count} messages round-robin over the
 * topic's partitions, spread evenly over {@code over}, so the chaos happens mid-stream. Idempotent producer with
 * {@code acks=all}: every acknowledged message is in the log exactly once. {@link #nudge} adds messages on
 * demand (a parked job needs a batch to park).
 */
final class PacedProducer implements AutoCloseable {

    private static final int CHUNK = 100;

    private final KafkaProducer<String, String> producer;
    private final String topic;
    private final int partitions;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final Thread thread;
    private volatile boolean stop;

    PacedProducer(Map<String, Object> producerProperties, String topic, int partitions, long count, Duration over) {
        this.producer = new KafkaProducer<>(producerProperties, new StringSerializer(), new StringSerializer());
        this.topic = topic;
        this.partitions = partitions;
        this.thread = new Thread(() -> produce(count, over), "chaos-producer");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void produce(long count, Duration over) {
        long started = System.nanoTime();
        for (long i = 0; i < count && !stop; i++) {
            send((int) (i % partitions));
            if (i % CHUNK == CHUNK - 1) {
                // pacing, not synchronisation: the i-th message is due at i/count of the way
                long due = started + over.toNanos() / count * (i + 1);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
        }
        producer.flush();
    }

    /** Sends one more message to each of {@code partitionNumbers}. */
    void nudge(Collection<Integer> partitionNumbers) {
        partitionNumbers.forEach(this::send);
        producer.flush();
    }

    private void send(int partition) {
        long n = sent.getAndIncrement();
        producer.send(new ProducerRecord<>(topic, partition, "k" + n, "m-" + n), (metadata, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            } else {
                acked.incrementAndGet();
            }
        });
    }

    /** Waits until the paced messages are all sent and acknowledged; false on timeout. */
    boolean awaitDone(Duration limit) throws InterruptedException {
        thread.join(limit.toMillis());
        if (thread.isAlive()) {
            return false;
        }
        producer.flush();
        return true;
    }

    /** Messages acknowledged so far; after {@link #awaitDone}, every message in the topic. */
    long acknowledged() {
        return acked.get();
    }

    long sent() {
        return sent.get();
    }

    /** The first send that failed, if any; a failed send makes the count unreliable, so the test fails. */
    Exception failure() {
        return failure.get();
    }

    @Override
    public void close() {
        stop = true;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(10));
    }
}
