package io.sluice.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Consumer groups and subscription groups in one topology. */
class TopologyGroupsTest {

    private static final Consumer<byte[], byte[]> NOOP = (batch, ctx) -> { };

    @Test
    void eachSubscriptionKeepsItsGroupPropertiesAndTopics() {
        Topology topology = Sluice.topology()
                .topic("orders").consumer(() -> NOOP)
                .group("billing", g -> g
                        .topic("orders").consumer(() -> NOOP)
                        .topic("invoices").consumer(() -> NOOP)
                        .subscriptionGroup("bulk", Map.of("max.poll.records", "1000"), s -> s
                                .topic("ledger").consumer(() -> NOOP)))
                .topic("payments").consumer(() -> NOOP)
                .build();

        assertEquals(List.of(
                new Subscription(Optional.empty(), Subscription.DEFAULT, Map.of(), List.of("orders", "payments")),
                new Subscription(Optional.of("billing"), Subscription.DEFAULT, Map.of(), List.of("orders", "invoices")),
                new Subscription(Optional.of("billing"), "bulk", Map.of("max.poll.records", "1000"),
                        List.of("ledger"))), topology.subscriptions());
        assertEquals(List.of("orders", "payments", "invoices", "ledger"), List.copyOf(topology.topicNames()));
        assertEquals(5, topology.topics().size(), "orders is declared in two groups");
        Topology bulk = topology.select(topology.subscriptions().get(2));
        assertEquals(List.of("ledger"), List.copyOf(bulk.topicNames()));
        assertEquals(List.of(topology.subscriptions().get(2)), bulk.subscriptions());
        assertTrue(topology.subscriptions().get(0).isDefault());
    }

    @Test
    void aTopologyWithoutGroupsHasOneDefaultSubscription() {
        Topology topology = Sluice.topology().topic("a").consumer(() -> NOOP).topic("b").consumer(() -> NOOP).build();
        assertEquals(1, topology.subscriptions().size());
        assertTrue(topology.subscriptions().get(0).isDefault());
        assertEquals(List.of("a", "b"), topology.subscriptions().get(0).topics());
    }

    @Test
    void rejectsMisusedGroupsNamingWhatIsWrong() {
        TopologyException e = assertThrows(TopologyException.class, () -> Sluice.topology()
                .group("billing", g -> g
                        .topic("orders").consumer(() -> NOOP)
                        .topic("orders").consumer(() -> NOOP)
                        .group("inner", x -> { }))
                .group(" ", g -> { })
                .subscriptionGroup("bad name", Map.of(), s -> { })
                .subscriptionGroup("own-group", Map.of("group.id", "x"), s -> { })
                .subscriptionGroup("outer", Map.of(), s -> s.subscriptionGroup("inner", Map.of(), x -> { }))
                .subscriptionGroup("bulk", Map.of("max.poll.records", "1"), s -> s.topic("a").consumer(() -> NOOP))
                .subscriptionGroup("bulk", Map.of("max.poll.records", "2"), s -> s.topic("b").consumer(() -> NOOP))
                .build());
        assertEquals(List.of(
                "group 'inner' is declared inside group 'billing'; groups do not nest",
                "a group needs a group.id, got ' '",
                "subscription group name 'bad name' is illegal: use ASCII letters, digits, '.', '_' and '-'",
                "subscription group 'own-group' sets group.id; declare a consumer group with .group(groupId, g -> ...)"
                        + " instead",
                "subscription group 'inner' is declared inside the runtime's group, subscription group 'outer';"
                        + " subscription groups do not nest",
                "topic 'orders' (group 'billing'): declared more than once; declare each topic once with all its"
                        + " filters",
                "topic 'b' (the runtime's group, subscription group 'bulk'): the runtime's group, subscription group"
                        + " 'bulk' is declared again with other Kafka properties; declare each subscription group's"
                        + " properties once"), e.problems());
    }
}
