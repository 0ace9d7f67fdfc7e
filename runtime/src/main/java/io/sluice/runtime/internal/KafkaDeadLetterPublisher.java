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
 * Publishes dead letters through one {@code KafkaProducer}, made on first use ({@code acks=all}, idempotent), and
 * waits for each confirmation. Its properties are the consumer's connection settings, overlaid by the dead-letter
 * producer's own properties when given (see {@link #producerProperties}). The properties are never logged by
 * Sluice. Thread-safe.
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
        this(consumerProperties, new Properties(), timeout);
    }

    /**
     * @param consumerProperties the user's Kafka consumer properties
     * @param own                the dead-letter producer's own properties (possibly empty)
     * @param timeout            how long one publication may take before it counts as failed
     */
    public KafkaDeadLetterPublisher(Properties consumerProperties, Properties own, Duration timeout) {
        this.properties = producerProperties(consumerProperties, own);
        this.timeout = timeout;
    }

    /**
     * The dead-letter producer's properties. Without {@code bootstrap.servers} of its own, it starts from the
     * consumer's properties that a producer knows (bootstrap, security, timeouts; not {@code client.id}) and
     * {@code own} overrides them; with its own {@code bootstrap.servers} (another cluster) nothing is taken from
     * the consumer, so the consumer's credentials never go to another cluster. Serializers, {@code acks=all} and
     * idempotence are always set.
     */
    public static Properties producerProperties(Properties consumerProperties, Properties own) {
        Properties result = new Properties();
        if (!own.containsKey(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG)) {
            for (String key : consumerProperties.stringPropertyNames()) {
                if (ProducerConfig.configNames().contains(key) && !key.equals(ProducerConfig.CLIENT_ID_CONFIG)) {
                    result.put(key, consumerProperties.getProperty(key));
                }
            }
        }
        for (String key : own.stringPropertyNames()) {
            result.put(key, own.getProperty(key));
        }
        result.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        result.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        result.put(ProducerConfig.ACKS_CONFIG, "all");
        result.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        return result;
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
