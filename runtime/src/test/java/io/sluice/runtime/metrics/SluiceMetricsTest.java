package io.sluice.runtime.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.dsl.Verdict;
import io.sluice.runtime.SluiceEvent;
import io.sluice.runtime.PartitionState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** SluiceMetrics over hand-made events and partition snapshots. */
class SluiceMetricsTest {

    private static final TopicPartition TP = new TopicPartition("orders", 1);

    private final AtomicReference<Map<String, List<PartitionState>>> snapshot = new AtomicReference<>(Map.of());
    private final SluiceMetrics metrics = SluiceMetrics.over(snapshot::get, Tags.of("service", "shop"));
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void everyEventTypeIsCountedWithTopicPartitionAndCommonTags() {
        metrics.bindTo(registry);
        metrics.on(new SluiceEvent.Assigned("i0", TP, 1, 0));
        metrics.on(new SluiceEvent.Consumed("i0", TP, 1, List.of(), Duration.ofMillis(30)));
        metrics.on(new SluiceEvent.Filtered("i0", TP, 1, Verdict.skip(), 3));
        metrics.on(new SluiceEvent.Filtered("i0", TP, 1, Verdict.pause(5, Duration.ofSeconds(1)), 0));
        metrics.on(new SluiceEvent.Sought("i0", TP, 5));
        metrics.on(new SluiceEvent.Paused("i0", TP, Instant.EPOCH, 5, "backoff"));
        metrics.on(new SluiceEvent.Resumed("i0", TP, 5));
        metrics.on(new SluiceEvent.Failed("i0", TP, 1, io.sluice.runtime.FailureKind.MESSAGE, 1, OptionalLong.of(5),
                new IllegalStateException("boom"), Duration.ofSeconds(1)));
        metrics.on(new SluiceEvent.Retried("i0", TP, 1, io.sluice.runtime.FailureKind.MESSAGE, 1, 5));
        metrics.on(new SluiceEvent.DeadLettered("i0", TP, 5, "orders.dlq", 3));
        metrics.on(new SluiceEvent.Committed("i0", Map.of(TP, 6L)));
        metrics.on(new SluiceEvent.CommitFailed("i0", Map.of(TP, 6L), new IllegalStateException("down")));
        metrics.on(new SluiceEvent.Revoked("i0", TP, 1));
        metrics.on(new SluiceEvent.Assigned("i0", TP, 2, 6));
        metrics.on(new SluiceEvent.Lost("i0", TP, 2));
        metrics.on(new SluiceEvent.Failed("i0", TP, 2, io.sluice.runtime.FailureKind.INFRASTRUCTURE, 1,
                OptionalLong.empty(), new RuntimeException("wrapped", new io.sluice.dsl.OffsetRefusedException(TP, 3,
                7, "fetched above the stored offset")), Duration.ofSeconds(1)));
        metrics.on(new SluiceEvent.Blocked("i0", TP, 2, 3, Instant.EPOCH, io.sluice.runtime.FailureKind.INFRASTRUCTURE,
                new IllegalStateException("down")));

        assertEquals(2, count(SluiceMetrics.ASSIGNED));
        assertEquals(1, count(SluiceMetrics.REVOKED));
        assertEquals(1, count(SluiceMetrics.LOST));
        assertEquals(0, count(SluiceMetrics.CONSUMED), "an empty batch counts no messages");
        Timer batch = registry.get(SluiceMetrics.BATCH).tags("topic", "orders", "partition", "1").timer();
        assertEquals(1, batch.count());
        assertEquals(30, batch.totalTime(TimeUnit.MILLISECONDS), 0.001);
        assertEquals(1, registry.get(SluiceMetrics.VERDICTS).tag("verdict", "skip").counter().count());
        assertEquals(1, registry.get(SluiceMetrics.VERDICTS).tag("verdict", "pause").counter().count());
        assertEquals(3, count(SluiceMetrics.DROPPED));
        assertEquals(1, count(SluiceMetrics.SEEKS));
        assertEquals(1, registry.get(SluiceMetrics.PAUSES).tag("reason", "backoff").counter().count());
        assertEquals(1, count(SluiceMetrics.RESUMES));
        assertEquals(1, registry.get(SluiceMetrics.FAILURES).tag("kind", "message").counter().count());
        assertEquals(1, registry.get(SluiceMetrics.FAILURES).tag("kind", "infrastructure").counter().count());
        assertEquals(1, count(SluiceMetrics.REFUSALS), "only the failure that was a refusal");
        assertEquals(1, registry.get(SluiceMetrics.BLOCKED).tag("kind", "infrastructure").counter().count());
        assertEquals(1, registry.get(SluiceMetrics.RETRIES).tag("kind", "message").counter().count());
        assertEquals(1, count(SluiceMetrics.DEAD_LETTERED));
        assertEquals(1, registry.get(SluiceMetrics.COMMITS).tag("service", "shop").counter().count());
        assertEquals(1, registry.get(SluiceMetrics.COMMIT_FAILURES).tag("service", "shop").counter().count());
        assertTrue(registry.getMeters().stream()
                        .allMatch(m -> "shop".equals(m.getId().getTag("service"))),
                "every meter carries the common tags");
    }

