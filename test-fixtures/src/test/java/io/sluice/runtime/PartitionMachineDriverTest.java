package io.sluice.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Filter;
import io.sluice.dsl.FilterFactory;
import io.sluice.dsl.InfrastructureFailure;
import io.sluice.dsl.OffsetAuthority;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.TopicBuilder;
import io.sluice.dsl.Topology;
import io.sluice.dsl.Verdict;
import io.sluice.testing.TestDriver;
import io.sluice.testing.TestDriverExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The rebuilt core's own rules, through the real listener and partition machines under the test driver: failure
 * kinds, blocked alerts, advances without records, enforcement at assignment, cursors past the batch.
 */
@ExtendWith(TestDriverExtension.class)
class PartitionMachineDriverTest {

    private static final String T = "payments";
    private static final TopicPartition TP = new TopicPartition(T, 0);
    private static final String DLQ = "payments.dlq";

    /** An offset store in memory: what the runtime reads at assignment and advances on its own. */
    static final class MemoryAuthority implements OffsetAuthority {
        final Map<TopicPartition, Long> rows = new ConcurrentHashMap<>();
        final List<Long> advances = new CopyOnWriteArrayList<>();

        @Override
        public OptionalLong read(String group, TopicPartition tp) {
            Long row = rows.get(tp);
            return row == null ? OptionalLong.empty() : OptionalLong.of(row);
        }

        @Override
        public void advance(String group, TopicPartition tp, long next) {
            advances.add(next);
            rows.merge(tp, next, Math::max);
        }

        /** A filter factory that keeps offsets here and passes every batch. */
        FilterFactory<Object, Object> keeper() {
            MemoryAuthority self = this;
            return new FilterFactory<>() {
                @Override
                public Filter<Object, Object> create(TopicPartition tp) {
                    return (batch, ctx) -> Verdict.notApplied();
                }

                @Override
                public boolean firstInChain() {
                    return true;
                }

                @Override
                public Optional<OffsetAuthority> offsetAuthority() {
                    return Optional.of(self);
                }
            };
        }
    }

