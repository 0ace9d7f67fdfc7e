package io.sluice.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Batch;
import io.sluice.dsl.Message;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.Subscription;
import io.sluice.dsl.Topology;
import io.sluice.testing.TestDriver;
import io.sluice.testing.TestDriverExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A subscription of a topology with consumer groups and subscription groups, run alone by the test driver. */
@ExtendWith(TestDriverExtension.class)
class GroupsDriverTest {

    private final List<List<Long>> billingBatches = new CopyOnWriteArrayList<>();

    private Topology topology() {
        return Sluice.topology()
                .topic("orders").consumer(() -> (b, c) -> { })
                .group("billing", g -> g
                        .subscriptionGroup("one-by-one", Map.of("max.poll.records", "1"), s -> s
                                .topic("orders").deserializers(new StringDeserializer(), new StringDeserializer())
                                .consumer(() -> (Batch<String, String> batch, io.sluice.dsl.ConsumerContext ctx) -> {
                                    billingBatches.add(batch.stream().map(Message::offset).toList());
                                    if (batch.stream().anyMatch(m -> m.value().equals("bad"))) {
                                        throw new IllegalStateException("cannot bill");
                                    }
                                })
                                .deadLetterQueue("billing.dlq", 0)))
                .build();
    }

    @Test
    void aSubscriptionRunsInItsGroupWithItsOwnConsumerProperties(TestDriver driver) {
        Topology topology = topology();
        Subscription billing = topology.subscriptions().get(1);
        assertEquals("one-by-one", billing.name());
        driver.start(topology.select(billing));
        assertEquals("billing", driver.groupId(), "the subscription's consumer group");
        driver.send("orders", 0, "k", "a").send("orders", 0, "k", "bad").send("orders", 0, "k", "c");
        driver.assign("orders", 0).runUntilIdle().advanceAndRun(Duration.ofSeconds(1));

        assertEquals(List.of(List.of(0L), List.of(1L), List.of(2L)), billingBatches,
                "max.poll.records=1 of the subscription group: one message per batch");
        assertEquals(1, driver.deadLetters().size());
        assertEquals("billing", new String(driver.deadLetters().get(0).headers()
                .lastHeader(DeadLetterHeaders.CONSUMER_GROUP).value(), StandardCharsets.UTF_8));
        assertEquals(3, driver.marked("orders", 0));
    }

    @Test
    void aTopologyWithSeveralSubscriptionsNeedsOneDriverEach(TestDriver driver) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> driver.start(topology()));
        assertTrue(e.getMessage().contains("topology.select(subscription)"), e.getMessage());
    }
}
