package io.sluice.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

class TopologyBuilderTest {

    private static final TopicPartition ORDERS_0 = new TopicPartition("orders", 0);

    // ---- validation: one test per rule, each asserting the exact problem and that it names the topic ----

    @Test
    void rejectsATopologyWithoutTopics() {
        TopologyException e = rejected(Sluice.topology());

        assertEquals(List.of("no topics are declared; declare at least one with .topic(name).consumer(...)"),
                e.problems());
        assertEquals("invalid topology (1 problem):\n"
                + "  - no topics are declared; declare at least one with .topic(name).consumer(...)", e.getMessage());
    }

    @Test
    void rejectsATopicWithoutAConsumer() {
        TopologyBuilder builder = Sluice.topology();
        builder.topic("orders"); // the step offers only deserializers and consumer: never calling it is the only way
        builder.topic("payments").consumer(NoopConsumer::new);

        TopologyException e = rejected(builder);

        assertEquals(List.of("topic 'orders': has no consumer; declare one with .consumer(...)"), e.problems());
        assertTrue(e.getMessage().contains("topic 'orders': has no consumer"), e.getMessage());
    }

    @Test
    void rejectsATopicWithDeserializersButNoConsumer() {
        TopologyBuilder builder = Sluice.topology();
        builder.topic("orders").deserializers(new StringDeserializer(), new StringDeserializer());

        assertEquals(List.of("topic 'orders': has no consumer; declare one with .consumer(...)"),
                rejected(builder).problems());
    }

    @Test
    void rejectsATopicDeclaredTwice() {
        TopologyBuilder builder = Sluice.topology()
                .topic("orders").consumer(NoopConsumer::new)
                .topic("payments").consumer(NoopConsumer::new)
                .topic("orders").consumer(NoopConsumer::new)
                .topic("orders").consumer(NoopConsumer::new);

        // reported once, however often the topic repeats
        assertEquals(List.of("topic 'orders': declared more than once; declare each topic once with all its filters"),
                rejected(builder).problems());
    }

    @Test
    void rejectsAnEmptyTopicName() {
        assertEquals(List.of("topic '': illegal topic name: the name is empty"), problemsOfTopicNamed(""));
    }

    @Test
    void rejectsDotAsTopicName() {
        assertEquals(List.of("topic '.': illegal topic name: '.' is not allowed as a topic name"),
                problemsOfTopicNamed("."));
    }

    @Test
    void rejectsDotDotAsTopicName() {
        assertEquals(List.of("topic '..': illegal topic name: '..' is not allowed as a topic name"),
                problemsOfTopicNamed(".."));
    }

    @Test
    void rejectsATopicNameOf250Characters() {
        String name = "a".repeat(250);

        assertEquals(List.of("topic '" + name + "': illegal topic name: the name is 250 characters long; "
                + "Kafka allows at most 249"), problemsOfTopicNamed(name));
    }

    @Test
    void acceptsATopicNameOf249CharactersAndEveryLegalCharacter() {
        String longest = "a".repeat(249);
        String allKinds = "Orders.v2_EU-west";

        Topology topology = Sluice.topology()
                .topic(longest).consumer(NoopConsumer::new)
                .topic(allKinds).consumer(NoopConsumer::new)
                .build();

        assertEquals(List.of(longest, allKinds), List.copyOf(topology.topicNames()));
    }

    @Test
    void rejectsATopicNameWithACharacterOutsideTheLegalSet() {
        for (String name : List.of("orders events", "orders/eu", "orders:1", "bestellungen-ä", "orders\n")) {
            assertEquals(List.of("topic '" + name + "': illegal topic name: "
                    + "the name may contain only ASCII letters, digits, '.', '_' and '-'"), problemsOfTopicNamed(name),
                    name);
        }
    }

    @Test
    void rejectsANullTopicName() {
        assertEquals(List.of("topic 'null': illegal topic name: the name is null"), problemsOfTopicNamed(null));
    }

    @Test
    void rejectsANullConsumerFactory() {
        TopologyBuilder builder = Sluice.topology().topic("orders").consumer(null);

        assertEquals(List.of("topic 'orders': the consumer factory is null"), rejected(builder).problems());
    }

