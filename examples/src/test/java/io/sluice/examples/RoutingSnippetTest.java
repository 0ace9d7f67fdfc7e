package io.sluice.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.dsl.DeadLetterQueue;
import io.sluice.dsl.InitialOffset;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.Subscription;
import io.sluice.dsl.Topology;
import io.sluice.testing.TestDriver;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The README's "Routing": the code between the markers is copied into README.md verbatim (minus its indentation),
 * and {@link ReadmeSnippetsTest} fails when the two differ.
 */
class RoutingSnippetTest {

    static final io.sluice.dsl.Consumer<byte[], byte[]> ORDERS = (batch, ctx) -> { };
    static final io.sluice.dsl.Consumer<byte[], byte[]> INVOICES = (batch, ctx) -> { };
    static final io.sluice.dsl.Consumer<byte[], byte[]> LEDGER = (batch, ctx) -> { };

    // README-BEGIN routing
    static Topology topology() {
        return Sluice.topology()
            .topic("orders").consumer(() -> ORDERS)          // the group.id of the runtime's properties
                .initialOffset(InitialOffset.EARLIEST)
            .group("billing", g -> g                          // group.id billing: its own offsets and consumers
                .topic("orders").consumer(() -> INVOICES)     // consumes all of "orders" again, on its own
                    .initialOffset(InitialOffset.LATEST)
                .subscriptionGroup("bulk", Map.of("max.poll.records", "2000", "fetch.max.bytes", "104857600"),
                    s -> s.topic("ledger").consumer(() -> LEDGER)
                        .deadLetterQueue(DeadLetterQueue.to("ledger.dlq", 3).withoutErrorDetails())))
            .build();
    }
    // README-END routing

    @Test
    void theRoutingExampleHasThreeSubscriptions() {
        Topology topology = topology();
        assertEquals(List.of(
                new Subscription(Optional.empty(), Subscription.DEFAULT, Map.of(), List.of("orders")),
                new Subscription(Optional.of("billing"), Subscription.DEFAULT, Map.of(), List.of("orders")),
                new Subscription(Optional.of("billing"), "bulk",
                        Map.of("max.poll.records", "2000", "fetch.max.bytes", "104857600"), List.of("ledger"))),
                topology.subscriptions());
        try (TestDriver driver = TestDriver.create()) {
            driver.start(topology.select(topology.subscriptions().get(1)));
            driver.send("orders", 0, "k", "before");
            driver.assign("orders", 0).runUntilIdle();
            driver.send("orders", 0, "k", "after").runUntilIdle();
            assertEquals("billing", driver.groupId());
            assertEquals(List.of(1L), driver.consumedOffsets("orders", 0), "LATEST: only what came after");
        }
    }
}
