package io.sluice.runtime.internal;

import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * One transactional producer of a {@link TransactionalProducers} pool, used by one job at a time: at most one
 * transaction is open on it. The runtime's is a {@code KafkaProducer} with a stable {@code transactional.id}; the
 * test driver's appends to its in-memory log. Any method may throw Kafka's exceptions.
 */
public interface TransactionalProducer {

    /** The stable {@code transactional.id} of this producer. */
    String transactionalId();

    /** Begins a transaction. */
    void begin();

    /** Sends {@code record} in the open transaction (asynchronously; a failure surfaces at {@link #commit()}). */
    void send(ProducerRecord<byte[], byte[]> record);

    /** Adds the consumer group's {@code offsets} to the open transaction; the broker checks {@code metadata}. */
    void sendOffsets(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata metadata);

    /** Commits the open transaction. */
    void commit();

    /** Aborts the open transaction. */
    void abort();
}
