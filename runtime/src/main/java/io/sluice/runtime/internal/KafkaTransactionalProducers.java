package io.sluice.runtime.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime's {@link TransactionalProducers}: {@code KafkaProducer}s with {@code transactional.id}
 * {@code <prefix>-<group>-<slot>}, made (and {@code initTransactions()}-ed) on first use of their slot. Thread-safe.
 */
public final class KafkaTransactionalProducers implements TransactionalProducers {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaTransactionalProducers.class);

    private final Properties properties;
    private final String idPrefix;
    private final Duration closeTimeout;
    private final BlockingQueue<Slot> free;
    private final List<Slot> slots = new ArrayList<>();
    private volatile boolean closed;

    /**
     * @param properties   the producer's properties (connection, security, {@code transaction.timeout.ms}); the
     *                     serializers, idempotence, {@code acks} and the id are set here
     * @param prefix       the member's transactional id prefix
     * @param group        the consumer group
     * @param size         how many producers (slots)
     * @param closeTimeout how long closing a producer may take
     */
    public KafkaTransactionalProducers(Properties properties, String prefix, String group, int size,
                                       Duration closeTimeout) {
        this.properties = new Properties();
        this.properties.putAll(properties);
        this.properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
        this.properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
        this.properties.put(ProducerConfig.ACKS_CONFIG, "all");
        this.properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        this.idPrefix = prefix + "-" + group + "-";
        this.closeTimeout = closeTimeout;
        this.free = new ArrayBlockingQueue<>(size);
        for (int i = 0; i < size; i++) {
            Slot slot = new Slot(idPrefix + i);
            slots.add(slot);
            free.add(slot);
        }
    }

    /** The {@code transactional.id} of slot {@code slot} for {@code prefix} and {@code group}. */
    public static String transactionalId(String prefix, String group, int slot) {
        return prefix + "-" + group + "-" + slot;
    }

    @Override
    public TransactionalProducer acquire(Duration timeout) throws InterruptedException {
        if (closed) {
            throw new IllegalStateException("the transactional producers are closed");
        }
        Slot slot = free.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (slot == null) {
            return null;
        }
        try {
            slot.open();
        } catch (RuntimeException e) {
            slot.discard();
            free.add(slot);
            throw e;
        }
        return slot;
    }

    @Override
    public void release(TransactionalProducer producer, boolean broken) {
        Slot slot = (Slot) producer;
        if (broken || closed) {
            LOG.info("replacing the transactional producer {}", slot.id);
            slot.discard();
        }
        free.add(slot);
    }

    @Override
    public void close() {
        closed = true;
        for (Slot slot : slots) {
            slot.discard();
        }
    }

    /** One slot: its id and, once used, its producer. */
    private final class Slot implements TransactionalProducer {
        private final String id;
        private Producer<byte[], byte[]> producer;

        Slot(String id) {
            this.id = id;
        }

        synchronized void open() {
            if (producer == null) {
                Properties p = new Properties();
                p.putAll(properties);
                p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id);
                p.put(ProducerConfig.CLIENT_ID_CONFIG, id);
                Producer<byte[], byte[]> made = new KafkaProducer<>(p);
                try {
                    // fences an older producer with this id and aborts what it left open
                    made.initTransactions();
                } catch (RuntimeException e) {
                    made.close(Duration.ZERO);
                    throw e;
                }
                producer = made;
            }
        }

        synchronized void discard() {
            if (producer != null) {
                try {
                    producer.close(closeTimeout);
                } catch (RuntimeException e) {
                    LOG.warn("closing the transactional producer {} failed: {}", id, e.toString());
                }
                producer = null;
            }
        }

        @Override
        public String transactionalId() {
            return id;
        }

        @Override
        public void begin() {
            producer.beginTransaction();
        }

        @Override
        public void send(ProducerRecord<byte[], byte[]> record) {
            producer.send(record);
        }

        @Override
        public void sendOffsets(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata metadata) {
            producer.sendOffsetsToTransaction(offsets, metadata);
        }

        @Override
        public void commit() {
            producer.commitTransaction();
        }

        @Override
        public void abort() {
            producer.abortTransaction();
        }
    }
}
