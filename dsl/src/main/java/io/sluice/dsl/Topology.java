package io.sluice.dsl;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    @Override
    public String toString() {
        return "Topology" + topics.keySet();
    }
}
