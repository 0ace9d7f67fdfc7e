package io.sluice.dsl;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A validated, immutable declaration of the topics to consume and how, in one or more {@link Subscription}s
 * (consumer groups and their subscription groups). Made only by {@link TopologyBuilder#build()}; safe to share
 * between threads and runtimes.
 */
public final class Topology {

    private final Map<Subscription, List<TopicDefinition<?, ?>>> subscriptions;

    /**
     * Used by the builder after validation; users get topologies from {@link Sluice#topology()}. Every topic is in
     * the default subscription.
     */
    Topology(List<TopicDefinition<?, ?>> topics) {
        this(Map.of(new Subscription(Optional.empty(), Subscription.DEFAULT, Map.of(),
                topics.stream().filter(t -> t.pattern().isEmpty()).map(TopicDefinition::name).toList(),
                topics.stream().filter(t -> t.pattern().isPresent()).map(TopicDefinition::name).toList()), topics));
    }

    /** Used by the builder: each subscription with its topics' definitions, in declaration order. */
    Topology(Map<Subscription, List<TopicDefinition<?, ?>>> subscriptions) {
        Map<Subscription, List<TopicDefinition<?, ?>>> copy = new LinkedHashMap<>();
        subscriptions.forEach((s, t) -> copy.put(s, List.copyOf(t)));
        this.subscriptions = Collections.unmodifiableMap(copy);
    }

    /** Every topic definition, in declaration order (a topic declared in two consumer groups appears twice). */
    public List<TopicDefinition<?, ?>> topics() {
        List<TopicDefinition<?, ?>> all = new ArrayList<>();
        subscriptions.values().forEach(all::addAll);
        return List.copyOf(all);
    }

    /** The topic names declared by name, in declaration order, each once (patterns are not among them). */
    public Set<String> topicNames() {
        Set<String> names = new LinkedHashSet<>();
        subscriptions.values().forEach(ts -> ts.stream().filter(t -> t.pattern().isEmpty())
                .forEach(t -> names.add(t.name())));
        return Collections.unmodifiableSet(names);
    }

    /**
     * The definition that consumes {@code name}: a declaration by that name first, else the first pattern that
     * matches it, in declaration order (when several consumer groups declare it, the first group's).
     */
    public Optional<TopicDefinition<?, ?>> topic(String name) {
        Optional<TopicDefinition<?, ?>> explicit = subscriptions.values().stream().flatMap(List::stream)
                .filter(t -> t.pattern().isEmpty() && t.name().equals(name)).findFirst();
        if (explicit.isPresent()) {
            return explicit;
        }
        return subscriptions.values().stream().flatMap(List::stream)
                .filter(t -> t.pattern().isPresent() && t.covers(name)).findFirst();
    }

    /** Every definition that covers {@code name} (by name or pattern), in declaration order. */
    public List<TopicDefinition<?, ?>> covering(String name) {
        return subscriptions.values().stream().flatMap(List::stream).filter(t -> t.covers(name)).toList();
    }

    /** The subscriptions, each run by consumer instances of its own; one (the default) unless groups are declared. */
    public List<Subscription> subscriptions() {
        return List.copyOf(subscriptions.keySet());
    }

    /**
     * The topology of one subscription alone: what one set of consumer instances runs.
     *
     * @throws IllegalArgumentException when {@code subscription} is not one of {@link #subscriptions()}
     */
    public Topology select(Subscription subscription) {
        List<TopicDefinition<?, ?>> topics = subscriptions.get(subscription);
        if (topics == null) {
            throw new IllegalArgumentException(subscription + " is not a subscription of " + this);
        }
        return new Topology(Map.of(subscription, topics));
    }

    /**
     * A copy of this topology in which the settings of {@code topic} — every declaration of it by name, in every
     * consumer group and subscription group — are replaced by {@code change} applied to them, for settings that come
     * from outside the code (configuration properties: the backoff or the dead-letter queue per environment).
     * Everything else, this topology and its subscriptions included, is left as it is. The copy is checked as
     * {@link TopologyBuilder#build()} checks settings: non-retryable exceptions need a dead-letter queue, the
     * dead-letter topic must be a legal name other than the topic, {@code markAfterDispatch(false)} is refused on an
     * offset-managed topic, and a topic whose offsets a filter keeps stays manually marked.
     *
     * @param topic  a declared topic's name
     * @param change makes the new settings from the current ones; must not return null
     * @return the new topology
     * @throws IllegalArgumentException when {@code topic} is not declared by name
     * @throws TopologyException        when the new settings fail the checks above
     */
    public Topology withTopicSettings(String topic, java.util.function.UnaryOperator<TopicSettings> change) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(change, "change");
        if (subscriptions.values().stream().flatMap(List::stream)
                .noneMatch(t -> t.pattern().isEmpty() && t.name().equals(topic))) {
            throw new IllegalArgumentException("topic '" + topic + "' is not declared; declared: " + topicNames());
        }
        Map<Subscription, List<TopicDefinition<?, ?>>> copy = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        subscriptions.forEach((s, ts) -> copy.put(s, ts.stream().<TopicDefinition<?, ?>>map(t -> {
            if (!t.pattern().isEmpty() || !t.name().equals(topic)) {
                return t;
            }
            TopicSettings changed = Objects.requireNonNull(change.apply(t.settings()),
                    "the settings change returned null");
            if (t.offsetAuthority().isPresent()) {
                changed = changed.withMarking(MarkingMode.MANUAL);
            }
            problems.addAll(problems(topic, changed, t.offsetAuthority().isPresent()));
            return withSettings(t, changed);
        }).toList()));
        if (!problems.isEmpty()) {
            throw new TopologyException(problems.stream().distinct().toList());
        }
        return new Topology(copy);
    }

    private static List<String> problems(String topic, TopicSettings changed, boolean offsetManaged) {
        List<String> problems = new ArrayList<>();
        if (changed.deadLetterQueue().isEmpty() && !changed.nonRetryable().isEmpty()) {
            problems.add("topic '" + topic + "': non-retryable exceptions need a dead-letter queue to go to");
        }
        Optional<String> destination = changed.deadLetterQueue().flatMap(DeadLetterQueue::destination);
        if (destination.filter(topic::equals).isPresent()) {
            problems.add("topic '" + topic + "': the dead-letter topic is the topic itself; name another topic");
        }
        destination.flatMap(TopicNames::problem).ifPresent(p -> problems.add(
                "topic '" + topic + "': illegal dead-letter topic name: " + p));
        if (offsetManaged && changed.deadLetterQueue().flatMap(DeadLetterQueue::markAfterDispatch)
                .equals(Optional.of(false))) {
            problems.add("topic '" + topic + "': markAfterDispatch(false) on an offset-managed topic: its stored"
                    + " offset moves past a dead letter anyway");
        }
        return problems;
    }

    private static <K, V> TopicDefinition<K, V> withSettings(TopicDefinition<K, V> t, TopicSettings settings) {
        return new TopicDefinition<>(t.name(), t.keyDeserializer(), t.valueDeserializer(), t.consumerFactory(),
                t.filters(), settings, t.offsetAuthority(), t.pattern());
    }

    @Override
    public String toString() {
        if (subscriptions.size() == 1 && subscriptions.keySet().iterator().next().isDefault()) {
            return "Topology" + topicNames();
        }
        StringBuilder s = new StringBuilder("Topology{");
        String sep = "";
        for (Subscription sub : subscriptions.keySet()) {
            s.append(sep).append(sub.group().orElse("(runtime's group)")).append('/').append(sub.name())
                    .append(sub.topics());
            sep = ", ";
        }
        return s.append('}').toString();
    }
}
