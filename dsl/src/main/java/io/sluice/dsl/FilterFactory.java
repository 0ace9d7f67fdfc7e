package io.sluice.dsl;

import java.util.Optional;
import org.apache.kafka.common.TopicPartition;

/**
 * Makes a partition's {@link Filter} each time the partition is assigned; instances are dropped when it is
 * revoked or lost. A constructor reference such as {@code MyFilter::new} (taking a {@link TopicPartition}) or a
 * lambda fits.
 *
 * <p>The two default methods let a built-in filter tell {@code build()} about itself; user filters leave them.
 *
 * @param <K> the key type its filters can read
 * @param <V> the value type its filters can read
 */
@FunctionalInterface
public interface FilterFactory<K, V> {

    /**
     * A new filter for {@code topicPartition}, called once per assignment of that partition.
     *
     * <p>The filter may read any supertype of the topic's key and value types, so a filter of
     * {@code Filter<Object, Object>} (one that never looks at keys or values) fits every topic as
     * {@code MyFilter::new}.
     *
     * @param topicPartition the assigned partition, never {@code null}
     * @return a new filter, never {@code null}
     */
    Filter<? super K, ? super V> create(TopicPartition topicPartition);

    /**
     * Whether this filter must run first in its chain (the offset manager must see the batch as fetched).
     * {@code build()} rejects a topology where such a filter is not first.
     */
    default boolean firstInChain() {
        return false;
    }

    /**
     * The authority over this topic's consumed offsets, when this filter keeps them outside Kafka. A topic with
     * one runs with manual marking, and every mark the runtime makes on its own goes through it first.
     */
    default Optional<OffsetAuthority> offsetAuthority() {
        return Optional.empty();
    }

    /** A short name for logs and the Web UI; the class name by default (the full one for an anonymous class). */
    default String describe() {
        String simple = getClass().getSimpleName();
        return simple.isEmpty() ? getClass().getName() : simple;
    }
}
