package io.sluice.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Batch;
import io.sluice.dsl.ConsumerContext;
import io.sluice.dsl.Filter;
import io.sluice.dsl.FilterFactory;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.dsl.Verdict;
import io.sluice.testing.TestDriver;
import io.sluice.testing.TestDriverExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The runtime's rules (docs/architecture.md, "The filter contract", "The listener", "Rebalances and
 * generations"), run by the test driver over the real listener loop.
 */
@ExtendWith(TestDriverExtension.class)
class RuntimeDriverTest {

    private static final String T = "orders";

    /** A consumer that records what it saw and can be told to fail. */
    static final class Recorder implements io.sluice.dsl.Consumer<String, String> {
        static final List<Recorder> MADE = new ArrayList<>();
        final List<Long> seen = new ArrayList<>();
        boolean sawRevoked;

        Recorder() {
            synchronized (MADE) {
                MADE.add(this);
            }
        }

        @Override
        public void consume(Batch<String, String> batch, ConsumerContext context) {
            sawRevoked |= context.revoked();
            batch.forEach(m -> seen.add(m.offset()));
        }
    }

    private static Topology strings(io.sluice.dsl.Consumer<String, String> consumer,
                                    List<FilterFactory<Object, Object>> filters) {
        var builder = Sluice.topology().topic(T)
                .deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> consumer);
        for (FilterFactory<Object, Object> f : filters) {
            builder = builder.filter(f);
        }
        return builder.build();
    }

    private static void send(TestDriver driver, int partition, int count) {
        for (int i = 0; i < count; i++) {
            driver.send(T, partition, "k" + i, "v" + i);
        }
    }

    @Test
    void consumesEachPartitionInOffsetOrderAndCommitsOnlyAfterTheInterval(TestDriver driver) {
        driver.maxPollRecords(3).start(strings((b, c) -> { }, List.of()));
        send(driver, 0, 7);
        send(driver, 1, 2);
        driver.assign(T, 0, 1).runUntilIdle();

        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L), driver.consumedOffsets(T, 0));
        assertEquals(List.of(0L, 1L), driver.consumedOffsets(T, 1));
        assertEquals(7, driver.marked(T, 0));
        assertEquals(OptionalLong.empty(), driver.committed(T, 0));

        driver.advanceAndRun(Duration.ofSeconds(5));
        assertEquals(OptionalLong.of(7), driver.committed(T, 0));
        assertEquals(OptionalLong.of(2), driver.committed(T, 1));
    }

    @Test
    void aPartitionStaysPausedWhileItsJobIsInFlightAndOthersKeepGoing(TestDriver driver) {
        driver.start(strings((b, c) -> { }, List.of()));
        send(driver, 0, 2);
        driver.assign(T, 0, 1);
        driver.step(); // rebalance and first fetch: the job of partition 0 is queued, not run
        assertEquals(1, driver.pendingJobs());
        assertTrue(driver.paused(T, 0));

        send(driver, 0, 3);
        send(driver, 1, 1);
        driver.step();
        assertEquals(2, driver.pendingJobs(), "only partition 1 was dispatched; partition 0 is busy");
        driver.runJobs();
        driver.runUntilIdle();
        assertFalse(driver.paused(T, 0));
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), driver.consumedOffsets(T, 0));
        assertEquals(List.of(0L), driver.consumedOffsets(T, 1));
    }

    @Test
    void aSeekVerdictMovesThePositionAndRemovesWhatIsAtOrAboveTheCursor(TestDriver driver) {
        AtomicBoolean once = new AtomicBoolean();
        FilterFactory<Object, Object> seekBack = tp -> (batch, ctx) ->
                !once.getAndSet(true) ? Verdict.seek(2) : Verdict.notApplied();
        driver.start(strings((b, c) -> { }, List.of(seekBack)));
        send(driver, 0, 5);
        driver.assign(T, 0).runUntilIdle();

        // first batch: 0..4 cut to 0,1; then 2..4 fetched again
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), driver.consumedOffsets(T, 0));
        assertTrue(driver.consumer().seeks().stream().anyMatch(s -> s.offset() == 2));
        assertEquals(5, driver.marked(T, 0));
    }

    @Test
    void aPauseVerdictHoldsThePartitionUntilTheTimeoutThenResumesFromTheCursor(TestDriver driver) {
        AtomicBoolean once = new AtomicBoolean();
        FilterFactory<Object, Object> pause = tp -> (batch, ctx) ->
                !once.getAndSet(true) ? Verdict.pause(3, Duration.ofSeconds(10)) : Verdict.notApplied();
        driver.start(strings((b, c) -> { }, List.of(pause)));
        send(driver, 0, 6);
        driver.assign(T, 0).runUntilIdle();
        assertEquals(List.of(0L, 1L, 2L), driver.consumedOffsets(T, 0));
        assertTrue(driver.paused(T, 0));
        assertEquals(3, driver.marked(T, 0), "automatic marking stops at the cursor");

        driver.advanceAndRun(Duration.ofSeconds(9));
        assertEquals(3, driver.consumedOffsets(T, 0).size(), "resumed before the timeout");
        driver.advanceAndRun(Duration.ofSeconds(1));
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), driver.consumedOffsets(T, 0));
    }

    @Test
    void automaticMarkingMarksTheDroppedTailToo(TestDriver driver) {
        FilterFactory<Object, Object> dropOdd = tp -> (batch, ctx) -> {
            batch.removeIf(m -> m.offset() % 2 == 1);
            return Verdict.skip();
        };
        driver.start(strings((b, c) -> { }, List.of(dropOdd)));
        send(driver, 0, 4); // 0..3: 3 is a dropped tail
        driver.assign(T, 0).runUntilIdle();
        assertEquals(List.of(0L, 2L), driver.consumedOffsets(T, 0));
        assertEquals(4, driver.marked(T, 0));
    }

    @Test
    void manualMarkingMarksOnlyWhatTheConsumerMarks(TestDriver driver) {
        Topology topology = Sluice.topology().topic(T)
                .deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> (batch, ctx) -> ctx.markAsConsumed(batch.get(0)))
                .manualMarking()
                .build();
        driver.start(topology);
        send(driver, 0, 4);
        driver.assign(T, 0).runUntilIdle();
        assertEquals(1, driver.marked(T, 0));
        driver.revoke(T, 0).runUntilIdle();
        assertEquals(OptionalLong.of(1), driver.committed(T, 0));
    }

    @Test
    void revocationCommitsTheMarksAndLossCommitsNothing(TestDriver driver) {
        driver.start(strings((b, c) -> { }, List.of()));
        send(driver, 0, 3);
        send(driver, 1, 3);
        driver.assign(T, 0, 1).runUntilIdle();
        driver.revoke(T, 0).runUntilIdle();
        assertEquals(OptionalLong.of(3), driver.committed(T, 0));

        driver.lose(T, 1).runUntilIdle();
        assertEquals(OptionalLong.empty(), driver.committed(T, 1));
        assertEquals(1, driver.events(SluiceEvent.Lost.class).size());
        assertTrue(driver.state(T, 1).isEmpty());
    }

    @Test
    void withResetNoneAPartitionWithoutAnOffsetIsBlockedUntilAnOffsetIsCommitted(TestDriver driver) {
        driver.autoOffsetReset(io.sluice.testing.AutoOffsetReset.NONE).start(strings((b, c) -> { }, List.of()));
        send(driver, 0, 2);
        driver.assign(T, 0).runUntilIdle();
        assertTrue(driver.consumedOffsets(T, 0).isEmpty(), "nothing jumps silently");
        assertEquals(1, driver.events(SluiceEvent.Blocked.class).size(), "reported at once: it needs an operator");
        driver.log().commit("sluice-test", java.util.Map.of(new TopicPartition(T, 0),
                new org.apache.kafka.clients.consumer.OffsetAndMetadata(1))); // an operator commits an offset
        driver.advanceAndRun(Duration.ofSeconds(1));
        assertEquals(List.of(1L), driver.consumedOffsets(T, 0));
        assertEquals(0, driver.counters().get("pollFailures"), "the runtime resolves it, not a failing poll");
    }

    @Test
    void closeCommitsEvenWhenARebalanceIsUnderWay(TestDriver driver) {
        driver.start(strings((b, c) -> { }, List.of()));
        send(driver, 0, 3);
        driver.assign(T, 0).runUntilIdle();
        driver.failNextCommits(2, new org.apache.kafka.common.errors.RebalanceInProgressException("rebalancing"));
        driver.shutdown();
        assertEquals(OptionalLong.of(3), driver.committed(T, 0), "the last commit is retried after polling");
        assertEquals(2, driver.counters().get("commitFailures"));
    }

    @Test
    void aRevokedPartitionsJobDoesNotMoveTheOffsetAuthority(TestDriver driver) {
        List<Long> advanced = new java.util.concurrent.CopyOnWriteArrayList<>();
        io.sluice.dsl.OffsetAuthority authority = new io.sluice.dsl.OffsetAuthority() {
            @Override
            public java.util.OptionalLong read(String group, TopicPartition tp) {
                return java.util.OptionalLong.empty();
            }

            @Override
            public void advance(String group, TopicPartition tp, long next) {
                advanced.add(next);
            }
        };
        FilterFactory<Object, Object> dropAllAndMark = new FilterFactory<>() {
            @Override
            public Filter<Object, Object> create(TopicPartition tp) {
                return (batch, ctx) -> {
                    long end = batch.nextOffset();
                    batch.clear();
                    return Verdict.skip().marking(end);
                };
            }

            @Override
            public java.util.Optional<io.sluice.dsl.OffsetAuthority> offsetAuthority() {
                return java.util.Optional.of(authority);
            }
        };
        driver.start(strings((b, c) -> { }, List.of(dropAllAndMark)));
        send(driver, 0, 2);
        driver.assign(T, 0).runUntilIdle();
        assertEquals(List.of(2L), advanced, "an owner's dropped messages advance the store first");
        send(driver, 0, 2);
        driver.step();              // the job is in flight
        driver.revoke(T, 0).step(); // it runs after revoked() turned true
        assertEquals(List.of(2L), advanced, "a revoked job leaves the store to the new owner");
    }

    @Test
    void haltCommitsNothingAndLeavesTheGroup(TestDriver driver) {
        Recorder recorder = new Recorder();
        driver.start(strings(recorder, List.of()));
        send(driver, 0, 3);
        driver.assign(T, 0).runUntilIdle();
        assertEquals(3, driver.marked(T, 0));
        send(driver, 0, 1);
        driver.step(); // a job in flight when the crash comes
        driver.halt();
        assertEquals(OptionalLong.empty(), driver.committed(T, 0));
        assertEquals(io.sluice.testing.InMemoryConsumer.State.CLOSED, driver.consumer().state());
        driver.runJobs(); // the orphaned job sees its partition gone
        assertTrue(recorder.sawRevoked);
    }

    @Test
    void inFlightJobsSeeRevokedTurnTrueAndTheirMarksAreCommitted(TestDriver driver) {
        Recorder recorder = new Recorder();
        driver.start(strings(recorder, List.of()));
        send(driver, 0, 3);
        driver.assign(T, 0).step(); // the job is queued, in flight
        driver.revoke(T, 0).step(); // the revocation runs the job within the grace period
        assertTrue(recorder.sawRevoked);
        assertEquals(OptionalLong.of(3), driver.committed(T, 0));
    }

    @Test
    void jobsOutlastingTheGracePeriodAreIgnoredAndTheirPartitionWaitsForThemWhenReassigned(TestDriver driver) {
        driver.holdJobsDuringRevocation(true).start(strings((b, c) -> { }, List.of()));
        send(driver, 0, 3);
        driver.assign(T, 0).step();
        driver.revoke(T, 0).step();
        assertEquals(OptionalLong.empty(), driver.committed(T, 0), "nothing was marked before the grace ran out");

        driver.assign(T, 0).step(); // generation 2 while generation 1's job is still queued
        assertEquals(2, driver.state(T, 0).orElseThrow().generation());
        assertTrue(driver.paused(T, 0), "a reassigned partition dispatches nothing while its old job runs");
        driver.runJobs(); // the stale job finishes: its report only frees the partition
        driver.runUntilIdle();
        assertEquals(1, driver.counters().get("staleReports"));
        assertEquals(3, driver.state(T, 0).orElseThrow().marked(),
                "the new generation consumed the batch again and marked it");
        assertEquals(List.of(0L, 1L, 2L, 0L, 1L, 2L), driver.consumedOffsets(T, 0));
    }

    @Test
    void everyAssignmentMakesFreshFiltersAndConsumersAndCooperativeRebalancesKeepTheRest(TestDriver driver) {
        Map<Integer, AtomicInteger> filtersMade = new java.util.concurrent.ConcurrentHashMap<>();
        FilterFactory<Object, Object> counting = tp -> {
            filtersMade.computeIfAbsent(tp.partition(), k -> new AtomicInteger()).incrementAndGet();
            return (batch, ctx) -> Verdict.notApplied();
        };
        List<Recorder> made = new ArrayList<>();
        Topology topology = Sluice.topology().topic(T)
                .deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> {
                    Recorder r = new Recorder();
                    made.add(r);
                    return r;
                })
                .filter(counting)
                .build();
        driver.start(topology);
        driver.assign(T, 0, 1).runUntilIdle();
        assertEquals(2, made.size());
        driver.revoke(T, 1).runUntilIdle();
        driver.assign(T, 1).runUntilIdle();
        assertEquals(3, made.size(), "only the reassigned partition got a new consumer");
        assertEquals(1, filtersMade.get(0).get(), "partition 0 kept its filter across the cooperative rebalance");
        assertEquals(2, filtersMade.get(1).get());
        assertEquals(2, driver.state(T, 1).orElseThrow().generation());
        assertEquals(1, driver.state(T, 0).orElseThrow().generation());
    }

    @Test
    void busyPartitionsArePausedAgainAfterAnEagerRebalance(TestDriver driver) {
        driver.start(strings((b, c) -> { }, List.of()));
        send(driver, 0, 2);
        driver.assign(T, 0, 1).step();
        assertEquals(1, driver.pendingJobs());
        // an eager rebalance keeps the same partitions: KafkaConsumer forgets their pause state
        driver.eagerRebalance(List.of(new TopicPartition(T, 0), new TopicPartition(T, 1)));
        driver.holdJobsDuringRevocation(true).step();
        assertTrue(driver.paused(T, 0), "the partition with a job in flight was paused again");
        assertEquals(0, driver.counters().get("refetches"),
                "paused inside the rebalance callback, so the same poll fetched nothing for it");
        driver.holdJobsDuringRevocation(false);
        driver.runJobs();
        driver.runUntilIdle();
        assertEquals(List.of(0L, 1L, 0L, 1L), driver.consumedOffsets(T, 0),
                "the old job's batch is consumed again by the new assignment, not lost");
    }

    @Test
    void aThrowingConsumerPausesWithBackoffAndRetriesFromTheFirstUnmarkedMessage(TestDriver driver) {
        AtomicInteger failures = new AtomicInteger(2);
        List<Long> attempts = new ArrayList<>();
        driver.start(strings((batch, ctx) -> {
            attempts.add(batch.get(0).offset());
            if (failures.getAndDecrement() > 0) {
                throw new IllegalStateException("boom");
            }
        }, List.of()));
        send(driver, 0, 1);
        driver.assign(T, 0).runUntilIdle();
        assertTrue(driver.paused(T, 0));
        assertEquals(List.of(), driver.consumedOffsets(T, 0));
        driver.advanceAndRun(Duration.ofMillis(999));
        assertEquals(1, attempts.size(), "retried before the 1 s backoff");
        driver.advanceAndRun(Duration.ofMillis(1));
        assertEquals(2, attempts.size());
        driver.advanceAndRun(Duration.ofSeconds(2)); // second backoff doubles
        assertEquals(List.of(0L, 0L, 0L), attempts);
        assertEquals(List.of(0L), driver.consumedOffsets(T, 0));
        assertEquals(0, driver.state(T, 0).orElseThrow().attempts(), "success resets the attempt count");
    }

    @Test
    void aFailedCommitIsCountedAndRetriedAtTheNextInterval(TestDriver driver) {
        driver.start(strings((b, c) -> { }, List.of()));
        send(driver, 0, 2);
        driver.assign(T, 0).runUntilIdle();
        driver.failNextCommits(1).advanceAndRun(Duration.ofSeconds(5));
        assertEquals(OptionalLong.empty(), driver.committed(T, 0));
        assertEquals(1, driver.counters().get("commitFailures"));
        driver.advanceAndRun(Duration.ofSeconds(5));
        assertEquals(OptionalLong.of(2), driver.committed(T, 0));
    }

    @Test
    void aWakeupDuringACommitIsRetriedOnce(TestDriver driver) {
        driver.start(strings((b, c) -> { }, List.of()));
        send(driver, 0, 2);
        driver.assign(T, 0).runUntilIdle();
        driver.consumer().wakeupOnNext("commitSync");
        driver.advanceAndRun(Duration.ofSeconds(5));
        assertEquals(OptionalLong.of(2), driver.committed(T, 0));
        assertEquals(0, driver.counters().get("commitFailures"));
    }

    @Test
    void aRevocationCommitSurvivesSeveralWakeupsFromFinishingJobs(TestDriver driver) {
        driver.start(strings((b, c) -> { }, List.of()));
        send(driver, 0, 2);
        driver.assign(T, 0).runUntilIdle();
        driver.consumer().wakeupOnNext("commitSync");
        driver.consumer().wakeupOnNext("commitSync");
        driver.consumer().wakeupOnNext("commitSync");
        driver.revoke(T, 0).runUntilIdle();
        assertEquals(OptionalLong.of(2), driver.committed(T, 0));
        assertEquals(0, driver.counters().get("commitFailures"));
    }

    @Test
    void aWakeupDuringPositionAtAssignmentIsRetried(TestDriver driver) {
        driver.start(strings((b, c) -> { }, List.of()));
        send(driver, 0, 2);
        driver.consumer().wakeupOnNext("position");
        driver.assign(T, 0).runUntilIdle();
        assertEquals(List.of(0L, 1L), driver.consumedOffsets(T, 0));
        assertEquals(1, driver.state(T, 0).orElseThrow().generation());
    }

    @Test
    void theSettledEndStepsOverAnOffsetGap(TestDriver driver) {
        driver.start(strings((b, c) -> { }, List.of()));
        TopicPartition tp = new TopicPartition(T, 0);
        driver.log().append(tp, null, "a".getBytes(), 0, List.of());
        driver.log().skip(tp, 3); // a compaction gap or transaction markers at the end
        driver.assign(T, 0).runUntilIdle();
        assertEquals(List.of(0L), driver.consumedOffsets(T, 0));
        assertEquals(4, driver.marked(T, 0));
    }

    @Test
    void filtersSeeWhatTheFiltersBeforeThemLeft(TestDriver driver) {
        List<Integer> sizes = new ArrayList<>();
        FilterFactory<Object, Object> dropFirst = tp -> (batch, ctx) -> {
            batch.remove(batch.get(0));
            return Verdict.skip();
        };
        FilterFactory<Object, Object> measure = tp -> (batch, ctx) -> {
            sizes.add(batch.size());
            return Verdict.notApplied();
        };
        driver.start(strings((b, c) -> { }, List.of(dropFirst, measure)));
        send(driver, 0, 3);
        driver.assign(T, 0).runUntilIdle();
        assertEquals(List.of(2), sizes);
        assertEquals(List.of(1L, 2L), driver.consumedOffsets(T, 0));
    }

    @Test
    void aFilterThatThrowsRetriesWithBackoffWithoutCountingAttempts(TestDriver driver) {
        AtomicInteger failing = new AtomicInteger(3);
        Filter<Object, Object> flaky = (batch, ctx) -> {
            if (failing.getAndDecrement() > 0) {
                throw new java.sql.SQLTransientConnectionException("database down");
            }
            return Verdict.notApplied();
        };
        FilterFactory<Object, Object> factory = tp -> flaky;
        driver.start(strings((b, c) -> { }, List.of(factory)));
        send(driver, 0, 1);
        driver.assign(T, 0).runUntilIdle();
        assertEquals(1, driver.state(T, 0).orElseThrow().filterFailures());
        assertEquals(0, driver.state(T, 0).orElseThrow().attempts());
        driver.advanceAndRun(Duration.ofSeconds(1)).advanceAndRun(Duration.ofSeconds(2))
                .advanceAndRun(Duration.ofSeconds(4));
        assertEquals(List.of(0L), driver.consumedOffsets(T, 0));
    }

    @Test
    void aConsumersOwnPauseBoundsTheAutomaticMark(TestDriver driver) {
        AtomicBoolean once = new AtomicBoolean();
        driver.start(strings((batch, ctx) -> {
            if (!once.getAndSet(true)) {
                ctx.pause(2, Duration.ofSeconds(5)); // handled 0 and 1; 2.. are not ready yet
            }
        }, List.of()));
        send(driver, 0, 5);
        driver.assign(T, 0).runUntilIdle();
        assertEquals(2, driver.marked(T, 0), "nothing from the consumer's cursor on is marked");
        driver.revoke(T, 0).runUntilIdle();
        assertEquals(OptionalLong.of(2), driver.committed(T, 0));
    }

    @Test
    void aConsumersPauseCombinesWithTheChainsCursor(TestDriver driver) {
        AtomicBoolean once = new AtomicBoolean();
        FilterFactory<Object, Object> cutAt2 = tp -> (batch, ctx) ->
                once.get() ? Verdict.notApplied() : Verdict.pause(2, Duration.ofSeconds(1));
        driver.start(strings((batch, ctx) -> {
            if (!once.getAndSet(true)) {
                ctx.pause(4, Duration.ofSeconds(5)); // a cursor above the chain's: the lower one wins
            }
        }, List.of(cutAt2)));
        send(driver, 0, 6);
        driver.assign(T, 0).runUntilIdle();
        assertEquals(2, driver.marked(T, 0));
        assertEquals(java.time.Instant.parse("2026-01-01T00:00:01Z"),
                driver.state(T, 0).orElseThrow().pausedUntil().orElseThrow(), "the smallest pause wins");
        driver.advanceAndRun(Duration.ofSeconds(1));
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), driver.consumedOffsets(T, 0), "2 and 3 are not skipped");
    }

    @Test
    void aPartitionWhoseConsumerFailsToBuildStaysPausedAndIsSetUpAgainLater(TestDriver driver) {
        AtomicInteger builds = new AtomicInteger();
        Topology topology = Sluice.topology().topic(T)
                .deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> {
                    if (builds.incrementAndGet() == 1) {
                        throw new IllegalStateException("configuration service unreachable");
                    }
                    return (batch, ctx) -> { };
                })
                .build();
        driver.start(topology);
        send(driver, 0, 3);
        driver.assign(T, 0).runUntilIdle();
        assertTrue(driver.consumedOffsets(T, 0).isEmpty());
        assertTrue(driver.paused(T, 0));
        driver.advanceAndRun(Duration.ofSeconds(5));
        assertEquals(List.of(0L, 1L, 2L), driver.consumedOffsets(T, 0));
    }

    @Test
    void theConsumersOwnSeekOverridesTheChainsVerdict(TestDriver driver) {
        AtomicBoolean once = new AtomicBoolean();
        driver.start(strings((batch, ctx) -> {
            if (!once.getAndSet(true)) {
                ctx.seek(0);
            }
        }, List.of()));
        send(driver, 0, 2);
        driver.assign(T, 0).runUntilIdle();
        assertEquals(List.of(0L, 1L, 0L, 1L), driver.consumedOffsets(T, 0));
    }
}