    private static Topology topology(io.sluice.dsl.Consumer<String, String> consumer,
                                     UnaryOperator<TopicBuilder<String, String>> settings) {
        return settings.apply(Sluice.topology().topic(T)
                .deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> consumer)).build();
    }

    private static void send(TestDriver driver, String... values) {
        for (String v : values) {
            driver.send(T, 0, "k", v);
        }
    }

    @Test
    void theUsersInfrastructureFailureRetriesWithoutCountingAndNeverDeadLetters(TestDriver driver) {
        AtomicInteger down = new AtomicInteger(20);
        List<Long> applied = new CopyOnWriteArrayList<>();
        driver.start(topology((batch, ctx) -> {
            if (down.getAndDecrement() > 0) {
                throw new InfrastructureFailure("payments service unavailable");
            }
            batch.forEach(m -> applied.add(m.offset()));
        }, t -> t.deadLetterQueue(DLQ, 1)));
        send(driver, "a", "b", "c");
        driver.assign(T, 0).runUntilIdle();
        for (int i = 0; i < 25; i++) {
            driver.advanceAndRun(Duration.ofSeconds(30));
        }
        assertEquals(List.of(0L, 1L, 2L), applied, "applied once, as one batch: never narrowed");
        assertTrue(driver.deadLetters().isEmpty(), "an outage never dead-letters");
        assertTrue(driver.events(SluiceEvent.Failed.class).stream()
                .allMatch(f -> f.kind() == FailureKind.INFRASTRUCTURE));
    }

    @Test
    void aTopicMayLimitTheUsersInfrastructureRetriesAfterWhichTheyCountAsMessageFailures(TestDriver driver) {
        driver.start(topology((batch, ctx) -> {
            throw new InfrastructureFailure("the service refuses this one");
        }, t -> t.deadLetterQueue(DLQ, 0).infrastructureRetryLimit(3)));
        send(driver, "a");
        driver.assign(T, 0).runUntilIdle();
        for (int i = 0; i < 10; i++) {
            driver.advanceAndRun(Duration.ofSeconds(30));
        }
        assertEquals(1, driver.deadLetters().size(), "after 3 retries it is a message failure, dead-lettered");
        List<FailureKind> kinds = driver.events(SluiceEvent.Failed.class).stream().map(SluiceEvent.Failed::kind)
                .toList();
        assertEquals(List.of(FailureKind.INFRASTRUCTURE, FailureKind.INFRASTRUCTURE, FailureKind.INFRASTRUCTURE,
                FailureKind.MESSAGE), kinds);
    }

    @Test
    void aPartitionThatKeepsFailingIsReportedBlockedOnceAfterTheThreshold(TestDriver driver) {
        AtomicInteger down = new AtomicInteger(Integer.MAX_VALUE);
        driver.blockedAlertAfter(Duration.ofMinutes(2)).start(topology((batch, ctx) -> {
            if (down.get() > 0) {
                throw new InfrastructureFailure("database down");
            }
        }, t -> t));
        send(driver, "a");
        driver.assign(T, 0).runUntilIdle();
        driver.advanceAndRun(Duration.ofSeconds(61)).advanceAndRun(Duration.ofSeconds(30));
        assertTrue(driver.events(SluiceEvent.Blocked.class).isEmpty(), "not yet: 91 s");
        for (int i = 0; i < 4; i++) {
            driver.advanceAndRun(Duration.ofSeconds(30));
        }
        List<SluiceEvent.Blocked> blocked = driver.events(SluiceEvent.Blocked.class);
        assertEquals(1, blocked.size(), "once per blocked stretch");
        assertEquals(0, blocked.get(0).offset());
        assertEquals(FailureKind.INFRASTRUCTURE, blocked.get(0).kind());
        down.set(0);
        driver.advanceAndRun(Duration.ofSeconds(30));
        assertEquals(List.of(0L), driver.consumedOffsets(T, 0));
    }

    @Test
    void aThrottledPoisonMessageStillReachesItsRetryLimit(TestDriver driver) {
        // a pause that turns into a seek keeps the failing message's attempts: it is dead-lettered after 2 retries
        FilterFactory<Object, Object> pauseFirst = tp -> {
            AtomicInteger calls = new AtomicInteger();
            return (batch, ctx) -> calls.incrementAndGet() % 2 == 1 && batch.fetchOffset() == 0 && !batch.isEmpty()
                    ? pauseAtStart(batch) : Verdict.notApplied();
        };
        driver.start(topology((batch, ctx) -> {
            if (batch.stream().anyMatch(m -> m.value().equals("bad"))) {
                throw new IllegalArgumentException("bad");
            }
        }, t -> t.filter(pauseFirst).deadLetterQueue(DLQ, 2)));
        send(driver, "bad", "ok");
        driver.assign(T, 0).runUntilIdle();
        for (int i = 0; i < 20; i++) {
            driver.advanceAndRun(Duration.ofSeconds(30));
        }
        assertEquals(1, driver.deadLetters().size());
        assertEquals(List.of(1L), driver.consumedOffsets(T, 0));
    }

    private static Verdict pauseAtStart(io.sluice.dsl.Batch<?, ?> batch) {
        batch.clear();
        return Verdict.pause(batch.fetchOffset(), Duration.ofSeconds(1));
    }

    @Test
    void anOffsetManagedPartitionEndingInAMarkerAdvancesItsRowAfterACommitInterval(TestDriver driver) {
        MemoryAuthority store = new MemoryAuthority();
        driver.start(topology((batch, ctx) -> ctx.markAsConsumed(batch.nextOffset()),
                t -> t.filter(store.keeper())));
        send(driver, "a", "b", "c");
        driver.assign(T, 0).runUntilIdle();
        assertEquals(3, driver.marked(T, 0));
        driver.log().skip(TP, 1); // a transaction marker at 3: the log end is 4
        driver.runUntilIdle();
        assertEquals(3, driver.marked(T, 0), "not before a commit interval");
        driver.advanceAndRun(Duration.ofSeconds(5));
        assertEquals(List.of(3L, 4L), store.advances,
                "the consumer's mark reached the store first, then the store followed the position over the marker");
        assertEquals(4, driver.marked(T, 0));
        driver.advanceAndRun(Duration.ofSeconds(5));
        assertEquals(OptionalLong.of(4), driver.committed(T, 0), "lag 0, not stuck at 1");
        assertTrue(driver.caughtUp());
    }

    @Test
    void theStoredOffsetIsEnforcedAtAssignmentWithNothingToFetch(TestDriver driver) {
        MemoryAuthority store = new MemoryAuthority();
        List<Long> seen = new CopyOnWriteArrayList<>();
        driver.start(topology((batch, ctx) -> {
            batch.forEach(m -> seen.add(m.offset()));
            ctx.markAsConsumed(batch.nextOffset());
        }, t -> t.filter(store.keeper())));
        send(driver, "a", "b", "c", "d", "e");
        driver.log().commit("sluice-test", Map.of(TP, new OffsetAndMetadata(5)));
        store.rows.put(TP, 2L);
        driver.assign(T, 0).runUntilIdle();
        assertEquals(List.of(2L, 3L, 4L), seen, "Kafka at the log end, the store at 2: the store wins");
    }

    @Test
    void aConsumersSeekPastTheBatchAdvancesTheStoreFirst(TestDriver driver) {
        MemoryAuthority store = new MemoryAuthority();
        List<Long> seen = new CopyOnWriteArrayList<>();
        AtomicInteger batches = new AtomicInteger();
        driver.maxPollRecords(2).start(topology((batch, ctx) -> {
            batch.forEach(m -> seen.add(m.offset()));
            if (batches.incrementAndGet() == 1) {
                ctx.seek(5); // skip 2..4 on purpose
            } else {
                ctx.markAsConsumed(batch.nextOffset());
            }
        }, t -> t.filter(store.keeper())));
        send(driver, "a", "b", "c", "d", "e", "f", "g");
        driver.assign(T, 0).runUntilIdle();
        assertEquals(List.of(0L, 1L, 5L, 6L), seen);
        assertTrue(store.advances.contains(5L), "the store moved to the cursor before the seek: " + store.advances);
        assertEquals(List.of(5L, 7L), store.advances,
                "the store moved to the cursor before the seek, then took the consumer's own mark");
    }

    @Test
    void anOldGenerationsJobDoesNotHoldBackAnOffsetManagedPartition(TestDriver driver) {
        MemoryAuthority store = new MemoryAuthority();
        AtomicInteger calls = new AtomicInteger();
        driver.holdJobsDuringRevocation(true).start(topology((batch, ctx) -> {
            calls.incrementAndGet();
            ctx.markAsConsumed(batch.nextOffset());
        }, t -> t.filter(store.keeper())));
        send(driver, "a");
        driver.assign(T, 0).step().runJobs();       // enforcement read
        driver.step();                              // fetched: the batch job is queued, not run
        assertEquals(1, driver.pendingJobs());
        driver.revoke(T, 0).step();                 // the grace runs out with the job still queued
        driver.assign(T, 0).step();                 // reassigned while the old job is in flight
        assertEquals(1, driver.counters().get("stuckJobs"));
        assertFalse(driver.paused(T, 0) && driver.state(T, 0).orElseThrow().pauseReasons().isEmpty(),
                "paused only for reasons of its own machine");
        driver.runUntilIdle();
        assertTrue(calls.get() >= 1);
    }

    @Test
    void theSnapshotIsPublicAndSaysWhyAPartitionIsPaused(TestDriver driver) {
        driver.start(topology((batch, ctx) -> {
            throw new IllegalStateException("boom");
        }, t -> t));
        send(driver, "a");
        driver.assign(T, 0).runUntilIdle();
        PartitionState state = driver.state(T, 0).orElseThrow();
        assertEquals("BACKOFF", state.state());
        assertEquals(java.util.Set.of("backoff"), state.pauseReasons());
        assertFalse(state.caughtUp());
        assertTrue(state.pausedUntil().isPresent());
    }

    @Test
    void caughtUpMeansEverythingFetchedIsDecided(TestDriver driver) {
        List<Long> seen = new ArrayList<>();
        driver.start(topology((batch, ctx) -> batch.forEach(m -> seen.add(m.offset())), t -> t));
        assertFalse(driver.caughtUp(), "nothing assigned yet");
        send(driver, "a", "b");
        driver.assign(T, 0).step();
        assertFalse(driver.caughtUp(), "a job in flight");
        driver.runUntilIdle();
        assertTrue(driver.caughtUp());
        send(driver, "c");
        driver.step();
        assertFalse(driver.caughtUp());
        driver.runUntilIdle();
        assertTrue(driver.caughtUp());
        assertEquals(List.of(0L, 1L, 2L), seen);
    }
}
