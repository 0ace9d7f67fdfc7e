package io.sluice.dsl;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The builder behind {@link Sluice#topology()}. Collects declarations without failing early, so that
 * {@link #build()} can report every problem at once.
 */
final class TopologyDeclaration implements TopologyBuilder {

    private final List<UnaryOperator<TopicSettings>> defaults = new ArrayList<>();
    private final List<String> defaultsProblems = new ArrayList<>();
    private final List<TopicDeclaration<?, ?>> topics = new ArrayList<>();
    private final List<String> structureProblems = new ArrayList<>();
    /** Where topics declared now go: the consumer group and subscription group of the block being run. */
    private Scope current = Scope.DEFAULT;
    private boolean inGroup;
    private boolean inSubscription;

    /** A consumer group (empty: the runtime's) and a subscription group with its Kafka properties. */
    private record Scope(Optional<String> group, String subscription, Map<String, String> kafka) {
        static final Scope DEFAULT = new Scope(Optional.empty(), Subscription.DEFAULT, Map.of());

        String describe() {
            return group.map(g -> "group '" + g + "'").orElse("the runtime's group")
                    + (subscription.equals(Subscription.DEFAULT) ? "" : ", subscription group '" + subscription + "'");
        }
    }

    @Override
    public TopologyBuilder defaults(java.util.function.Consumer<Defaults> block) {
        Objects.requireNonNull(block, "defaults block");
        SettingsRecorder recorder = new SettingsRecorder();
        block.accept(recorder);
        defaults.addAll(recorder.changes);
        defaultsProblems.addAll(recorder.problems);
        return this;
    }

    @Override
    public TopicStep<byte[], byte[]> topic(String name) {
        TopicDeclaration<byte[], byte[]> topic =
                new TopicDeclaration<>(name, current, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        topics.add(topic);
        return topic.step();
    }

    @Override
    public TopicStep<byte[], byte[]> topics(java.util.regex.Pattern pattern) {
        TopicDeclaration<byte[], byte[]> topic = new TopicDeclaration<>(pattern, current, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        topics.add(topic);
        return topic.step();
    }

    @Override
    public TopologyBuilder group(String groupId, java.util.function.Consumer<GroupBuilder> block) {
        Objects.requireNonNull(block, "group block");
        if (groupId == null || groupId.isBlank()) {
            structureProblems.add("a group needs a group.id, got " + (groupId == null ? "null" : "'" + groupId + "'"));
            return this;
        }
        if (inGroup || inSubscription) {
            structureProblems.add("group '" + groupId + "' is declared inside " + current.describe()
                    + "; groups do not nest");
            return this;
        }
        run(new Scope(Optional.of(groupId), Subscription.DEFAULT, Map.of()), true, false, block);
        return this;
    }

    @Override
    public TopologyBuilder subscriptionGroup(String name, Map<String, String> kafka,
                                             java.util.function.Consumer<GroupBuilder> block) {
        subscription(name, kafka, block);
        return this;
    }

    private void subscription(String name, Map<String, String> kafka,
                              java.util.function.Consumer<GroupBuilder> block) {
        Objects.requireNonNull(block, "subscription group block");
        if (name == null || !name.matches("[a-zA-Z0-9._-]+")) {
            structureProblems.add("subscription group name " + (name == null ? "null" : "'" + name + "'")
                    + " is illegal: use ASCII letters, digits, '.', '_' and '-'");
            return;
        }
        if (inSubscription) {
            structureProblems.add("subscription group '" + name + "' is declared inside " + current.describe()
                    + "; subscription groups do not nest");
            return;
        }
        if (kafka == null || kafka.entrySet().stream().anyMatch(e -> e.getKey() == null || e.getValue() == null)) {
            structureProblems.add("subscription group '" + name + "' needs Kafka properties without nulls");
            return;
        }
        if (kafka.containsKey("group.id")) {
            structureProblems.add("subscription group '" + name + "' sets group.id; declare a consumer group with"
                    + " .group(groupId, g -> ...) instead");
            return;
        }
        run(new Scope(current.group(), name, Map.copyOf(kafka)), inGroup, true, block);
    }

    /** Runs a block with {@code scope} as the place new topics go, then restores the outer one. */
    private void run(Scope scope, boolean group, boolean subscription,
                     java.util.function.Consumer<GroupBuilder> block) {
        Scope outer = current;
        boolean outerGroup = inGroup;
        boolean outerSubscription = inSubscription;
        current = scope;
        inGroup = group;
        inSubscription = subscription;
        try {
            block.accept(new GroupBuilder() {
                @Override
                public TopicStep<byte[], byte[]> topic(String name) {
                    return TopologyDeclaration.this.topic(name);
                }

                @Override
                public TopicStep<byte[], byte[]> topics(java.util.regex.Pattern pattern) {
                    return TopologyDeclaration.this.topics(pattern);
                }

                @Override
                public GroupBuilder subscriptionGroup(String name, Map<String, String> kafka,
                                                      java.util.function.Consumer<GroupBuilder> topics) {
                    subscription(name, kafka, topics);
                    return this;
                }
            });
        } finally {
            current = outer;
            inGroup = outerGroup;
            inSubscription = outerSubscription;
        }
    }

    @Override
    public Topology build() {
        List<String> problems = new ArrayList<>(structureProblems);
        if (inGroup || inSubscription) {
            problems.add("build() was called inside a group or subscription group block; call it after the block");
        }
        if (topics.isEmpty()) {
            problems.add("no topics are declared; declare at least one with .topic(name).consumer(...)");
        }
        for (String p : defaultsProblems) {
            problems.add("defaults: " + p);
        }
        TopicSettings base = TopicSettings.DEFAULTS;
        for (UnaryOperator<TopicSettings> change : defaults) {
            base = change.apply(base);
        }
        Map<String, Integer> seen = new LinkedHashMap<>();
        Map<List<Object>, Map<String, String>> kafkaOf = new LinkedHashMap<>();
        Map<Subscription, List<TopicDefinition<?, ?>>> subscriptions = new LinkedHashMap<>();
        Map<List<Object>, List<TopicDefinition<?, ?>>> definitions = new LinkedHashMap<>();
        Map<List<Object>, List<String>> names = new LinkedHashMap<>();
        Map<List<Object>, List<String>> patterns = new LinkedHashMap<>();
        Map<List<Object>, Scope> scopes = new LinkedHashMap<>();
        for (TopicDeclaration<?, ?> topic : topics) {
            String label = topic.label();
            // a topic is declared once per consumer group; two groups may each consume all of it
            if (seen.merge(topic.scope.group().orElse("") + "\u0000" + topic.name, 1, Integer::sum) == 2) {
                problems.add(label + ": declared more than once; declare each topic once with all its filters");
            }
            List<Object> key = List.of(topic.scope.group(), topic.scope.subscription());
            Map<String, String> kafka = kafkaOf.putIfAbsent(key, topic.scope.kafka());
            if (kafka != null && !kafka.equals(topic.scope.kafka())) {
                problems.add(label + ": " + topic.scope.describe() + " is declared again with other Kafka"
                        + " properties; declare each subscription group's properties once");
            }
            scopes.putIfAbsent(key, topic.scope);
            if (topic.pattern == null) {
                names.computeIfAbsent(key, k -> new ArrayList<>()).add(String.valueOf(topic.name));
            } else {
                patterns.computeIfAbsent(key, k -> new ArrayList<>()).add(topic.name);
            }
            List<TopicDefinition<?, ?>> scoped = definitions.computeIfAbsent(key, k -> new ArrayList<>());
            topic.validate(base, problems).ifPresent(scoped::add);
        }
        scopes.forEach((key, scope) -> subscriptions.put(new Subscription(scope.group(), scope.subscription(),
                scope.kafka(), names.getOrDefault(key, List.of()), patterns.getOrDefault(key, List.of())),
                definitions.get(key)));
        // a pattern must not read the topology's own output: its dead-letter topics
        List<String> deadLetterTopics = definitions.values().stream().flatMap(List::stream)
                .flatMap(t -> t.settings().deadLetterQueue().flatMap(DeadLetterQueue::destination).stream())
                .distinct().toList();
        for (TopicDeclaration<?, ?> topic : topics) {
            if (topic.pattern != null) {
                for (String dlq : deadLetterTopics) {
                    if (topic.pattern.matcher(dlq).matches()) {
                        problems.add(topic.label() + ": the pattern matches the dead-letter topic '" + dlq
                                + "', so dead letters would be consumed again; narrow the pattern");
                    }
                }
                // the subscriptions of one consumer group share its Kafka group: a topic two of them subscribe to
                // has its partitions split between their consumers, each with its own declaration
                for (TopicDeclaration<?, ?> named : topics) {
                    if (named.pattern == null && named.scope.group().equals(topic.scope.group())
                            && !named.scope.subscription().equals(topic.scope.subscription())
                            && topic.pattern.matcher(named.name).matches()) {
                        problems.add(topic.label() + ": the pattern matches the topic '" + named.name + "', which"
                                + " another subscription of " + topic.scope.group().map(g -> "group '" + g + "'")
                                .orElse("the runtime's group") + " subscribes to; the group would split its"
                                + " partitions between the two declarations; narrow the pattern or declare both in"
                                + " one subscription group");
                    }
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new TopologyException(problems);
        }
        return new Topology(subscriptions);
    }

    /** Records settings changes as functions, so topic changes apply on top of defaults declared later. */
    private static class SettingsRecorder implements Defaults {
        final List<UnaryOperator<TopicSettings>> changes = new ArrayList<>();
        final List<String> problems = new ArrayList<>();

        @Override
        public Defaults backoff(Duration initial, Duration max) {
            try {
                return backoff(Backoff.exponential(initial, max));
            } catch (RuntimeException e) {
                problems.add("backoff: " + e.getMessage());
                return this;
            }
        }

        @Override
        public Defaults backoff(Backoff backoff) {
            if (backoff == null) {
                problems.add("backoff is null");
            } else {
                changes.add(s -> s.withBackoff(backoff));
            }
            return this;
        }

        @Override
        public Defaults manualMarking() {
            changes.add(s -> s.withMarking(MarkingMode.MANUAL));
            return this;
        }

        @Override
        public Defaults deadLetterQueue(String topic, int maxRetries) {
            Optional<String> nameProblem = TopicNames.problem(topic);
            if (nameProblem.isPresent()) {
                problems.add("dead-letter topic '" + topic + "' is illegal: " + nameProblem.get());
            } else if (maxRetries < 0) {
                problems.add("dead-letter maxRetries must be >= 0, was " + maxRetries);
            } else {
                DeadLetterQueue dlq = new DeadLetterQueue(topic, maxRetries);
                changes.add(s -> s.withDeadLetterQueue(Optional.of(dlq)));
            }
            return this;
        }

        @Override
        public Defaults deadLetterQueue(DeadLetterQueue queue) {
            if (queue == null) {
                problems.add("deadLetterQueue is null");
                return this;
            }
            Optional<String> nameProblem = queue.destination().flatMap(TopicNames::problem);
            if (nameProblem.isPresent()) {
                problems.add("dead-letter topic '" + queue.topic() + "' is illegal: " + nameProblem.get());
            } else {
                changes.add(s -> s.withDeadLetterQueue(Optional.of(queue)));
            }
            return this;
        }

        @Override
        public Defaults nonRetryable(List<Class<? extends Throwable>> types) {
            // List.of(...).contains(null) throws, so look for null elements by hand
            if (types == null || types.stream().anyMatch(Objects::isNull)) {
                problems.add("nonRetryable needs exception classes, got null");
            } else {
                List<Class<? extends Throwable>> copy = List.copyOf(types);
                changes.add(s -> s.withNonRetryable(copy));
            }
            return this;
        }

        @Override
        public Defaults infrastructureRetryLimit(int limit) {
            if (limit < 0) {
                problems.add("infrastructureRetryLimit must be >= 0, was " + limit);
            } else {
                changes.add(s -> s.withInfrastructureRetryLimit(java.util.OptionalInt.of(limit)));
            }
            return this;
        }

        @Override
        public Defaults initialOffset(InitialOffset where) {
            if (where == null) {
                problems.add("initialOffset is null");
            } else {
                changes.add(s -> s.withInitialOffset(Optional.of(where)));
            }
            return this;
        }

        @Override
        public Defaults kafkaTransactions() {
            changes.add(s -> s.withKafkaTransactions(true));
            return this;
        }

        @Override
        public Defaults onOffsetOutOfRange(OffsetOutOfRangePolicy policy) {
            if (policy == null) {
                problems.add("onOffsetOutOfRange policy is null");
            } else {
                changes.add(s -> s.withOnOffsetOutOfRange(policy));
            }
            return this;
        }
    }

    /** One topic being declared. Its steps share this state; the type parameters move with deserializers. */
    private final class TopicDeclaration<K, V> {
        final String name;
        final java.util.regex.Pattern pattern;
        final Scope scope;
        Deserializer<?> keyDeserializer;
        Deserializer<?> valueDeserializer;
        Supplier<?> consumerFactory;
        boolean consumerDeclared;
        final List<FilterFactory<?, ?>> filters = new ArrayList<>();
        final SettingsRecorder settings = new SettingsRecorder();

        TopicDeclaration(String name, Scope scope, Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer) {
            this(name, null, scope, keyDeserializer, valueDeserializer);
        }

        TopicDeclaration(java.util.regex.Pattern pattern, Scope scope, Deserializer<K> keyDeserializer,
                         Deserializer<V> valueDeserializer) {
            this(pattern == null ? null : pattern.pattern(), pattern, scope, keyDeserializer, valueDeserializer);
        }

        private TopicDeclaration(String name, java.util.regex.Pattern pattern, Scope scope,
                                 Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer) {
            this.name = name;
            this.pattern = pattern;
            this.scope = scope;
            this.keyDeserializer = keyDeserializer;
            this.valueDeserializer = valueDeserializer;
        }

        String label() {
            return (pattern == null ? "topic '" : "topics matching '") + name + "'" + (scope.equals(Scope.DEFAULT) ? "" : " (" + scope.describe() + ")");
        }

        TopicStep<K, V> step() {
            return new Step<>();
        }

        /** Checks this topic and, when it is sound, makes its definition. */
        @SuppressWarnings({"unchecked", "rawtypes"})
        Optional<TopicDefinition<?, ?>> validate(TopicSettings base, List<String> problems) {
            int before = problems.size();
            String label = label();
            // checked here, after 'before', so a topic with an illegal (or null) name never gets a definition
            if (pattern == null) {
                TopicNames.problem(name).ifPresent(p -> problems.add(label + ": illegal topic name: " + p));
            } else {
                TopicPatterns.problems(pattern).forEach(p -> problems.add(label + ": " + p));
            }
            if (!consumerDeclared) {
                problems.add(label + ": has no consumer; declare one with .consumer(...)");
            } else if (consumerFactory == null) {
                problems.add(label + ": the consumer factory is null");
            }
            if (keyDeserializer == null) {
                problems.add(label + ": the key deserializer is null");
            }
            if (valueDeserializer == null) {
                problems.add(label + ": the value deserializer is null");
            }
            Optional<OffsetAuthority> authority = Optional.empty();
            for (int i = 0; i < filters.size(); i++) {
                FilterFactory<?, ?> f = filters.get(i);
                if (f == null) {
                    problems.add(label + ": filter #" + (i + 1) + " is null");
                    continue;
                }
                if (f.firstInChain() && i > 0) {
                    problems.add(label + ": filter '" + f.describe() + "' must be first in the chain but is #"
                            + (i + 1) + "; declare it before the other filters");
                }
                Optional<OffsetAuthority> own = f.offsetAuthority();
                if (own.isPresent()) {
                    if (authority.isPresent()) {
                        problems.add(label + ": more than one filter keeps the topic's offsets ('"
                                + f.describe() + "' is #" + (i + 1) + "); keep one");
                    }
                    authority = own;
                }
            }
            for (String p : settings.problems) {
                problems.add(label + ": " + p);
            }
            TopicSettings effective = base;
            for (UnaryOperator<TopicSettings> change : settings.changes) {
                effective = change.apply(effective);
            }
            if (authority.isPresent()) {
                // the offset store is the truth: only committed transactions may mark
                effective = effective.withMarking(MarkingMode.MANUAL);
            }
            Optional<DeadLetterQueue> dlq = effective.deadLetterQueue();
            if (dlq.isEmpty() && !effective.nonRetryable().isEmpty()) {
                problems.add(label + ": non-retryable exceptions need a dead-letter queue to go to; declare "
                        + ".deadLetterQueue(topic, maxRetries) or drop .nonRetryable(...)");
            }
            if (dlq.isPresent() && dlq.get().destination().filter(name::equals).isPresent()) {
                problems.add(label + ": the dead-letter topic is the topic itself; name another topic");
            }
            if (authority.isPresent() && dlq.isPresent() && dlq.get().markAfterDispatch().equals(Optional.of(false))) {
                problems.add(label + ": markAfterDispatch(false) on an offset-managed topic: its stored offset moves"
                        + " past every dead letter (through the offset authority), so Kafka's mark must follow it;"
                        + " drop markAfterDispatch(false)");
            }
            if (authority.isPresent() && effective.virtualPartitions().isPresent()
                    && !(authority.get() instanceof VirtualOffsetAuthority)) {
                problems.add(label + ": virtual partitions need an offset store that keeps virtual partitions"
                        + " (a VirtualOffsetAuthority, such as PartitionOffsets); this topic's keeps only partitions");
            }
            if (effective.kafkaTransactions()) {
                if (authority.isPresent()) {
                    problems.add(label + ": kafkaTransactions() with an offset manager ('"
                            + authority.get().getClass().getSimpleName() + "'): the offsets would have two sources of"
                            + " truth, the database row and the group's transactionally committed offset; keep one");
                }
                if (dlq.isPresent() && dlq.get().markAfterDispatch().equals(Optional.of(false))) {
                    problems.add(label + ": markAfterDispatch(false) with kafkaTransactions(): a dead letter is sent"
                            + " in a Kafka transaction together with the offset past it; drop markAfterDispatch(false)");
                }
                if (effective.virtualPartitions().isPresent()) {
                    problems.add(label + ": kafkaTransactions() with virtualPartitions(): one committed offset"
                            + " cannot protect outputs sent above the lowest offset not yet done; drop one of them");
                }
            }
            if (problems.size() > before) {
                return Optional.empty();
            }
            return Optional.of(new TopicDefinition(name, keyDeserializer, valueDeserializer, consumerFactory,
                    filters, effective, authority, Optional.ofNullable(pattern)));
        }

        /** One step of the grammar; each step is used once, so a stale reference cannot retype the topic. */
        private final class Step<SK, SV> implements TopicStep<SK, SV> {
            private boolean used;

            private void use(String what) {
                if (used) {
                    throw new IllegalStateException(label() + ": this step was already used; call " + what
                            + " on the step the previous call returned");
                }
                used = true;
            }

            @Override
            public <K2, V2> TopicStep<K2, V2> deserializers(Deserializer<K2> key, Deserializer<V2> value) {
                use("deserializers(...)");
                keyDeserializer = key;
                valueDeserializer = value;
                return new Step<>();
            }

            @Override
            public TopicBuilder<SK, SV> consumer(Supplier<? extends Consumer<SK, SV>> factory) {
                use("consumer(...)");
                consumerDeclared = true;
                consumerFactory = factory;
                return new Builder<>();
            }
        }

        private final class Builder<BK, BV> implements TopicBuilder<BK, BV> {
            @Override
            public TopicBuilder<BK, BV> filter(FilterFactory<? super BK, ? super BV> factory) {
                filters.add(factory);
                return this;
            }

            @Override
            public TopicBuilder<BK, BV> throttle(int limit, Duration interval) {
                return builtIn("throttle(" + limit + ", " + interval + ")", b -> b.throttle(limit, interval));
            }

            @Override
            public TopicBuilder<BK, BV> delayBy(Duration delay) {
                return builtIn("delayBy(" + delay + ")", b -> b.delayBy(delay));
            }

            @Override
            public TopicBuilder<BK, BV> expireAfter(Duration ttl) {
                return builtIn("expireAfter(" + ttl + ")", b -> b.expireAfter(ttl));
            }

            @Override
            public TopicBuilder<BK, BV> keepIf(Predicate<? super Message<BK, BV>> predicate) {
                if (predicate == null) {
                    settings.problems.add("keepIf needs a predicate, got null");
                    return this;
                }
                return builtIn("keepIf", b -> b.<BK, BV>keepIf(predicate));
            }

            @Override
            public TopicBuilder<BK, BV> dropIf(Predicate<? super Message<BK, BV>> predicate) {
                if (predicate == null) {
                    settings.problems.add("dropIf needs a predicate, got null");
                    return this;
                }
                return builtIn("dropIf", b -> b.<BK, BV>dropIf(predicate));
            }

            /** Adds a built-in filter; a bad argument or a missing module becomes a problem for build(). */
            private TopicBuilder<BK, BV> builtIn(String what, Function<BuiltInFilters, FilterFactory<?, ?>> make) {
                try {
                    filters.add(make.apply(BuiltInFilters.provider()));
                } catch (RuntimeException e) {
                    settings.problems.add(what + ": " + e.getMessage());
                }
                return this;
            }

            @Override
            public TopicBuilder<BK, BV> backoff(Duration initial, Duration max) {
                settings.backoff(initial, max);
                return this;
            }

            @Override
            public TopicBuilder<BK, BV> backoff(Backoff backoff) {
                settings.backoff(backoff);
                return this;
            }

            @Override
            public TopicBuilder<BK, BV> manualMarking() {
                settings.manualMarking();
                return this;
            }

            @Override
            public TopicBuilder<BK, BV> deadLetterQueue(String topic, int maxRetries) {
                settings.deadLetterQueue(topic, maxRetries);
                return this;
            }

            @Override
            public TopicBuilder<BK, BV> deadLetterQueue(DeadLetterQueue queue) {
                settings.deadLetterQueue(queue);
                return this;
            }

            @Override
            public TopicBuilder<BK, BV> nonRetryable(List<Class<? extends Throwable>> types) {
                settings.nonRetryable(types);
                return this;
            }

            @Override
            public TopicBuilder<BK, BV> infrastructureRetryLimit(int limit) {
                settings.infrastructureRetryLimit(limit);
                return this;
            }

            @Override
            public TopicBuilder<BK, BV> initialOffset(InitialOffset where) {
                settings.initialOffset(where);
                return this;
            }

            @Override
            public TopicBuilder<BK, BV> kafkaTransactions() {
                settings.kafkaTransactions();
                return this;
            }

            @Override
            public TopicBuilder<BK, BV> onOffsetOutOfRange(OffsetOutOfRangePolicy policy) {
                settings.onOffsetOutOfRange(policy);
                return this;
            }

            @Override
            public TopicBuilder<BK, BV> virtualPartitions(int count) {
                return virtualPartitions(count, VirtualPartitioner.murmur2());
            }

            @Override
            public TopicBuilder<BK, BV> virtualPartitions(int count, VirtualPartitioner partitioner) {
                if (count < 1 || count > VirtualPartitions.MAX_COUNT) {
                    settings.problems.add("virtualPartitions must be 1.." + VirtualPartitions.MAX_COUNT + ", was "
                            + count);
                    return this;
                }
                try {
                    return virtualPartitions(new VirtualPartitions(count, partitioner,
                            VirtualPartitions.DEFAULT_MAX_IN_FLIGHT));
                } catch (RuntimeException e) {
                    settings.problems.add("virtualPartitions: " + e.getMessage());
                    return this;
                }
            }

            @Override
            public TopicBuilder<BK, BV> virtualPartitions(VirtualPartitions value) {
                if (value == null) {
                    settings.problems.add("virtualPartitions is null");
                } else {
                    settings.changes.add(s -> s.withVirtualPartitions(Optional.of(value)));
                }
                return this;
            }

            @Override
            public TopologyBuilder defaults(java.util.function.Consumer<Defaults> block) {
                return TopologyDeclaration.this.defaults(block);
            }

            @Override
            public TopicStep<byte[], byte[]> topic(String next) {
                return TopologyDeclaration.this.topic(next);
            }

            @Override
            public TopicStep<byte[], byte[]> topics(java.util.regex.Pattern next) {
                return TopologyDeclaration.this.topics(next);
            }

            @Override
            public TopologyBuilder group(String groupId, java.util.function.Consumer<GroupBuilder> block) {
                return TopologyDeclaration.this.group(groupId, block);
            }

            @Override
            public TopologyBuilder subscriptionGroup(String name, Map<String, String> kafka,
                                                     java.util.function.Consumer<GroupBuilder> block) {
                return TopologyDeclaration.this.subscriptionGroup(name, kafka, block);
            }

            @Override
            public Topology build() {
                return TopologyDeclaration.this.build();
            }
        }
    }
}
