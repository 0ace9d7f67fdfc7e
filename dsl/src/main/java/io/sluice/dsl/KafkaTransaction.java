package io.sluice.dsl;

import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * One open Kafka transaction, handed to the block of {@link ConsumerContext#transaction}. What is sent here becomes
 * visible to {@code read_committed} readers together with the batch's offsets, or not at all. Valid only inside
 * the block, on the job's thread; the runtime begins and commits (or aborts) the transaction around it.
 */
public interface KafkaTransaction {

    /**
     * Sends {@code record} inside the transaction. Sending is asynchronous: a failure surfaces when the transaction
     * commits, which then aborts and fails the job.
     *
     * @throws IllegalStateException when called outside the block
     */
    void send(ProducerRecord<byte[], byte[]> record);

    /** Sends a record with {@code key} and {@code value} to {@code topic}, its partition chosen by the key. */
    default void send(String topic, byte[] key, byte[] value) {
        send(new ProducerRecord<>(topic, key, value));
    }
}
