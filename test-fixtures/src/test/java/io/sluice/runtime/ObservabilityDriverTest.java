package io.sluice.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.dsl.Batch;
import io.sluice.dsl.ConsumerContext;
import io.sluice.dsl.Filter;
import io.sluice.dsl.FilterFactory;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.dsl.Verdict;
import io.sluice.runtime.PartitionState;
import io.sluice.runtime.metrics.SluiceMetrics;
import io.sluice.testing.TestDriver;
import io.sluice.testing.TestDriverExtension;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Events, partition snapshots and metrics, as the real listener loop produces them under the test driver. */
@ExtendWith(TestDriverExtension.class)
class ObservabilityDriverTest {

    private static final String T = "orders";

    /** A named consumer class, so the snapshot has a class name to show. */
    static final class OrdersConsumer implements io.sluice.dsl.Consumer<String, String> {
        final AtomicInteger failures;

        OrdersConsumer(AtomicInteger failures) {
            this.failures = failures;
        }

        @Override
        public void consume(Batch<String, String> batch, ConsumerContext context) {
            if (failures.getAndDecrement() > 0) {
                throw new IllegalStateException("boom");
            }
        }
    }

    private static Topology topology(AtomicInteger failures, FilterFactory<Object, Object> filter) {
        var topic = Sluice.topology().topic(T)
                .deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> new OrdersConsumer(failures));
        return filter == null ? topic.build() : topic.filter(filter).build();
    }

    private static void send(TestDriver driver, int count) {
        for (int i = 0; i < count; i++) {
            driver.send(T, 0, "k" + i, "v" + i);
        }
    }

    @Test
    void aConsumerFailureIsFollowedByARetryWhenItsBackoffEnds(TestDriver driver) {
        driver.start(topology(new AtomicInteger(1), null));
        send(driver, 1);
        driver.assign(T, 0).runUntilIdle();
        assertEquals(List.of(), driver.events(SluiceEvent.Retried.class), "no retry before the backoff ends");
        SluiceEvent.Failed failed = driver.events(SluiceEvent.Failed.class).get(0);

        driver.advanceAndRun(Duration.ofSeconds(1));
        List<SluiceEvent.Retried> retries = driver.events(SluiceEvent.Retried.class);
        assertEquals(List.of(new SluiceEvent.Retried(TestDriver.INSTANCE, failed.topicPartition(),
                failed.generation(), io.sluice.runtime.FailureKind.MESSAGE, 1, 0)), retries);
        List<SluiceEvent> all = driver.events();
        int at = all.indexOf(retries.get(0));
        assertTrue(all.indexOf(failed) < at, "Failed comes first");
        assertTrue(all.subList(at, all.size()).stream().anyMatch(e -> e instanceof SluiceEvent.Resumed),
                "then the partition resumes");
        assertEquals(1, driver.counters().get("retries"));
        assertEquals(List.of(0L), driver.consumedOffsets(T, 0));
    }

    @Test
    void aFilterPauseEndsWithoutARetry(TestDriver driver) {
        AtomicInteger pauses = new AtomicInteger(1);
        Filter<Object, Object> pausing = (batch, ctx) -> pauses.getAndDecrement() > 0
                ? Verdict.pause(batch.fetchOffset(), Duration.ofSeconds(5)) : Verdict.notApplied();
        FilterFactory<Object, Object> factory = tp -> pausing;
        driver.start(topology(new AtomicInteger(), factory));
        send(driver, 2);
        driver.assign(T, 0).runUntilIdle().advanceAndRun(Duration.ofSeconds(5));
        assertEquals(1, driver.events(SluiceEvent.Resumed.class).size());
        assertEquals(List.of(), driver.events(SluiceEvent.Retried.class));
        assertEquals(List.of(0L, 1L), driver.consumedOffsets(T, 0));
    }

    @Test
    void aFilterFailureRetriesAsAFilterFailure(TestDriver driver) {
        AtomicInteger failing = new AtomicInteger(2);
        Filter<Object, Object> flaky = (batch, ctx) -> {
            if (failing.getAndDecrement() > 0) {
                throw new IllegalStateException("database down");
            }
            return Verdict.notApplied();
        };
        FilterFactory<Object, Object> factory = tp -> flaky;
        driver.start(topology(new AtomicInteger(), factory));
        send(driver, 1);
        driver.assign(T, 0).runUntilIdle().advanceAndRun(Duration.ofSeconds(1)).advanceAndRun(Duration.ofSeconds(2));
        assertEquals(List.of("FILTER:1", "FILTER:2"), driver.events(SluiceEvent.Retried.class).stream()
                .map(r -> r.kind() + ":" + r.attempt()).toList());
    }

    @Test
    void aFailedDeadLetterPublicationIsRetriedAsSuch(TestDriver driver) {
        Topology topology = Sluice.topology().topic(T)
                .deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> new OrdersConsumer(new AtomicInteger(Integer.MAX_VALUE)))
                .deadLetterQueue(T + ".dlq", 0)
                .build();
        driver.failNextDeadLetters(1).start(topology);
        send(driver, 1);
        driver.assign(T, 0).runUntilIdle();
        assertEquals(List.of(), driver.deadLetters());
        driver.advanceAndRun(Duration.ofSeconds(1));
        assertEquals(1, driver.deadLetters().size());
        List<SluiceEvent.Retried> retries = driver.events(SluiceEvent.Retried.class);
        assertEquals(1, retries.size());
        assertEquals(io.sluice.runtime.FailureKind.INFRASTRUCTURE, retries.get(0).kind(), "a publication failure is infrastructure");
        assertEquals(0, retries.get(0).cursor(), "the dead letter's offset");
        assertEquals(1, driver.events(SluiceEvent.DeadLettered.class).size());
    }

    @Test
    void theSnapshotShowsTheConsumerClassTheLatestLogEndAndTheLag(TestDriver driver) {
        driver.maxPollRecords(4).start(topology(new AtomicInteger(), null));
        send(driver, 10);
        driver.assign(T, 0).runUntilIdle();
        PartitionState state = driver.state(T, 0).orElseThrow();
        assertEquals("OrdersConsumer", state.consumer());
        assertEquals(OptionalLong.of(10), state.latestLogEnd());
        assertEquals(OptionalLong.of(0), state.lag());

        send(driver, 5);
        driver.step(); // fetched and in flight, not yet marked
        state = driver.state(T, 0).orElseThrow();
        assertEquals(OptionalLong.of(15), state.latestLogEnd(), "the watermark the fetch of 4 records saw");
        assertEquals(OptionalLong.empty(), state.logEnd(), "no broker lookup at assignment without an offset store");
        assertEquals(OptionalLong.of(5), state.lag(), "in flight is not consumed yet");
        driver.runUntilIdle();
        state = driver.state(T, 0).orElseThrow();
        assertEquals(OptionalLong.of(15), state.latestLogEnd());
        assertEquals(OptionalLong.of(0), state.lag());
    }

    @Test
    void whileNothingIsMarkedTheLagCountsFromTheAssignedPosition(TestDriver driver) {
        driver.start(topology(new AtomicInteger(Integer.MAX_VALUE), null));
        send(driver, 6);
        driver.assign(T, 0).runUntilIdle();
        assertEquals(-1, driver.marked(T, 0));
        assertEquals(OptionalLong.of(6), driver.state(T, 0).orElseThrow().lag());
    }

    @Test
    void metricsCountTheDriversEventsAndGaugeItsLag(TestDriver driver) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SluiceMetrics metrics = SluiceMetrics.over(driver::partitions, Tags.of("app", "test"));
        metrics.bindTo(registry);
        driver.listener(metrics).maxPollRecords(2).start(topology(new AtomicInteger(1), null));
        send(driver, 5);
        driver.assign(T, 0).runUntilIdle();

        assertEquals(1, registry.get(SluiceMetrics.FAILURES).tag("kind", "message").counter().count());
        assertEquals(5, registry.get(SluiceMetrics.LAG).tags("topic", T, "partition", "0").gauge().value(),
                "nothing marked after the failure");
        driver.advanceAndRun(Duration.ofSeconds(1));
        assertEquals(1, registry.get(SluiceMetrics.RETRIES).tag("kind", "message").counter().count());
        assertEquals(5, registry.get(SluiceMetrics.CONSUMED).counter().count());
        assertTrue(registry.get(SluiceMetrics.BATCH).timer().count() >= 3);
        assertEquals(0, registry.get(SluiceMetrics.LAG).gauge().value());

        driver.advanceAndRun(Duration.ofSeconds(5));
        assertEquals(1, registry.get(SluiceMetrics.COMMITS).counter().count());
        driver.revoke(T, 0).runUntilIdle();
        assertEquals(1, registry.get(SluiceMetrics.REVOKED).counter().count());
        assertNull(registry.find(SluiceMetrics.LAG).gauge());
    }
}