    @Test
    void rejectsNullDeserializers() {
        TopologyBuilder builder = Sluice.topology()
                .topic("orders").deserializers((StringDeserializer) null, (StringDeserializer) null)
                .consumer(() -> (batch, context) -> { });

        assertEquals(List.of("topic 'orders': the key deserializer is null",
                "topic 'orders': the value deserializer is null"), rejected(builder).problems());
    }

    @Test
    void rejectsANullFilterFactoryNamingItsPosition() {
        TopologyBuilder builder = Sluice.topology()
                .topic("orders").consumer(NoopConsumer::new)
                .filter(PassFilter::new)
                .filter(null);

        assertEquals(List.of("topic 'orders': filter #2 is null"), rejected(builder).problems());
    }

    @Test
    void rejectsAFirstInChainFilterThatIsNotFirst() {
        TopologyBuilder builder = Sluice.topology()
                .topic("orders").consumer(NoopConsumer::new)
                .filter(PassFilter::new)
                .filter(new FirstInChain());

        assertEquals(List.of("topic 'orders': filter 'FirstInChain' must be first in the chain but is #2; "
                + "declare it before the other filters"), rejected(builder).problems());
    }

    @Test
    void anAnonymousFirstInChainFilterIsNamedByItsClass() {
        FilterFactory<Object, Object> anonymous = new FilterFactory<>() {
            @Override
            public Filter<Object, Object> create(TopicPartition topicPartition) {
                return (batch, context) -> Verdict.notApplied();
            }

            @Override
            public boolean firstInChain() {
                return true;
            }
        };
        TopologyBuilder builder = Sluice.topology()
                .topic("orders").consumer(NoopConsumer::new).filter(PassFilter::new).filter(anonymous);

        assertEquals(List.of("topic 'orders': filter '" + anonymous.getClass().getName()
                + "' must be first in the chain but is #2; declare it before the other filters"),
                rejected(builder).problems());
    }

    @Test
    void acceptsAFirstInChainFilterThatIsFirst() {
        Topology topology = Sluice.topology()
                .topic("orders").consumer(NoopConsumer::new)
                .filter(new FirstInChain())
                .filter(PassFilter::new)
                .build();

        assertEquals(2, topology.topic("orders").orElseThrow().filters().size());
    }

    private static final OffsetAuthority NO_AUTHORITY = new OffsetAuthority() {
        @Override
        public java.util.OptionalLong read(String group, org.apache.kafka.common.TopicPartition tp) {
            return java.util.OptionalLong.empty();
        }

        @Override
        public void advance(String group, org.apache.kafka.common.TopicPartition tp, long next) {
        }
    };

    @Test
    void rejectsTwoOffsetAuthorityFilters() {
        TopologyBuilder builder = Sluice.topology()
                .topic("orders").consumer(NoopConsumer::new)
                .filter(new KeepsOffsets(NO_AUTHORITY))
                .filter(PassFilter::new)
                .filter(new KeepsOffsets(NO_AUTHORITY));

        assertEquals(List.of("topic 'orders': more than one filter keeps the topic's offsets "
                + "('KeepsOffsets' is #3); keep one"), rejected(builder).problems());
    }

    @Test
    void rejectsAnIllegalDeadLetterTopic() {
        TopologyBuilder builder = Sluice.topology()
                .topic("orders").consumer(NoopConsumer::new).deadLetterQueue("orders dlq", 3);

        assertEquals(List.of("topic 'orders': dead-letter topic 'orders dlq' is illegal: "
                + "the name may contain only ASCII letters, digits, '.', '_' and '-'"), rejected(builder).problems());
    }

    @Test
    void rejectsMarkAfterDispatchOffOnAnOffsetManagedTopicNamingIt() {
        TopologyBuilder builder = Sluice.topology()
                .defaults(d -> d.deadLetterQueue(DeadLetterQueue.to("all.dlq", 1).markAfterDispatch(false)))
                .topic("orders").consumer(NoopConsumer::new).filter(new KeepsOffsets(NO_AUTHORITY))
                .topic("payments").consumer(NoopConsumer::new);

        assertEquals(List.of("topic 'orders': markAfterDispatch(false) on an offset-managed topic: its stored offset"
                + " moves past every dead letter (through the offset authority), so Kafka's mark must follow it;"
                + " drop markAfterDispatch(false)"), rejected(builder).problems());
    }