    @Test
    void theLagGaugeReadsThePartitionStateWhileAnyInstanceHoldsThePartition() {
        metrics.bindTo(registry);
        assertNull(registry.find(SluiceMetrics.LAG).gauge(), "no gauge before an assignment");

        metrics.on(new SluiceEvent.Assigned("i0", TP, 1, 0));
        snapshot.set(Map.of("i0", List.of(state(TP, 40))));
        Gauge lag = registry.get(SluiceMetrics.LAG).tags("topic", "orders", "partition", "1", "service", "shop")
                .gauge();
        assertEquals(40, lag.value());
        snapshot.set(Map.of("i0", List.of(state(TP, 7))));
        assertEquals(7, lag.value());

        // moved to another instance: assigned there before it is revoked here, and the gauge stays
        metrics.on(new SluiceEvent.Assigned("i1", TP, 1, 33));
        metrics.on(new SluiceEvent.Revoked("i0", TP, 1));
        snapshot.set(Map.of("i1", List.of(state(TP, 2))));
        assertEquals(2, registry.get(SluiceMetrics.LAG).gauge().value());

        metrics.on(new SluiceEvent.Lost("i1", TP, 1));
        assertNull(registry.find(SluiceMetrics.LAG).gauge(), "removed when no instance holds the partition");
    }

    @Test
    void aPartitionWithoutAKnownLagReadsNaN() {
        metrics.bindTo(registry);
        metrics.on(new SluiceEvent.Assigned("i0", TP, 1, -1));
        assertTrue(Double.isNaN(registry.get(SluiceMetrics.LAG).gauge().value()));
    }

    @Test
    void aRegistryBoundLaterGetsGaugesForPartitionsAlreadyHeldAndCountsFromThenOn() {
        metrics.on(new SluiceEvent.Assigned("i0", TP, 1, 0));
        metrics.on(new SluiceEvent.Sought("i0", TP, 5));
        snapshot.set(Map.of("i0", List.of(state(TP, 12))));

        metrics.bindTo(registry);
        metrics.bindTo(registry); // twice is once
        assertEquals(12, registry.get(SluiceMetrics.LAG).gauge().value());
        assertNull(registry.find(SluiceMetrics.SEEKS).counter(), "events before binding are not counted");

        SimpleMeterRegistry second = new SimpleMeterRegistry();
        metrics.bindTo(second);
        metrics.on(new SluiceEvent.Sought("i0", TP, 6));
        assertEquals(1, registry.get(SluiceMetrics.SEEKS).counter().count());
        assertEquals(1, second.get(SluiceMetrics.SEEKS).counter().count());
        assertEquals(12, second.get(SluiceMetrics.LAG).gauge().value());
        metrics.on(new SluiceEvent.Revoked("i0", TP, 1));
        assertNull(registry.find(SluiceMetrics.LAG).gauge());
        assertNull(second.find(SluiceMetrics.LAG).gauge());
    }

    @Test
    void withoutCommonTagsMetersCarryOnlyTheirOwn() {
        SluiceMetrics plain = SluiceMetrics.over(Map::of, List.<Tag>of());
        plain.bindTo(registry);
        plain.on(new SluiceEvent.Sought("i0", TP, 1));
        assertNotNull(registry.get(SluiceMetrics.SEEKS).tags("topic", "orders", "partition", "1").counter());
        assertEquals(2, registry.get(SluiceMetrics.SEEKS).counter().getId().getTags().size());
    }

    private double count(String name) {
        return registry.get(name).tags("topic", "orders", "partition", "1", "service", "shop").counter().count();
    }

    private static PartitionState state(TopicPartition tp, long lag) {
        return new PartitionState(tp, 1, "IDLE", 100, 100 - lag, -1, Optional.empty(), 0, 0, OptionalLong.of(0),
                OptionalLong.of(100), "OrdersConsumer", OptionalLong.of(100), OptionalLong.of(lag), java.util.Set.of(), "", false);
    }
}
