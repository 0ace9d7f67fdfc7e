package io.sluice.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TopologyWithTopicSettingsTest {

    private final Topology topology = Sluice.topology()
            .topic("a").consumer(() -> (b, c) -> { })
            .topic("b").consumer(() -> (b, c) -> { }).deadLetterQueue("b-dlq", 3)
            .build();

    @Test
    void changesOnlyTheNamedTopicAndLeavesTheOriginalAlone() {
        Backoff fast = Backoff.fixed(Duration.ofMillis(10));
        Topology changed = topology.withTopicSettings("a", s -> s.withBackoff(fast)
                .withDeadLetterQueue(Optional.of(new DeadLetterQueue("a-dlq", 1))));

        assertEquals(fast, changed.topic("a").orElseThrow().settings().backoff());
        assertEquals(Optional.of(new DeadLetterQueue("a-dlq", 1)),
                changed.topic("a").orElseThrow().settings().deadLetterQueue());
        assertSame(topology.topic("b").orElseThrow(), changed.topic("b").orElseThrow());
        assertEquals(Backoff.DEFAULT, topology.topic("a").orElseThrow().settings().backoff());
        assertEquals(topology.topicNames(), changed.topicNames());
    }

    @Test
    void changesTheTopicInEveryGroupAndKeepsTheSubscriptions() {
        Topology grouped = Sluice.topology()
                .topic("orders").consumer(() -> (b, c) -> { })
                .group("billing", g -> g
                        .topic("orders").consumer(() -> (b, c) -> { })
                        .subscriptionGroup("bulk", Map.of("max.poll.records", "1000"), s -> s
                                .topic("ledger").consumer(() -> (b, c) -> { })))
                .build();
        Backoff fast = Backoff.fixed(Duration.ofMillis(10));

        Topology changed = grouped.withTopicSettings("orders", s -> s.withBackoff(fast));

        assertEquals(grouped.subscriptions(), changed.subscriptions());
        for (Subscription s : changed.subscriptions()) {
            changed.select(s).topics().forEach(t -> assertEquals(t.name().equals("orders") ? fast : Backoff.DEFAULT,
                    t.settings().backoff(), s + " " + t.name()));
        }
    }

    @Test
    void rejectsAnUndeclaredTopicAndSettingsBuildWouldReject() {
        assertThrows(IllegalArgumentException.class, () -> topology.withTopicSettings("c", s -> s));
        TopologyException self = assertThrows(TopologyException.class, () -> topology.withTopicSettings("b",
                s -> s.withDeadLetterQueue(Optional.of(new DeadLetterQueue("b", 1)))));
        assertTrue(self.problems().get(0).contains("the topic itself"), self.problems().toString());
        assertThrows(TopologyException.class, () -> topology.withTopicSettings("a",
                s -> s.withDeadLetterQueue(Optional.of(new DeadLetterQueue("bad name!", 1)))));
    }
}
