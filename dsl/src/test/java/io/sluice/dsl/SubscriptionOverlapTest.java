package io.sluice.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
}
