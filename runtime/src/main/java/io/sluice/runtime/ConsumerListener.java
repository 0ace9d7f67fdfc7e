package io.sluice.runtime;

import org.apache.kafka.clients.consumer.Consumer;

/**
 * Told when a {@link SluiceRuntime} creates and closes the Kafka consumer of one of its consumer instances, like
 * Spring Kafka's consumer-factory listener: the place to bind the client's own metrics (Micrometer's
 * {@code KafkaClientMetrics}) and unbind them. Set with {@link RuntimeSettings#withConsumerListener}.
 *
 * <p>Both methods are called on the thread that starts the runtime or on the instance's listener thread; they must
 * not use the consumer beyond {@link Consumer#metrics()} (the only method Kafka allows from other threads), must be
 * quick, and an exception they throw is logged and otherwise ignored.
 */
public interface ConsumerListener {

    /** A listener that does nothing: the default. */
    ConsumerListener NONE = new ConsumerListener() {
    };

    /**
     * The consumer of {@code instance} was created; it has not polled yet.
     *
     * @param instance the consumer instance's name (also its client id, unless the user set one)
     * @param consumer the consumer
     */
    default void consumerAdded(String instance, Consumer<?, ?> consumer) {
    }

    /**
     * The consumer of {@code instance} was closed (the runtime closed or halted, or the instance failed).
     *
     * @param instance the consumer instance's name
     * @param consumer the closed consumer
     */
    default void consumerRemoved(String instance, Consumer<?, ?> consumer) {
    }
}
