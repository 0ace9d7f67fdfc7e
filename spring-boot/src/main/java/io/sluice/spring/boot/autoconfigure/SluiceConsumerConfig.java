package io.sluice.spring.boot.autoconfigure;

import java.util.Properties;

/**
 * The Kafka consumer properties each auto-configured runtime is created with. The auto-configured one merges
 * Boot's Kafka connection ({@code KafkaConnectionDetails}) and {@code spring.kafka.consumer.*} with
 * {@code sluice.kafka.*}, which wins, and picks each runtime's {@code group.id}; declare a bean of this type to
 * replace it.
 */
@FunctionalInterface
public interface SluiceConsumerConfig {

    /**
     * The consumer properties of the runtime of one Topology bean; called when the runtimes are created, and for
     * every Topology bean once at startup, so that a problem fails the application's start.
     *
     * @param topologyBeanName the name of the Topology bean
     * @return a new Properties object, with {@code bootstrap.servers} and {@code group.id}
     * @throws IllegalStateException when the properties of that runtime cannot be made (e.g. no group id)
     */
    Properties consumerProperties(String topologyBeanName);
}
