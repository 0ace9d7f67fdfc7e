package io.sluice.dsl;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One set of Kafka consumer instances of a {@link Topology}: the topics of one subscription group of one consumer
 * group. Kafka properties belong to a consumer, not a topic, so topics that need other consumer properties
 * ({@code max.poll.records}, {@code fetch.max.bytes}, {@code isolation.level}) go into a subscription group of their
 * own. Immutable.
 *
 * @param group  the consumer group ({@code group.id}); empty: the {@code group.id} of the runtime's properties
 * @param name   the subscription group's name, unique within its consumer group ({@value #DEFAULT} when none was
 *               declared)
 * @param kafka  Kafka consumer properties laid over the runtime's for these consumers only
 * @param topics   the topics these consumers subscribe to by name, in declaration order
 * @param patterns the sources of the patterns they subscribe to, in declaration order (a consumer subscribes to
 *                 names or one pattern: with patterns, see {@link #subscriptionPattern()})
 */
public record Subscription(Optional<String> group, String name, Map<String, String> kafka, List<String> topics,
                           List<String> patterns) {

    /** The name of the subscription group of topics declared outside any {@code subscriptionGroup(...)}. */
    public static final String DEFAULT = "default";

    /** Rejects nulls and freezes the collections. */
    public Subscription {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(name, "name");
        kafka = Map.copyOf(kafka);
        topics = List.copyOf(topics);
        patterns = List.copyOf(patterns);
    }

    /** A subscription by names only. */
    public Subscription(Optional<String> group, String name, Map<String, String> kafka, List<String> topics) {
        this(group, name, kafka, topics, List.of());
    }

    /**
     * The one pattern a subscription with patterns subscribes with: its names escaped and its patterns, as
     * alternatives; empty without patterns.
     */
    public Optional<String> subscriptionPattern() {
        if (patterns.isEmpty()) {
            return Optional.empty();
        }
        List<String> alternatives = new java.util.ArrayList<>();
        for (String topic : topics) {
            // topic names hold only [a-zA-Z0-9._-]: the dot is the one character to escape (for RE2 too)
            alternatives.add(topic.replace(".", "\\."));
        }
        alternatives.addAll(patterns);
        return Optional.of(alternatives.size() == 1 ? alternatives.get(0)
                : "(?:" + String.join(")|(?:", alternatives) + ")");
    }

    /** Whether this is the default consumer group's default subscription group (no overrides of any kind). */
    public boolean isDefault() {
        return group.isEmpty() && name.equals(DEFAULT) && kafka.isEmpty();
    }
}
