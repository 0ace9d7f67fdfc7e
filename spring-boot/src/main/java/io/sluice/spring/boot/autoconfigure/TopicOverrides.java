package io.sluice.spring.boot.autoconfigure;

import io.sluice.dsl.Backoff;
import io.sluice.dsl.DeadLetterQueue;
import io.sluice.dsl.TopicSettings;
import io.sluice.dsl.Topology;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** Applies {@code sluice.topics.<name>.backoff.*} and {@code .dead-letter.*} to the topologies' topics. */
final class TopicOverrides {

    private TopicOverrides() {
    }

    static Topology apply(Topology topology, Map<String, SluiceProperties.Topic> overrides) {
        Topology result = topology;
        for (Map.Entry<String, SluiceProperties.Topic> e : overrides.entrySet()) {
            if (topology.topic(e.getKey()).isPresent()) {
                result = result.withTopicSettings(e.getKey(), s -> override(e.getKey(), s, e.getValue()));
            }
        }
        return result;
    }

    /** Fails when an override names a topic no topology declares: a typo would silently change nothing. */
    static void checkAllNamed(Collection<Topology> topologies, Set<String> overridden) {
        Set<String> declared = new HashSet<>();
        topologies.forEach(t -> declared.addAll(t.topicNames()));
        Set<String> unknown = new TreeSet<>(overridden);
        unknown.removeAll(declared);
        if (!unknown.isEmpty()) {
            throw new IllegalStateException("sluice.topics names topics no Topology bean declares: " + unknown
                    + " (declared: " + new TreeSet<>(declared) + ")");
        }
    }

    private static TopicSettings override(String topic, TopicSettings settings, SluiceProperties.Topic o) {
        TopicSettings s = settings;
        if (o.backoff() != null) {
            Backoff b = s.backoff();
            SluiceProperties.Backoff p = o.backoff();
            s = s.withBackoff(new Backoff(p.initial() != null ? p.initial() : b.initial(),
                    p.max() != null ? p.max() : b.max(), p.multiplier() != null ? p.multiplier() : b.multiplier()));
        }
        if (o.deadLetter() != null) {
            SluiceProperties.DeadLetter p = o.deadLetter();
            Optional<DeadLetterQueue> current = s.deadLetterQueue();
            String dlqTopic = p.topic() != null ? p.topic() : current.map(DeadLetterQueue::topic).orElse(null);
            if (dlqTopic == null) {
                throw new IllegalStateException("sluice.topics." + topic + ".dead-letter needs a topic: the code "
                        + "declares no dead-letter queue for '" + topic + "'");
            }
            int retries = p.maxRetries() != null ? p.maxRetries()
                    : current.map(DeadLetterQueue::maxRetries).orElse(0);
            s = s.withDeadLetterQueue(Optional.of(new DeadLetterQueue(dlqTopic, retries)));
        }
        return s;
    }
}