    @Test
    void theDeadLetterOptionsReachTheTopicsSettings() {
        Topology topology = Sluice.topology()
                .topic("orders").consumer(NoopConsumer::new).filter(new KeepsOffsets(NO_AUTHORITY))
                .deadLetterQueue(DeadLetterQueue.discard(2))
                .topic("secrets").consumer(NoopConsumer::new).manualMarking()
                .deadLetterQueue(DeadLetterQueue.to("secrets.dlq", 0).withoutErrorDetails())
                .build();

        DeadLetterQueue orders = topology.topic("orders").orElseThrow().settings().deadLetterQueue().orElseThrow();
        assertTrue(orders.discards());
        assertEquals(2, orders.maxRetries());
        assertTrue(orders.marksAfterDispatch(MarkingMode.MANUAL, true), "on by default when offset-managed");
        DeadLetterQueue secrets = topology.topic("secrets").orElseThrow().settings().deadLetterQueue().orElseThrow();
        assertEquals("secrets.dlq", secrets.topic());
        assertFalse(secrets.errorDetails());
        assertFalse(secrets.marksAfterDispatch(MarkingMode.MANUAL, false), "off by default under manual marking");
        assertTrue(secrets.marksAfterDispatch(MarkingMode.AUTOMATIC, false), "on by default under automatic");
        assertThrows(IllegalStateException.class, orders::topic);
    }

    @Test
    void rejectsAnIllegalDeadLetterTopicGivenAsAQueue() {
        TopologyBuilder builder = Sluice.topology()
                .topic("orders").consumer(NoopConsumer::new).deadLetterQueue(DeadLetterQueue.to("orders dlq", 3));

        assertEquals(List.of("topic 'orders': dead-letter topic 'orders dlq' is illegal: "
                + "the name may contain only ASCII letters, digits, '.', '_' and '-'"), rejected(builder).problems());
    }

    @Test
    void rejectsANegativeDeadLetterRetryCount() {
        TopologyBuilder builder = Sluice.topology()
                .topic("orders").consumer(NoopConsumer::new).deadLetterQueue("orders.dlq", -1);

        assertEquals(List.of("topic 'orders': dead-letter maxRetries must be >= 0, was -1"),
                rejected(builder).problems());
    }

    @Test
    void rejectsADeadLetterTopicEqualToTheTopic() {
        TopologyBuilder builder = Sluice.topology()
                .topic("orders").consumer(NoopConsumer::new).deadLetterQueue("orders", 3);

        assertEquals(List.of("topic 'orders': the dead-letter topic is the topic itself; name another topic"),
                rejected(builder).problems());
    }

    @Test
    void rejectsADefaultDeadLetterTopicEqualToADeclaredTopic() {
        TopologyBuilder builder = Sluice.topology()
                .defaults(d -> d.deadLetterQueue("dlq", 3))
                .topic("orders").consumer(NoopConsumer::new)
                .topic("dlq").consumer(NoopConsumer::new);

        assertEquals(List.of("topic 'dlq': the dead-letter topic is the topic itself; name another topic"),
                rejected(builder).problems());
    }

    @Test
    void rejectsABadTopicBackoffNamingTheTopic() {
        TopologyBuilder builder = Sluice.topology()
                .topic("orders").consumer(NoopConsumer::new).backoff(Duration.ofSeconds(10), Duration.ofSeconds(1));

        assertEquals(List.of("topic 'orders': backoff: backoff max PT1S is below initial PT10S"),
                rejected(builder).problems());
    }

    @Test
    void rejectsANullNonRetryableTypeNamingTheTopic() {
        List<Class<? extends Throwable>> types = new java.util.ArrayList<>();
        types.add(IllegalStateException.class);
        types.add(null);
        TopologyBuilder builder = Sluice.topology().topic("orders").consumer(NoopConsumer::new).nonRetryable(types);

        assertEquals(List.of("topic 'orders': nonRetryable needs exception classes, got null"),
                rejected(builder).problems());
    }

    @Test
    void acceptsAnImmutableNonRetryableList() {
        Topology topology = Sluice.topology()
                .topic("orders").consumer(NoopConsumer::new).deadLetterQueue("orders.dlq", 1).nonRetryable(List.of(IllegalStateException.class))
                .build();

        assertEquals(List.of(IllegalStateException.class),
                topology.topic("orders").orElseThrow().settings().nonRetryable());
    }

