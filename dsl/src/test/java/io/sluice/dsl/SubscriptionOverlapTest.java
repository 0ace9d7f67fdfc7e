package io.sluice.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Two subscriptions of one consumer group (the group's own and its subscription groups) run separate consumer
 * instances in the same Kafka group: a topic both subscribe to has its partitions split between them, each routed to
 * its own declaration (its own consumer, filters and offset store). A topic declared by name in one and matched by a
 * pattern in another is such a topic, and build() must say so.
 */
class SubscriptionOverlapTest {

    private static final Consumer<byte[], byte[]> A = (batch, ctx) -> { };
    private static final Consumer<byte[], byte[]> B = (batch, ctx) -> { };

    @Test
    void aPatternOfOneSubscriptionGroupMustNotMatchATopicNamedInAnotherOfTheSameConsumerGroup() {
        TopologyException e = assertThrows(TopologyException.class, () -> Sluice.topology()
                .topic("orders.eu").consumer(() -> A)
                .subscriptionGroup("bulk", Map.of(), s -> s.topics(Pattern.compile("orders\\..*")).consumer(() -> B))
                .build());
        assertEquals(List.of("topics matching 'orders\\..*' (the runtime's group, subscription group 'bulk'): the"
                + " pattern matches the topic 'orders.eu', which"
                + " another subscription of the runtime's group subscribes to; the group would split its partitions"
                + " between the two declarations; narrow the pattern or declare both in one subscription group"),
                e.problems());
    }

    @Test
    void theSameOverlapInsideAnExplicitConsumerGroupIsRejectedToo() {
        assertThrows(TopologyException.class, () -> Sluice.topology()
                .group("billing", g -> g
                        .subscriptionGroup("fast", Map.of(), s -> s.topics(Pattern.compile("orders\\..*"))
                                .consumer(() -> A))
                        .topic("orders.eu").consumer(() -> B))
                .build());
    }

    @Test
    void differentConsumerGroupsAndOneSubscriptionMayOverlap() {
        // two consumer groups each read all of a topic; inside one subscription the name wins over the pattern
        Sluice.topology()
                .topic("orders.eu").consumer(() -> A)
                .group("audit", g -> g.topics(Pattern.compile("orders\\..*")).consumer(() -> B))
                .build();
        Sluice.topology()
                .topic("orders.eu").consumer(() -> A)
                .topics(Pattern.compile("orders\\..*")).consumer(() -> B)
                .build();
    }

    /**
     * The subscription is made from the pattern's source text alone, while routing (and the dead-letter check) use
     * the compiled Pattern with its flags: a flag makes the two disagree. Under CASE_INSENSITIVE a topic 'Orders.EU'
     * is routed but never subscribed to (never consumed); under LITERAL 'orders.*' routes nothing but subscribes to
     * every 'orders...' topic, the dead-letter topic 'orders.dlq' included, which the dead-letter check let through.
     */
    @Test
    void aPatternWithFlagsIsRejectedSinceTheSubscriptionWouldIgnoreThem() {
        Pattern caseless = Pattern.compile("orders\\..*", Pattern.CASE_INSENSITIVE);
        assertTrue(caseless.matcher("Orders.EU").matches()
                && !Pattern.compile(caseless.pattern()).matcher("Orders.EU").matches(), "routing and subscription differ");
        TopologyException e = assertThrows(TopologyException.class, () -> Sluice.topology()
                .topics(caseless).consumer(() -> A)
                .topics(Pattern.compile("orders.*", Pattern.LITERAL)).consumer(() -> B)
                .deadLetterQueue("orders.dlq", 1)
                .build());
        for (String label : List.of("topics matching 'orders\\..*'", "topics matching 'orders.*'")) {
            assertTrue(e.problems().stream().anyMatch(p -> p.startsWith(label + ": the pattern has flags")),
                    label + " in " + e.problems());
        }
        Sluice.topology().topics(Pattern.compile("orders\\.(?i)eu")).consumer(() -> A).build();
    }
}
