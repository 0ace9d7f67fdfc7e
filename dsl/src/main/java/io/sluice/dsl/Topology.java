package io.sluice.dsl;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A validated, immutable declaration of the topics to consume and how. Made only by
 * {@link TopologyBuilder#build()}; safe to share between threads and runtimes.
 */
public final class Topology {

    private final Map<String, TopicDefinition<?, ?>> topics;

    /**
     * Used by the builder after validation; users get topologies from {@link Sluice#topology()}.
     */
    Topology(List<TopicDefinition<?, ?>> topics) {
        Map<String, TopicDefinition<?, ?>> map = new LinkedHashMap<>();
        for (TopicDefinition<?, ?> t : topics) {
            map.put(t.name(), t);
        }
        this.topics = java.util.Collections.unmodifiableMap(map);
    }

    /** The topics in declaration order. */
    public List<TopicDefinition<?, ?>> topics() {
        return List.copyOf(topics.values());
    }

    /** The topic names in declaration order. */
    public Set<String> topicNames() {
        return topics.keySet();
    }

    /** The definition of {@code name}, if declared. */
    public Optional<TopicDefinition<?, ?>> topic(String name) {
        return Optional.ofNullable(topics.get(name));
    }

    /**
     * A copy of this topology in which {@code topic}'s settings are replaced by {@code change} applied to them, for
     * settings that come from outside the code (configuration properties: the backoff or the dead-letter queue per
     * environment). Everything else, this topology included, is left as it is. The copy is checked as
     * {@link TopologyBuilder#build()} checks settings: non-retryable exceptions need a dead-letter queue, the
     * dead-letter topic must be another topic, and a topic whose offsets a filter keeps stays manually marked.
     *
     * @param topic  a declared topic's name
     * @param change makes the new settings from the current ones; must not return null
     * @return the new topology
     * @throws IllegalArgumentException when {@code topic} is not declared
     * @throws TopologyException        when the new settings fail the checks above
     */
    public Topology withTopicSettings(String topic, java.util.function.UnaryOperator<TopicSettings> change) {
        Objects.requireNonNull(change, "change");
        TopicDefinition<?, ?> current = topics.get(Objects.requireNonNull(topic, "topic"));
        if (current == null) {
            throw new IllegalArgumentException("topic '" + topic + "' is not declared; declared: " + topicNames());
        }
        TopicSettings changed = Objects.requireNonNull(change.apply(current.settings()),
                "the settings change returned null");
        if (current.offsetAuthority().isPresent()) {
            changed = changed.withMarking(MarkingMode.MANUAL);
        }
        List<String> problems = new java.util.ArrayList<>();
        if (changed.deadLetterQueue().isEmpty() && !changed.nonRetryable().isEmpty()) {
            problems.add("topic '" + topic + "': non-retryable exceptions need a dead-letter queue to go to");
        }
        if (changed.deadLetterQueue().isPresent() && changed.deadLetterQueue().get().topic().equals(topic)) {
            problems.add("topic '" + topic + "': the dead-letter topic is the topic itself; name another topic");
        }
        if (changed.deadLetterQueue().isPresent()) {
            TopicNames.problem(changed.deadLetterQueue().get().topic()).ifPresent(p -> problems.add(
                    "topic '" + topic + "': illegal dead-letter topic name: " + p));
        }
        if (!problems.isEmpty()) {
            throw new TopologyException(problems);
        }
        List<TopicDefinition<?, ?>> copy = new java.util.ArrayList<>();
        for (TopicDefinition<?, ?> t : topics.values()) {
            copy.add(t == current ? withSettings(t, changed) : t);
        }
        return new Topology(copy);
    }

    private static <K, V> TopicDefinition<K, V> withSettings(TopicDefinition<K, V> t, TopicSettings settings) {
        return new TopicDefinition<>(t.name(), t.keyDeserializer(), t.valueDeserializer(), t.consumerFactory(),
                t.filters(), settings, t.offsetAuthority());
    }

    @Override
    public String toString() {
        return "Topology" + topics.keySet();
    }
}
