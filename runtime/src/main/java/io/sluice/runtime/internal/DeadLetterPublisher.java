package io.sluice.runtime.internal;

import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Sends a dead letter and returns only once the broker confirmed it ({@code acks=all}). Called on a worker.
 * The runtime's implementation wraps a {@code KafkaProducer}; the test driver's appends to its in-memory log.
 */
@FunctionalInterface
public interface DeadLetterPublisher {

    /**
     * Publishes {@code record}, blocking until it is confirmed.
     *
     * @throws Exception when it was not confirmed; the runtime marks nothing and tries again after a backoff
     */
    void publish(ProducerRecord<byte[], byte[]> record) throws Exception;

    /** A publisher for topologies without dead-letter queues: always fails, naming the topic. */
    static DeadLetterPublisher none() {
        return record -> {
            throw new IllegalStateException("no dead-letter publisher is configured for topic " + record.topic());
        };
    }
}