    @Test
    void reportsBadDefaultsAsDefaults() {
        TopologyBuilder builder = Sluice.topology()
                .defaults(d -> d.backoff(Duration.ofSeconds(10), Duration.ofSeconds(1))
                        .backoff((Backoff) null)
                        .deadLetterQueue("..", 1)
                        .deadLetterQueue("ok", -2)
                        .nonRetryable(null)
                        .onOffsetOutOfRange(null))
                .topic("orders").consumer(NoopConsumer::new);

        assertEquals(List.of(
                "defaults: backoff: backoff max PT1S is below initial PT10S",
                "defaults: backoff is null",
                "defaults: dead-letter topic '..' is illegal: '..' is not allowed as a topic name",
                "defaults: dead-letter maxRetries must be >= 0, was -2",
                "defaults: nonRetryable needs exception classes, got null",
                "defaults: onOffsetOutOfRange policy is null"), rejected(builder).problems());
    }

    @Test
    void reportsEveryProblemAtOnce() {
        TopologyBuilder builder = Sluice.topology()
                .defaults(d -> d.backoff(Duration.ofSeconds(0), Duration.ofSeconds(1)))
                .topic("orders").consumer(NoopConsumer::new)
                .filter(PassFilter::new)
                .filter(new FirstInChain())
                .topic("bad name").consumer(null)
                .topic("orders").consumer(NoopConsumer::new).deadLetterQueue("orders", 1);
        builder.topic("payments");

        TopologyException e = rejected(builder);

        List<String> expected = List.of(
                "defaults: backoff: backoff initial must be positive, was PT0S",
                "topic 'orders': filter 'FirstInChain' must be first in the chain but is #2; "
                        + "declare it before the other filters",
                "topic 'bad name': illegal topic name: "
                        + "the name may contain only ASCII letters, digits, '.', '_' and '-'",
                "topic 'bad name': the consumer factory is null",
                "topic 'orders': declared more than once; declare each topic once with all its filters",
                "topic 'orders': the dead-letter topic is the topic itself; name another topic",
                "topic 'payments': has no consumer; declare one with .consumer(...)");
        assertEquals(expected, e.problems());
        StringBuilder message = new StringBuilder("invalid topology (7 problems):");
        expected.forEach(p -> message.append("\n  - ").append(p));
        assertEquals(message.toString(), e.getMessage());
    }

    @Test
    void problemsOfTheExceptionAreUnmodifiable() {
        TopologyException e = rejected(Sluice.topology());

        assertThrows(UnsupportedOperationException.class, () -> e.problems().add("more"));
    }

    // ---- what a valid topology holds ----

    @Test
    void aConstructorReferenceFilterFactoryMakesAFilterPerPartition() {
        Topology topology = Sluice.topology()
                .topic("orders").consumer(NoopConsumer::new).filter(PassFilter::new)
                .build();
        FilterFactory<? super byte[], ? super byte[]> factory = filtersOf(topology, "orders").get(0);

        Filter<?, ?> first = factory.create(ORDERS_0);
        Filter<?, ?> second = factory.create(new TopicPartition("orders", 1));

        assertEquals(ORDERS_0, assertInstanceOf(PassFilter.class, first).topicPartition);
        assertEquals(new TopicPartition("orders", 1), assertInstanceOf(PassFilter.class, second).topicPartition);
        assertNotSame(first, second);
    }

    @Test
    void aConstructorReferenceToAFilterOfAnyTypeFitsATypedTopic() throws Exception {
        // a filter that never reads keys or values (as the offset manager) must fit every topic as ::new
        Topology topology = Sluice.topology()
                .topic("orders").deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> (batch, context) -> { })
                .filter(AnyTypeFilter::new)
                .build();

        Filter<?, ?> filter = filtersOf(topology, "orders").get(0).create(ORDERS_0);

