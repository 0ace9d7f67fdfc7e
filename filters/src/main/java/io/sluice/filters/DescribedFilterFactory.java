package io.sluice.filters;

import io.sluice.dsl.Filter;
import io.sluice.dsl.FilterFactory;
import java.util.Objects;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;

/**
 * The factory behind each built-in filter: makes a fresh filter per assignment and names itself the way it was
 * declared ({@code throttle(100, PT1S)}), for logs and the Web UI.
 */
final class DescribedFilterFactory<K, V> implements FilterFactory<K, V> {

    private final String description;
    private final Function<TopicPartition, Filter<K, V>> maker;

    DescribedFilterFactory(String description, Function<TopicPartition, Filter<K, V>> maker) {
        this.description = Objects.requireNonNull(description, "description");
        this.maker = Objects.requireNonNull(maker, "maker");
    }

    @Override
    public Filter<K, V> create(TopicPartition topicPartition) {
        Objects.requireNonNull(topicPartition, "topicPartition");
        return maker.apply(topicPartition);
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public String toString() {
        return description;
    }
}
