package io.sluice.spring.boot.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.sluice.runtime.ConsumerListener;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;

/**
 * Binds each runtime instance's Kafka consumer metrics to the registry ({@link KafkaClientMetrics}, meters
 * {@code kafka.consumer.*}, tagged {@code sluice.instance=<instance name>} besides Kafka's own client-id tags) while
 * the consumer lives, and removes them when it is closed.
 */
final class KafkaClientMetricsListener implements ConsumerListener {

    private final Supplier<MeterRegistry> registry;
    private final Map<String, KafkaClientMetrics> bound = new ConcurrentHashMap<>();

    KafkaClientMetricsListener(Supplier<MeterRegistry> registry) {
        this.registry = registry;
    }

    @Override
    public void consumerAdded(String instance, Consumer<?, ?> consumer) {
        MeterRegistry r = registry.get();
        if (r == null) {
            return;
        }
        KafkaClientMetrics metrics = new KafkaClientMetrics(consumer, Tags.of("sluice.instance", instance));
        metrics.bindTo(r);
        KafkaClientMetrics previous = bound.put(instance, metrics);
        if (previous != null) {
            previous.close();
        }
    }

    @Override
    public void consumerRemoved(String instance, Consumer<?, ?> consumer) {
        KafkaClientMetrics metrics = bound.remove(instance);
        if (metrics != null) {
            metrics.close();
        }
    }

    @Override
    public String toString() {
        return "KafkaClientMetricsListener" + bound.keySet();
    }
}
