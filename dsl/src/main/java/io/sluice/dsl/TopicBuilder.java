package io.sluice.dsl;

import java.time.Duration;
import java.util.function.Predicate;

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

    /**
     * Lets at most {@code limit} messages per sliding {@code interval} through, per partition; the rest are
     * fetched again once the window allows (a PAUSE, or a SEEK when the window is already open).
     * Needs {@code sluice-filters}.
     */
    TopicBuilder<K, V> throttle(int limit, Duration interval);

    /**
     * Holds back messages younger than {@code delay} (by timestamp) and pauses until the first of them is old
     * enough. Needs {@code sluice-filters}.
     */
    TopicBuilder<K, V> delayBy(Duration delay);

    /**
     * Drops messages older than {@code ttl} (by timestamp); they count as consumed, so lag stays true.
     * Needs {@code sluice-filters}.
     */
    TopicBuilder<K, V> expireAfter(Duration ttl);

    /**
     * Keeps only the messages matching {@code predicate}; the others are dropped for good and count as consumed.
     * (Named apart from {@link #filter(FilterFactory)} so that a lambda there stays unambiguous.)
     * Needs {@code sluice-filters}.
     */
    TopicBuilder<K, V> keepIf(Predicate<? super Message<K, V>> predicate);

    /** Drops the messages matching {@code predicate}; the opposite of {@link #keepIf}. */
    TopicBuilder<K, V> dropIf(Predicate<? super Message<K, V>> predicate);

    /**
     * Splits each partition into {@code count} virtual partitions (1..1024) with the default mapping (murmur2 of the
     * key bytes modulo {@code count}; records without a key by offset): after the filter chain, which still runs
     * once per fetched batch on the whole partition, the batch is split and each group runs as its own job, so one
     * partition is processed in parallel while records of one key keep their order. See {@link VirtualPartitions}.
     */
    TopicBuilder<K, V> virtualPartitions(int count);

    /** Like {@link #virtualPartitions(int)} with a custom mapping (a pure function of the record's bytes). */
    TopicBuilder<K, V> virtualPartitions(int count, VirtualPartitioner partitioner);

    /** Like {@link #virtualPartitions(int)} with every setting given. */
    TopicBuilder<K, V> virtualPartitions(VirtualPartitions settings);
}
