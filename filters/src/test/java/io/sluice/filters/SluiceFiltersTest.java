package io.sluice.filters;

import static io.sluice.filters.Batches.offsets;
import static io.sluice.filters.StubFilterContext.TP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Batch;
import io.sluice.dsl.BuiltInFilters;
import io.sluice.dsl.Filter;
import io.sluice.dsl.FilterFactory;
import io.sluice.dsl.Message;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.TopicDefinition;
import io.sluice.dsl.Topology;
import io.sluice.dsl.TopologyException;
import io.sluice.dsl.Verdict;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

class SluiceFiltersTest {

    private final StubFilterContext context = new StubFilterContext();

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<Filter<?, ?>> createAll(TopicDefinition<?, ?> topic) {
        List<Filter<?, ?>> filters = new ArrayList<>();
        for (FilterFactory<?, ?> factory : topic.filters()) {
            filters.add(factory.create(TP));
        }
        return filters;
    }

    @Test
    void theServiceLoaderFindsThisModule() {
        assertInstanceOf(SluiceFilters.class, BuiltInFilters.provider());
    }

    @Test
    void theBuilderShortcutsYieldTheFiltersInDeclarationOrder() {
        Topology topology = Sluice.topology()
                .topic("t").consumer(() -> (batch, ctx) -> { })
                    .throttle(100, Duration.ofSeconds(1))
                    .delayBy(Duration.ofSeconds(5))
                    .expireAfter(Duration.ofMinutes(10))
                    .keepIf(m -> m.value() != null)
                    .dropIf(m -> m.key() == null)
                .build();

        TopicDefinition<?, ?> topic = topology.topic("t").orElseThrow();
        assertEquals(List.of("throttle(100, PT1S)", "delayBy(PT5S)", "expireAfter(PT10M)", "keepIf", "dropIf"),
                topic.filters().stream().map(FilterFactory::describe).toList());
        List<Filter<?, ?>> filters = createAll(topic);
        assertInstanceOf(Throttle.class, filters.get(0));
        assertInstanceOf(Delay.class, filters.get(1));
        assertInstanceOf(Expiry.class, filters.get(2));
        assertInstanceOf(MessagePredicate.class, filters.get(3));
        assertInstanceOf(MessagePredicate.class, filters.get(4));
    }

    @Test
    void theBuiltPredicateFiltersKeepAndDropAsDeclared() throws Exception {
        Topology topology = Sluice.topology()
                .topic("t").consumer(() -> (batch, ctx) -> { })
                    .keepIf(m -> m.value() != null)
                    .dropIf(m -> m.key() == null)
                .build();
        @SuppressWarnings("unchecked")   // the topic was declared without deserializers: byte arrays
        TopicDefinition<byte[], byte[]> topic = (TopicDefinition<byte[], byte[]>) topology.topic("t").orElseThrow();
        List<FilterFactory<? super byte[], ? super byte[]>> factories = topic.filters();
        Batch<byte[], byte[]> batch = Batch.of(List.of(
                Message.of("t", 0, 0, 0, bytes("k"), (byte[]) null),     // no value: dropped by keepIf
                Message.of("t", 0, 1, 0, (byte[]) null, bytes("v")),     // no key: dropped by dropIf
                Message.of("t", 0, 2, 0, bytes("k"), bytes("v"))));

        Verdict keep = factories.get(0).create(TP).apply(batch, context);
        Verdict drop = factories.get(1).create(TP).apply(batch, context);

        assertEquals(List.of(2L), offsets(batch));
        assertEquals(Verdict.skip().marking(1), keep);
        assertEquals(Verdict.skip().marking(2), drop);
    }

    @Test
    void theFactoriesFitATypedTopicThroughFilterToo() {
        Topology topology = Sluice.topology()
                .topic("orders")
                    .deserializers(new StringDeserializer(), new StringDeserializer())
                    .consumer(() -> (batch, ctx) -> { })
                    .filter(Throttle.of(100, Duration.ofSeconds(1)))
                    .filter(Delay.by(Duration.ofSeconds(1)))
                    .filter(Expiry.after(Duration.ofHours(1)))
                    .filter(MessagePredicate.keepIf(m -> m.value().startsWith("order")))
                    .filter(MessagePredicate.dropIf(m -> m.key().isEmpty()))
                .build();

        assertEquals(List.of("throttle(100, PT1S)", "delayBy(PT1S)", "expireAfter(PT1H)", "keepIf", "dropIf"),
                topology.topic("orders").orElseThrow().filters().stream().map(FilterFactory::describe).toList());
    }

    @Test
    void aBadThrottleIsABuildProblemNamingTheTopic() {
        TopologyException e = assertThrows(TopologyException.class, () -> Sluice.topology()
                .topic("t").consumer(() -> (batch, ctx) -> { })
                    .throttle(0, Duration.ofSeconds(1))
                .build());

        assertEquals(List.of("topic 't': throttle(0, PT1S): throttle limit must be positive, was 0"), e.problems());
        assertTrue(e.getMessage().contains("topic 't'"), e.getMessage());
    }

    @Test
    void everyBadArgumentIsReportedAtOnce() {
        TopologyException e = assertThrows(TopologyException.class, () -> Sluice.topology()
                .topic("t").consumer(() -> (batch, ctx) -> { })
                    .throttle(10, Duration.ZERO)
                    .delayBy(Duration.ofSeconds(-1))
                    .expireAfter(null)
                    .keepIf(m -> true)
                .build());

        assertEquals(List.of(
                "topic 't': throttle(10, PT0S): throttle interval must be positive, was PT0S",
                "topic 't': delayBy(PT-1S): delay must be positive, was PT-1S",
                "topic 't': expireAfter(null): ttl must be given, was null"), e.problems());
    }
}
