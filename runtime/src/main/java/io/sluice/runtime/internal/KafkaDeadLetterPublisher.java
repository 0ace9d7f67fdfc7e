package io.sluice.runtime.internal;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Publishes dead letters through one {@code KafkaProducer}, made on first use from the connection settings of
 * the consumer properties ({@code acks=all}, idempotent), and waits for each confirmation. Thread-safe.
 */
public final class KafkaDeadLetterPublisher implements DeadLetterPublisher, AutoCloseable {

    private final Properties properties;
    private final Duration timeout;
    private Producer<byte[], byte[]> producer;
    private boolean closed;

    /**
     * @param consumerProperties the user's Kafka properties; those a producer knows are passed on
     * @param timeout            how long one publication may take before it counts as failed
     */
    public KafkaDeadLetterPublisher(Properties consumerProperties, Duration timeout) {
        this.properties = new Properties();
        for (String key : consumerProperties.stringPropertyNames()) {
            if (ProducerConfig.configNames().contains(key) && !key.equals(ProducerConfig.CLIENT_ID_CONFIG)) {
                properties.put(key, consumerProperties.getProperty(key));
            }
        }
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        this.timeout = timeout;
    }

    @Override
    public void publish(ProducerRecord<byte[], byte[]> record) throws Exception {
        producer().send(record).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private synchronized Producer<byte[], byte[]> producer() {
        if (closed) {
            throw new IllegalStateException("the dead-letter publisher is closed");
        }
        if (producer == null) {
            producer = new KafkaProducer<>(properties);
        }
        return producer;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (producer != null) {
            producer.close(timeout);
        }
    }
}
