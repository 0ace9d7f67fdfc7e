package io.sluice.testing;

import io.sluice.runtime.internal.TransactionalProducer;
import io.sluice.runtime.internal.TransactionalProducers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;

/**
 * The test driver's transactional producers: a transaction's records are kept aside and appended to the in-memory
 * log when it commits, together with the group's offsets — which, as the broker does, are refused when the group
 * metadata's generation or member is not the consumer's current one. Aborted transactions are recorded. Producers
 * can be made to fail as fenced ({@link #fenceNext}); the pool replaces such a producer.
 */
public final class InMemoryTransactions {

    /**
     * One transaction that ended.
     *
     * @param transactionalId its producer's id
     * @param records         what it sent
     * @param offsets         the group offsets it carried
     * @param committed       whether it committed (else it aborted)
     */
    public record Ended(String transactionalId, List<ProducerRecord<byte[], byte[]>> records,
                 Map<TopicPartition, OffsetAndMetadata> offsets, boolean committed) {
    }

    private final InMemoryLog log;
    private final ManualClock clock;
    private final java.util.function.Supplier<InMemoryConsumer> consumer;
    private final List<Producer> free = new ArrayList<>();
    private final List<Ended> ended = new CopyOnWriteArrayList<>();
    private final List<String> replaced = new CopyOnWriteArrayList<>();
    private int fence;
    private int timeOuts;
    private int incarnation;

    InMemoryTransactions(InMemoryLog log, ManualClock clock, java.util.function.Supplier<InMemoryConsumer> consumer,
                         String prefix, int size) {
        this.log = log;
        this.clock = clock;
        this.consumer = consumer;
        for (int i = 0; i < size; i++) {
            free.add(new Producer(prefix + "-" + i));
        }
    }

    /** Makes the next {@code count} commits fail as fenced (the producer is then replaced by the runtime). */
    public synchronized void fenceNext(int count) {
        fence = count;
    }

    /**
     * Makes the next {@code count} commits time out on the client after the broker committed them, as
     * {@code commitTransaction()} may ({@code TimeoutException}, outcome unknown to the caller); calling
     * {@code commit()} again then returns at once, as {@code KafkaProducer} does when the commit completed.
     */
    public synchronized void timeOutNextCommits(int count) {
        timeOuts = count;
    }

    private synchronized boolean takeTimeOut() {
        if (timeOuts > 0) {
            timeOuts--;
            return true;
        }
        return false;
    }

    /** Every transaction that ended, committed or aborted, in order. */
    public List<Ended> ended() {
        return List.copyOf(ended);
    }

    /** The transactional ids of the producers replaced as broken, in order. */
    public List<String> replaced() {
        return List.copyOf(replaced);
    }

    /** The pool the driver's loop takes producers from; the runtime's machinery, kept out of the public API. */
    TransactionalProducers pool() {
        return pool;
    }

    private final TransactionalProducers pool = new TransactionalProducers() {
        @Override
        public TransactionalProducer acquire(Duration timeout) {
            synchronized (InMemoryTransactions.this) {
                return free.isEmpty() ? null : free.remove(0);
            }
        }

        @Override
        public void release(TransactionalProducer producer, boolean broken) {
            synchronized (InMemoryTransactions.this) {
                Producer p = (Producer) producer;
                if (broken) {
                    replaced.add(p.id);
                    p = new Producer(p.id);
                }
                free.add(p);
            }
        }

        @Override
        public void close() {
        }
    };

    private synchronized boolean takeFence() {
        if (fence > 0) {
            fence--;
            return true;
        }
        return false;
    }

    private final class Producer implements TransactionalProducer {
        private final String id;
        private final int made;
        private List<ProducerRecord<byte[], byte[]>> records;
        private Map<TopicPartition, OffsetAndMetadata> offsets = Map.of();
        private boolean fenced;
        private boolean committedUnacknowledged;

        Producer(String id) {
            this.id = id;
            synchronized (InMemoryTransactions.this) {
                this.made = ++incarnation;
            }
        }

        @Override
        public String transactionalId() {
            return id;
        }

        @Override
        public void begin() {
            check();
            committedUnacknowledged = false;
            if (records != null) {
                throw new IllegalStateException(id + " (#" + made + ") already has an open transaction");
            }
            records = new ArrayList<>();
            offsets = Map.of();
        }

        @Override
        public void send(ProducerRecord<byte[], byte[]> record) {
            check();
            records.add(record);
        }

        @Override
        public void sendOffsets(Map<TopicPartition, OffsetAndMetadata> add, ConsumerGroupMetadata metadata) {
            check();
            InMemoryConsumer c = consumer.get();
            if (metadata.generationId() >= 0 && (metadata.generationId() != c.generation()
                    || !metadata.memberId().equals(c.memberId()))) {
                throw new CommitFailedException("generation " + metadata.generationId() + " of member "
                        + metadata.memberId() + " is not the group's current one");
            }
            offsets = Map.copyOf(add);
        }

        @Override
        public void commit() {
            if (takeFence()) {
                fenced = true;
            }
            check();
            if (records == null && committedUnacknowledged) {
                // the retried commit of a transaction that committed while the caller timed out
                committedUnacknowledged = false;
                return;
            }
            for (ProducerRecord<byte[], byte[]> r : records) {
                if (log.partitionCount(r.topic()).isEmpty()) {
                    log.createTopic(r.topic(), 1);
                }
                int partition = r.partition() != null ? r.partition()
                        : r.key() == null ? 0 : Math.floorMod(Arrays.hashCode(r.key()),
                        log.partitionCount(r.topic()).orElse(1));
                log.append(new TopicPartition(r.topic(), partition), r.key(), r.value(), clock.millis(),
                        List.of(r.headers().toArray()));
            }
            if (!offsets.isEmpty()) {
                log.commit(consumer.get().groupId(), offsets);
            }
            ended.add(new Ended(id, List.copyOf(records), offsets, true));
            records = null;
            if (takeTimeOut()) {
                committedUnacknowledged = true;
                throw new org.apache.kafka.common.errors.TimeoutException(
                        "timed out waiting for the commit of " + id + " (injected by the test)");
            }
        }

        @Override
        public void abort() {
            check();
            ended.add(new Ended(id, records == null ? List.of() : List.copyOf(records), offsets, false));
            records = null;
        }

        private void check() {
            if (fenced) {
                throw new ProducerFencedException(id + " (#" + made + ") was fenced by a newer producer");
            }
        }
    }
}
