package io.sluice.dsl;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * One topic of a built {@link Topology}: immutable. Made by {@link TopologyBuilder#build()}, which validates it.
 *
 * @param name              the topic name
 * @param keyDeserializer   deserializes keys
 * @param valueDeserializer deserializes values
 * @param consumerFactory   makes the consumer of each partition assignment
 * @param filters           the filter chain's factories, in order
 * @param settings          the effective settings (defaults merged with the topic's own)
 * @param offsetAuthority   where the topic's offsets truly live, when a filter keeps them
 * @param <K>               the key type
 * @param <V>               the value type
 */
public record TopicDefinition<K, V>(String name, Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer,
                                    Supplier<? extends Consumer<K, V>> consumerFactory,
                                    List<FilterFactory<? super K, ? super V>> filters, TopicSettings settings,
                                    Optional<OffsetAuthority> offsetAuthority) {

    /** Rejects nulls and freezes the filter list. */
    public TopicDefinition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(keyDeserializer, "keyDeserializer");
        Objects.requireNonNull(valueDeserializer, "valueDeserializer");
        Objects.requireNonNull(consumerFactory, "consumerFactory");
        filters = List.copyOf(filters);
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(offsetAuthority, "offsetAuthority");
    }

    /** A new consumer for one partition assignment. */
    public Consumer<K, V> newConsumer() {
        return Objects.requireNonNull(consumerFactory.get(),
                () -> "the consumer factory of topic '" + name + "' returned null");
    }
}
