package io.sluice.filters.chaos;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Produces the chaos matrix's messages while (or before) the members consume: {@code count} messages round-robin
 * over the topic's partitions, spread evenly over {@code over}, so the chaos happens mid-stream. Idempotent producer
 * with {@code acks=all}: every acknowledged message is in the log exactly once. It keeps the offset of every
 * acknowledged message ({@link #acknowledged()}), which is what the run expects to see applied, unless a
 * {@link Mode} says otherwise:
 * <ul>
 *   <li>{@link Mode#PLAIN}: every acknowledged message is expected;</li>
 *   <li>{@link Mode#TRANSACTIONAL}: messages go in transactions of {@value #CHUNK}, one in five of them aborted
 *       (their payloads start with {@value #ABORT_FLAG}); once in the run a large transaction of padded messages,
 *       bigger than any member's fetch size, goes to one partition and is aborted. Only messages of committed
 *       transactions are expected; those of aborted ones are {@link #forbidden()};</li>
 *   <li>{@link Mode#KEYED}: keys repeat ({@value #KEYS} keys, each always on the same partition), so a compacted
 *       topic has overwritten records to remove; the run expects what a read-back of the final log shows.</li>
 * </ul>
 * {@link #nudge} adds messages on demand (a parked job needs a batch to park).
 */
final class PacedProducer implements AutoCloseable {

    /** What the producer sends, and what of it a run expects. */
    enum Mode {
        PLAIN, TRANSACTIONAL, KEYED
    }

    static final String ABORT_FLAG = "abort-";
    static final int CHUNK = 60;
    static final int KEYS = 600;
    private static final int LARGE_ABORT_RECORDS = 120;
    private static final int LARGE_ABORT_PADDING = 400;

    private static final Logger LOG = LoggerFactory.getLogger(PacedProducer.class);
    private volatile KafkaProducer<String, String> producer;
    private final Map<String, Object> props;
    private final Mode mode;
    private final String topic;
    private final int partitions;
    private final AtomicLong sent = new AtomicLong();
    private final Set<Long> acked = ConcurrentHashMap.newKeySet();
    private final Set<Long> committed = ConcurrentHashMap.newKeySet();
    private final Set<Long> aborted = ConcurrentHashMap.newKeySet();
    private final Map<Long, String> keys = new ConcurrentHashMap<>();
    private final AtomicLong transactionsAborted = new AtomicLong();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final Thread thread;
    private volatile boolean stop;

    PacedProducer(Map<String, Object> producerProperties, Mode mode, String topic, int partitions, long count,
                  Duration over) {
        Map<String, Object> props = new HashMap<>(producerProperties);
        if (mode == Mode.TRANSACTIONAL) {
            props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "chaos-producer-" + topic);
        }
        this.props = props;
        this.producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
        this.mode = mode;
        this.topic = topic;
        this.partitions = partitions;
        this.thread = new Thread(() -> produce(count, over), "chaos-producer");
        this.thread.setDaemon(true);
        if (mode == Mode.TRANSACTIONAL) {
            producer.initTransactions();
        }
    }

    void start() {
        thread.start();
    }

    private void produce(long count, Duration over) {
        long started = System.nanoTime();
        try {
            for (long i = 0; i < count && !stop; i += CHUNK) {
                long end = Math.min(count, i + CHUNK);
                if (mode == Mode.TRANSACTIONAL) {
                    transaction(i, end, (i / CHUNK) % 5 == 3);
                    if (i / CHUNK == 7) {
                        largeAbortedTransaction();
                    }
                } else {
                    for (long n = i; n < end; n++) {
                        send((int) (n % partitions), "", committed);
                    }
                }
                // pacing, not synchronisation: the end-th message is due at end/count of the way
                long due = started + over.toNanos() / count * end;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
            producer.flush();
        } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
        }
    }

    private synchronized void transaction(long from, long to, boolean abort) {
        for (int attempt = 1; ; attempt++) {
            Set<Long> offsets = ConcurrentHashMap.newKeySet();
            AtomicReference<Exception> failed = new AtomicReference<>();
            try {
                producer.beginTransaction();
                for (long n = from; n < to; n++) {
                    send((int) (n % partitions), abort ? ABORT_FLAG : "", offsets, failed);
                }
                producer.flush();
                if (failed.get() != null) {
                    throw new IllegalStateException("a send of the transaction failed", failed.get());
                }
                finish(abort, offsets);
                return;
            } catch (RuntimeException e) {
                // the broker's transaction state can reject a send (seen with transactions v2 under load:
                // CONCURRENT_TRANSACTIONS, then an out-of-order sequence): the transaction is aborted — nothing of it
                // becomes visible, so nothing of it is expected — and its messages are sent again in a new one
                if (attempt >= 3) {
                    throw e;
                }
                LOG.warn("a transaction of the paced producer failed ({}); aborting it and sending its messages"
                        + " again", e.toString());
                abandon();
                aborted.addAll(offsets);
            }
        }
    }

    /** Ends a failed transaction: aborts it, or when the producer cannot, replaces it (which aborts it too). */
    private void abandon() {
        try {
            producer.abortTransaction();
        } catch (RuntimeException e) {
            producer.close(Duration.ofSeconds(10));
            producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
            producer.initTransactions(); // fences the old producer and aborts its open transaction
        }
    }

    /** One transaction larger than a member's fetch size, to one partition, aborted. */
    private synchronized void largeAbortedTransaction() {
        Set<Long> offsets = ConcurrentHashMap.newKeySet();
        producer.beginTransaction();
        String padding = "x".repeat(LARGE_ABORT_PADDING);
        for (int n = 0; n < LARGE_ABORT_RECORDS; n++) {
            send(0, ABORT_FLAG + padding, offsets);
        }
        finish(true, offsets);
    }

    private void finish(boolean abort, Set<Long> offsets) {
        if (abort) {
            producer.flush(); // every record in the log, then the abort marker after them
            producer.abortTransaction();
            aborted.addAll(offsets);
            transactionsAborted.incrementAndGet();
        } else {
            producer.commitTransaction();
            committed.addAll(offsets);
        }
    }

    /** Sends one more message to each of {@code partitionNumbers}. */
    void nudge(Collection<Integer> partitionNumbers) {
        if (mode == Mode.TRANSACTIONAL) {
            Set<Long> offsets = ConcurrentHashMap.newKeySet();
            synchronized (this) {
                producer.beginTransaction();
                partitionNumbers.forEach(p -> send(p, "", offsets));
                finish(false, offsets);
            }
        } else {
            partitionNumbers.forEach(p -> send(p, "", committed));
            producer.flush();
        }
    }

    private void send(int partition, String prefix, Set<Long> into) {
        send(partition, prefix, into, failure);
    }

    private void send(int partition, String prefix, Set<Long> into, AtomicReference<Exception> failure) {
        long n = sent.getAndIncrement();
        String key = mode == Mode.KEYED ? "k" + keyOn(partition, n) : "k" + n;
        producer.send(new ProducerRecord<>(topic, partition, key, prefix + "m-" + n), (metadata, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            } else {
                long id = id(metadata);
                keys.put(id, key);
                acked.add(id);
                into.add(id);
            }
        });
    }

    /** A key that lives on {@code partition}: key numbers modulo the partition count name the partition. */
    private long keyOn(int partition, long n) {
        long perPartition = KEYS / partitions;
        return ((n / partitions) % perPartition) * partitions + partition;
    }

    /** A message's identity in the expected sets: partition and offset in one long. */
    static long id(int partition, long offset) {
        return ((long) partition << 40) | offset;
    }

    private static long id(RecordMetadata metadata) {
        return id(metadata.partition(), metadata.offset());
    }

    static int partitionOf(long id) {
        return (int) (id >>> 40);
    }

    static long offsetOf(long id) {
        return id & ((1L << 40) - 1);
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

    /** Every acknowledged message (in aborted transactions too), by {@link #id(int, long)}. */
    Set<Long> acknowledged() {
        return acked;
    }

    /** The key of every acknowledged message, by {@link #id(int, long)}: what a virtual partition is chosen by. */
    Map<Long, String> keys() {
        return keys;
    }

    /** The acknowledged messages of committed transactions (every acknowledged one unless transactional). */
    Set<Long> committed() {
        return committed;
    }

    /** The acknowledged messages of aborted transactions: none may ever have an effect. */
    Set<Long> forbidden() {
        return aborted;
    }

    long transactionsAborted() {
        return transactionsAborted.get();
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
