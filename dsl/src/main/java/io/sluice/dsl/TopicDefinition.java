package io.sluice.dsl;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * One topic of a built {@link Topology}: immutable. Made by {@link TopologyBuilder#build()}, which validates it.
 *
 * @param name              the topic name; for a pattern declaration, the pattern's source
 * @param keyDeserializer   deserializes keys
 * @param valueDeserializer deserializes values
 * @param consumerFactory   makes the consumer of each partition assignment
 * @param filters           the filter chain's factories, in order
 * @param settings          the effective settings (defaults merged with the topic's own)
 * @param offsetAuthority   where the topic's offsets truly live, when a filter keeps them
 * @param pattern           the pattern of a {@code topics(Pattern)} declaration: every topic it matches (whole name)
 *                          that no other declaration names explicitly; empty for a declaration by name
 * @param <K>               the key type
 * @param <V>               the value type
 */
public record TopicDefinition<K, V>(String name, Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer,
                                    Supplier<? extends Consumer<K, V>> consumerFactory,
                                    List<FilterFactory<? super K, ? super V>> filters, TopicSettings settings,
                                    Optional<OffsetAuthority> offsetAuthority,
                                    Optional<java.util.regex.Pattern> pattern) {

    /** Rejects nulls and freezes the filter list. */
    public TopicDefinition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(keyDeserializer, "keyDeserializer");
        Objects.requireNonNull(valueDeserializer, "valueDeserializer");
        Objects.requireNonNull(consumerFactory, "consumerFactory");
        filters = List.copyOf(filters);
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(offsetAuthority, "offsetAuthority");
        Objects.requireNonNull(pattern, "pattern");
    }

    /** A declaration by name. */
    public TopicDefinition(String name, Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer,
                           Supplier<? extends Consumer<K, V>> consumerFactory,
                           List<FilterFactory<? super K, ? super V>> filters, TopicSettings settings,
                           Optional<OffsetAuthority> offsetAuthority) {
        this(name, keyDeserializer, valueDeserializer, consumerFactory, filters, settings, offsetAuthority,
                Optional.empty());
    }

    /** Whether this declaration covers {@code topic}: by its name, or by its pattern matching the whole name. */
    public boolean covers(String topic) {
        return pattern.map(p -> p.matcher(topic).matches()).orElse(name.equals(topic));
    }

    /** A new consumer for one partition assignment. */
    public Consumer<K, V> newConsumer() {
        return Objects.requireNonNull(consumerFactory.get(),
                () -> "the consumer factory of topic '" + name + "' returned null");
    }
}