        AnyTypeFilter created = assertInstanceOf(AnyTypeFilter.class, filter);
        assertEquals(ORDERS_0, created.topicPartition);
        assertEquals(Verdict.skip(), created.apply(stringBatch(5), null));
    }

    @Test
    void aLambdaFilterFactoryWorks() throws Exception {
        Topology topology = Sluice.topology()
                .topic("orders").deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> (batch, context) -> { })
                .filter(tp -> (batch, context) -> Verdict.seek(tp.partition() + 100L))
                .build();
        FilterFactory<? super String, ? super String> factory = filtersOf(topology, "orders").get(0);

        Verdict verdict = apply(factory.create(new TopicPartition("orders", 7)), stringBatch(3));

        assertEquals(Verdict.seek(107), verdict);
        assertEquals(Optional.empty(), topology.topic("orders").orElseThrow().offsetAuthority());
    }

    @Test
    void filtersKeepTheirDeclarationOrder() {
        FilterFactory<Object, Object> a = tp -> (batch, context) -> Verdict.skip();
        FilterFactory<Object, Object> b = tp -> (batch, context) -> Verdict.skip();
        FilterFactory<Object, Object> c = tp -> (batch, context) -> Verdict.skip();

        Topology topology = Sluice.topology()
                .topic("orders").consumer(NoopConsumer::new).filter(b).filter(a).filter(c)
                .build();

        assertEquals(List.of(b, a, c), filtersOf(topology, "orders"));
    }

    @Test
    void theConsumerFactoryMakesANewConsumerEachTime() {
        Topology topology = Sluice.topology().topic("orders").consumer(NoopConsumer::new).build();
        TopicDefinition<?, ?> orders = topology.topic("orders").orElseThrow();

        Consumer<?, ?> first = orders.newConsumer();
        Consumer<?, ?> second = orders.newConsumer();

        assertInstanceOf(NoopConsumer.class, first);
        assertNotSame(first, second);
    }

    @Test
    void aConsumerFactoryReturningNullFailsNamingTheTopic() {
        Topology topology = Sluice.topology().topic("orders").consumer(() -> null).build();
        TopicDefinition<?, ?> orders = topology.topic("orders").orElseThrow();

        NullPointerException e = assertThrows(NullPointerException.class, orders::newConsumer);
        assertEquals("the consumer factory of topic 'orders' returned null", e.getMessage());
    }

    @Test
    void keysAndValuesAreByteArraysUnlessDeserializersAreGiven() {
        StringDeserializer keys = new StringDeserializer();
        StringDeserializer values = new StringDeserializer();
        Topology topology = Sluice.topology()
                .topic("raw").consumer(NoopConsumer::new)
                .topic("text").deserializers(keys, values).consumer(() -> (batch, context) -> { })
                .build();

        TopicDefinition<?, ?> raw = topology.topic("raw").orElseThrow();
        TopicDefinition<?, ?> text = topology.topic("text").orElseThrow();
        assertInstanceOf(org.apache.kafka.common.serialization.ByteArrayDeserializer.class, raw.keyDeserializer());
        assertInstanceOf(org.apache.kafka.common.serialization.ByteArrayDeserializer.class, raw.valueDeserializer());
        assertSame(keys, text.keyDeserializer());
        assertSame(values, text.valueDeserializer());
    }

    @Test
    void anUndeclaredTopicIsAbsent() {
        Topology topology = Sluice.topology().topic("orders").consumer(NoopConsumer::new).build();

        assertEquals(Optional.empty(), topology.topic("payments"));
        assertEquals("Topology[orders]", topology.toString());
    }

    @Test
    void aTopicWithoutSettingsGetsTheBuiltInDefaults() {
        Topology topology = Sluice.topology().topic("orders").consumer(NoopConsumer::new).build();

        TopicSettings settings = topology.topic("orders").orElseThrow().settings();
        assertEquals(TopicSettings.DEFAULTS, settings);
        assertEquals(MarkingMode.AUTOMATIC, settings.marking());
        assertEquals(Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(30)), settings.backoff());
        assertEquals(Optional.empty(), settings.deadLetterQueue());
        assertEquals(List.of(), settings.nonRetryable());
        assertEquals(OffsetOutOfRangePolicy.FAIL, settings.onOffsetOutOfRange());
    }

    @Test
    void defaultsApplyToEveryTopic() {
        Topology topology = Sluice.topology()
                .defaults(d -> d.backoff(Duration.ofSeconds(2), Duration.ofSeconds(20))
                        .manualMarking()
                        .deadLetterQueue("everything.dlq", 5)
                        .nonRetryable(List.of(IllegalArgumentException.class))
                        .onOffsetOutOfRange(OffsetOutOfRangePolicy.RESET_TO_LOG_START))
                .topic("orders").consumer(NoopConsumer::new)
                .topic("payments").consumer(NoopConsumer::new)
                .build();

        TopicSettings expected = new TopicSettings(MarkingMode.MANUAL,
                Backoff.exponential(Duration.ofSeconds(2), Duration.ofSeconds(20)),
                Optional.of(new DeadLetterQueue("everything.dlq", 5)), List.of(IllegalArgumentException.class),
                OffsetOutOfRangePolicy.RESET_TO_LOG_START);
        assertEquals(expected, topology.topic("orders").orElseThrow().settings());
        assertEquals(expected, topology.topic("payments").orElseThrow().settings());
    }

    @Test
    void defaultsDeclaredAfterATopicStillApplyToIt() {
        Topology topology = Sluice.topology()
                .topic("orders").consumer(NoopConsumer::new)
                .defaults(d -> d.deadLetterQueue("late.dlq", 2))
                .build();

        assertEquals(Optional.of(new DeadLetterQueue("late.dlq", 2)),
                topology.topic("orders").orElseThrow().settings().deadLetterQueue());
    }

    @Test
    void aTopicsOwnSettingWinsOverDefaultsDeclaredBefore() {
        Topology topology = Sluice.topology()
                .defaults(d -> d.backoff(Duration.ofSeconds(2), Duration.ofSeconds(20)).deadLetterQueue("all.dlq", 5))
                .topic("orders").consumer(NoopConsumer::new).backoff(Backoff.fixed(Duration.ofSeconds(7)))
                .topic("payments").consumer(NoopConsumer::new)
                .build();

        TopicSettings orders = topology.topic("orders").orElseThrow().settings();
        assertEquals(Backoff.fixed(Duration.ofSeconds(7)), orders.backoff());
        assertEquals(Optional.of(new DeadLetterQueue("all.dlq", 5)), orders.deadLetterQueue());
        assertEquals(Backoff.exponential(Duration.ofSeconds(2), Duration.ofSeconds(20)),
                topology.topic("payments").orElseThrow().settings().backoff());
    }

    @Test
    void aTopicsOwnSettingWinsOverDefaultsDeclaredAfter() {
        Topology topology = Sluice.topology()
                .topic("orders").consumer(NoopConsumer::new)
                .backoff(Backoff.fixed(Duration.ofSeconds(7)))
                .deadLetterQueue("orders.dlq", 1)
                .onOffsetOutOfRange(OffsetOutOfRangePolicy.RESET_TO_LOG_END)
                .defaults(d -> d.backoff(Duration.ofSeconds(2), Duration.ofSeconds(20))
                        .deadLetterQueue("all.dlq", 5)
                        .onOffsetOutOfRange(OffsetOutOfRangePolicy.RESET_TO_LOG_START))
                .topic("payments").consumer(NoopConsumer::new)
                .build();

        TopicSettings orders = topology.topic("orders").orElseThrow().settings();
        assertEquals(Backoff.fixed(Duration.ofSeconds(7)), orders.backoff());
        assertEquals(Optional.of(new DeadLetterQueue("orders.dlq", 1)), orders.deadLetterQueue());
        assertEquals(OffsetOutOfRangePolicy.RESET_TO_LOG_END, orders.onOffsetOutOfRange());
        TopicSettings payments = topology.topic("payments").orElseThrow().settings();
        assertEquals(Optional.of(new DeadLetterQueue("all.dlq", 5)), payments.deadLetterQueue());
        assertEquals(OffsetOutOfRangePolicy.RESET_TO_LOG_START, payments.onOffsetOutOfRange());
    }

    @Test
    void aLaterDefaultsCallOverridesAnEarlierOne() {
        Topology topology = Sluice.topology()
                .defaults(d -> d.backoff(Backoff.fixed(Duration.ofSeconds(1))))
                .defaults(d -> d.backoff(Backoff.fixed(Duration.ofSeconds(3))))
                .topic("orders").consumer(NoopConsumer::new)
                .build();

        assertEquals(Backoff.fixed(Duration.ofSeconds(3)), topology.topic("orders").orElseThrow().settings().backoff());
    }

    @Test
    void aTopicsManualMarkingStaysWithThatTopic() {
        Topology topology = Sluice.topology()
                .topic("orders").consumer(NoopConsumer::new).manualMarking()
                .topic("payments").consumer(NoopConsumer::new)
                .build();

        assertEquals(MarkingMode.MANUAL, topology.topic("orders").orElseThrow().settings().marking());
        assertEquals(MarkingMode.AUTOMATIC, topology.topic("payments").orElseThrow().settings().marking());
    }

    @Test
    void anOffsetAuthorityFilterForcesManualMarking() {
        OffsetAuthority authority = new io.sluice.dsl.OffsetAuthority() {
            @Override
            public java.util.OptionalLong read(String group, org.apache.kafka.common.TopicPartition tp) {
                return java.util.OptionalLong.empty();
            }

            @Override
            public void advance(String group, org.apache.kafka.common.TopicPartition tp, long next) {
            }
        };
        Topology topology = Sluice.topology()
                .topic("orders").consumer(NoopConsumer::new).filter(new KeepsOffsets(authority))
                .topic("payments").consumer(NoopConsumer::new).filter(PassFilter::new)
                .build();

        TopicDefinition<?, ?> orders = topology.topic("orders").orElseThrow();
        assertEquals(MarkingMode.MANUAL, orders.settings().marking());
        assertSame(authority, orders.offsetAuthority().orElseThrow());
        TopicDefinition<?, ?> payments = topology.topic("payments").orElseThrow();
        assertEquals(MarkingMode.AUTOMATIC, payments.settings().marking());
        assertEquals(Optional.empty(), payments.offsetAuthority());
    }

    @Test
    void topicsKeepTheirDeclarationOrder() {
        Topology topology = Sluice.topology()
                .topic("c").consumer(NoopConsumer::new)
                .topic("a").consumer(NoopConsumer::new)
                .topic("b").consumer(NoopConsumer::new)
                .build();

        assertEquals(List.of("c", "a", "b"), List.copyOf(topology.topicNames()));
        assertEquals(List.of("c", "a", "b"), topology.topics().stream().map(TopicDefinition::name).toList());
    }

    @Test
    void nonRetryableExceptionsWithoutADeadLetterQueueAreRejected() {
        TopologyException e = assertThrows(TopologyException.class, () -> Sluice.topology()
                .topic("orders").consumer(NoopConsumer::new).nonRetryable(List.of(IllegalStateException.class))
                .build());
        assertEquals(List.of("topic 'orders': non-retryable exceptions need a dead-letter queue to go to; declare "
                + ".deadLetterQueue(topic, maxRetries) or drop .nonRetryable(...)"), e.problems());
    }

    @Test
    void aStepCannotBeUsedTwice() {
        TopicStep<byte[], byte[]> step = Sluice.topology().topic("orders");
        step.consumer(NoopConsumer::new);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> step.consumer(NoopConsumer::new));
        assertTrue(e.getMessage().contains("topic 'orders'"), e.getMessage());
    }

    @Test
    void theTopologyIsImmutable() {
        Topology topology = Sluice.topology()
                .topic("orders").consumer(NoopConsumer::new).filter(PassFilter::new)
                .deadLetterQueue("orders.dlq", 1).nonRetryable(List.of(IllegalStateException.class))
                .build();
        TopicDefinition<?, ?> orders = topology.topic("orders").orElseThrow();

        assertThrows(UnsupportedOperationException.class, () -> topology.topics().clear());
        assertThrows(UnsupportedOperationException.class, () -> topology.topicNames().add("payments"));
        assertThrows(UnsupportedOperationException.class, () -> topology.topicNames().remove("orders"));
        assertThrows(UnsupportedOperationException.class, () -> orders.filters().clear());
        assertThrows(UnsupportedOperationException.class, () -> orders.settings().nonRetryable().clear());
    }

    @Test
    void declaringMoreAfterBuildDoesNotChangeTheBuiltTopology() {
        TopicBuilder<byte[], byte[]> orders = Sluice.topology().topic("orders").consumer(NoopConsumer::new);
        Topology topology = orders.build();

        orders.filter(PassFilter::new).backoff(Backoff.fixed(Duration.ofSeconds(9)));
        orders.topic("payments").consumer(NoopConsumer::new);

        assertEquals(Set.of("orders"), topology.topicNames());
        TopicDefinition<?, ?> built = topology.topic("orders").orElseThrow();
        assertEquals(List.of(), built.filters());
        assertEquals(Backoff.DEFAULT, built.settings().backoff());
    }

    @Test
    void theNonRetryableListIsCopiedWhenDeclared() {
        List<Class<? extends Throwable>> types = new java.util.ArrayList<>(List.of(IllegalStateException.class));
        TopicBuilder<byte[], byte[]> orders = Sluice.topology().topic("orders").consumer(NoopConsumer::new)
                .deadLetterQueue("orders.dlq", 1).nonRetryable(types);
        types.add(RuntimeException.class);

        TopicSettings settings = orders.build().topic("orders").orElseThrow().settings();

        assertEquals(List.of(IllegalStateException.class), settings.nonRetryable());
        assertTrue(settings.isNonRetryable(new RuntimeException(new IllegalStateException("cause"))));
    }

    // ---- helpers ----

    private static TopologyException rejected(TopologyBuilder builder) {
        return assertThrows(TopologyException.class, builder::build);
    }

    private static List<String> problemsOfTopicNamed(String name) {
        return rejected(Sluice.topology().topic(name).consumer(NoopConsumer::new)).problems();
    }

    @SuppressWarnings("unchecked")
    private static <K, V> List<FilterFactory<? super K, ? super V>> filtersOf(Topology topology, String topic) {
        return ((TopicDefinition<K, V>) topology.topic(topic).orElseThrow()).filters();
    }

    private static Batch<String, String> stringBatch(int size) {
        List<Message<String, String>> messages = new java.util.ArrayList<>();
        for (int i = 0; i < size; i++) {
            messages.add(Message.of("orders", 0, i, 0L, "k" + i, "v" + i));
        }
        return Batch.of(new TopicPartition("orders", 0), 0, size, messages);
    }

    @SuppressWarnings("unchecked")
    private static Verdict apply(Filter<?, ?> filter, Batch<String, String> batch) throws Exception {
        return ((Filter<String, String>) filter).apply(batch, null);
    }

    /** A consumer with a no-argument constructor, so {@code NoopConsumer::new} is a consumer factory. */
    static final class NoopConsumer implements Consumer<byte[], byte[]> {
        @Override
        public void consume(Batch<byte[], byte[]> batch, ConsumerContext context) {
        }
    }

    /** A filter with a {@link TopicPartition} constructor, so {@code PassFilter::new} is a filter factory. */
    static final class PassFilter implements Filter<byte[], byte[]> {
        final TopicPartition topicPartition;

        PassFilter(TopicPartition topicPartition) {
            this.topicPartition = topicPartition;
        }

        @Override
        public Verdict apply(Batch<? extends byte[], ? extends byte[]> batch, FilterContext context) {
            return Verdict.notApplied();
        }
    }

    /** A filter that never reads keys or values, so it fits a topic of any types. */
    static final class AnyTypeFilter implements Filter<Object, Object> {
        final TopicPartition topicPartition;

        AnyTypeFilter(TopicPartition topicPartition) {
            this.topicPartition = topicPartition;
        }

        @Override
        public Verdict apply(Batch<?, ?> batch, FilterContext context) {
            return Verdict.skip();
        }
    }

    /** A factory whose filters must run first, as the offset manager's. */
    static final class FirstInChain implements FilterFactory<Object, Object> {
        @Override
        public Filter<Object, Object> create(TopicPartition topicPartition) {
            return (batch, context) -> Verdict.notApplied();
        }

        @Override
        public boolean firstInChain() {
            return true;
        }
    }

    /** A factory whose filters keep the topic's offsets outside Kafka. */
    static final class KeepsOffsets implements FilterFactory<Object, Object> {
        private final OffsetAuthority authority;

        KeepsOffsets(OffsetAuthority authority) {
            this.authority = authority;
        }

        @Override
        public Filter<Object, Object> create(TopicPartition topicPartition) {
            return (batch, context) -> Verdict.notApplied();
        }

        @Override
        public Optional<OffsetAuthority> offsetAuthority() {
            return Optional.of(authority);
        }
    }
}
