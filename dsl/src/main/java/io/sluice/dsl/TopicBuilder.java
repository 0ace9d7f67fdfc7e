package io.sluice.dsl;

/**
 * A topic with its consumer: add filters and settings, declare the next topic, or build.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public interface TopicBuilder<K, V> extends SettingsStep<TopicBuilder<K, V>>, TopologyBuilder {

    /**
     * Appends a filter to the topic's chain. Filters run in declaration order, each on what the ones before
     * it left; the order matters.
     */
    TopicBuilder<K, V> filter(FilterFactory<? super K, ? super V> factory);
}
