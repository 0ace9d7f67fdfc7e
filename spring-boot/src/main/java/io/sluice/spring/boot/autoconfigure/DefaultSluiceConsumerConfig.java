package io.sluice.spring.boot.autoconfigure;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * The auto-configured {@link SluiceConsumerConfig}: Boot's consumer properties (already stripped of Boot's own
 * defaults and of the keys Sluice owns), then {@code sluice.kafka.*} on top, then the runtime's group id. See
 * docs/architecture.md for how the runtime treats the keys it owns.
 */
final class DefaultSluiceConsumerConfig implements SluiceConsumerConfig {

    private final SluiceProperties sluice;
    private final Supplier<List<String>> topologyBeanNames;
    private final Map<String, Object> springConsumer;

    DefaultSluiceConsumerConfig(SluiceProperties sluice, Supplier<List<String>> topologyBeanNames,
                                Map<String, Object> springConsumer) {
        this.sluice = sluice;
        this.topologyBeanNames = topologyBeanNames;
        this.springConsumer = new LinkedHashMap<>(springConsumer);
    }

    @Override
    public Properties consumerProperties(String topologyBeanName) {
        Properties props = new Properties();
        springConsumer.forEach((k, v) -> props.put(k, toPropertyValue(v)));
        props.putAll(sluice.kafka().properties());
        if (!sluice.kafka().bootstrapServers().isEmpty()) {
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", sluice.kafka().bootstrapServers()));
        }
        SluiceProperties.Runtime own = sluice.runtimes().get(topologyBeanName);
        if (own != null && own.groupId() != null && !own.groupId().isBlank()) {
            props.put(ConsumerConfig.GROUP_ID_CONFIG, own.groupId());
            return props;
        }
        List<String> names = topologyBeanNames.get();
        Object shared = props.get(ConsumerConfig.GROUP_ID_CONFIG);
        if (names.size() > 1) {
            List<String> missing = new ArrayList<>();
            for (String name : names) {
                SluiceProperties.Runtime r = sluice.runtimes().get(name);
                if (r == null || r.groupId() == null || r.groupId().isBlank()) {
                    missing.add(name);
                }
            }
            throw new IllegalStateException("Topology beans " + missing + " have no consumer group: with "
                    + names.size() + " Topology beans " + names + " each needs sluice.runtimes.<bean name>.group-id"
                    + " (spring.kafka.consumer.group-id serves only when there is exactly one Topology bean)");
        }
        if (shared == null || shared.toString().isBlank()) {
            throw new IllegalStateException("Topology bean '" + topologyBeanName + "' has no consumer group: set "
                    + "sluice.runtimes." + topologyBeanName + ".group-id (or spring.kafka.consumer.group-id)");
        }
        return props;
    }

    /** Kafka's own types as strings where the runtime reads strings; anything else (an SSL bundle) as it is. */
    static Object toPropertyValue(Object value) {
        if (value instanceof Class<?> c) {
            return c.getName();
        }
        if (value instanceof Collection<?> c) {
            List<String> parts = new ArrayList<>();
            c.forEach(o -> parts.add(String.valueOf(o)));
            return String.join(",", parts);
        }
        if (value instanceof Number || value instanceof Boolean || value instanceof CharSequence
                || value instanceof Enum<?>) {
            return value.toString();
        }
        return value;
    }
}
