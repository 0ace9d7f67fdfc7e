package io.sluice.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Filter;
import io.sluice.dsl.FilterFactory;
import io.sluice.dsl.Message;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.TopicBuilder;
import io.sluice.dsl.Topology;
import io.sluice.dsl.Verdict;
import io.sluice.dsl.VirtualPartitioner;
import io.sluice.dsl.VirtualPartitions;
import io.sluice.testing.TestDriver;
import io.sluice.testing.TestDriverExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Virtual partitions through the real listener, machines and jobs under the test driver: the split after the chain,
 * per-key order, groups really running at once, a failing virtual partition blocking only itself while the Kafka mark
 * stays at the lowest undecided offset, revocation with groups in flight, and backpressure.
 */
@ExtendWith(TestDriverExtension.class)
class VirtualPartitionsDriverTest {

    private static final String T = "orders";
    private static final String DLQ = "orders.dlq";

    /** Keys that map to distinct virtual partitions of {@code n}, one per partition (key i maps to vp i). */
    private static List<String> keysPerVp(int n) {
        String[] found = new String[n];
        int left = n;
        for (int i = 0; left > 0; i++) {
            String key = "key-" + i;
            int v = VirtualPartitioner.murmur2().virtualPartition(key.getBytes(StandardCharsets.UTF_8), null, 0, n);
            if (found[v] == null) {
                found[v] = key;
                left--;
            }
        }
        return List.of(found);
    }

    private static Topology topology(io.sluice.dsl.Consumer<String, String> consumer,
                                     UnaryOperator<TopicBuilder<String, String>> settings) {
        return settings.apply(Sluice.topology().topic(T)
                .deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> consumer)).build();
    }

    /** A filter that records every offset the chain sees. */
    private static FilterFactory<Object, Object> seen(List<Long> offsets) {
        return new FilterFactory<>() {
            @Override
            public Filter<Object, Object> create(TopicPartition tp) {
                return (batch, ctx) -> {
                    batch.forEach(m -> offsets.add(m.offset()));
                    return Verdict.notApplied();
                };
            }
        };
    }

    @Test
    void recordsOfOneKeyKeepTheirOrderAndEveryRecordIsConsumedOnce(TestDriver driver) {
        List<String> keys = keysPerVp(4);
        Map<String, List<String>> byKey = new ConcurrentHashMap<>();
        List<Long> chain = new CopyOnWriteArrayList<>();
        driver.maxPollRecords(10);
        driver.start(topology((batch, ctx) -> batch.forEach(m ->
                byKey.computeIfAbsent(m.key(), k -> new CopyOnWriteArrayList<>()).add(m.value())),
                t -> t.filter(seen(chain)).virtualPartitions(4)));
        Map<String, List<String>> sent = new LinkedHashMap<>();
        for (int i = 0; i < 40; i++) {
            String key = keys.get((i * 7) % 4);
            sent.computeIfAbsent(key, k -> new ArrayList<>()).add("v" + i);
            driver.send(T, 0, key, "v" + i);
        }
        driver.assign(T, 0).runUntilIdle().advanceAndRun(Duration.ofSeconds(6));

        assertEquals(sent, new HashMap<>(byKey), "per key: every record once, in offset order");
        assertEquals(40, chain.size(), "the chain ran once per fetched batch, on the whole partition");
        assertEquals(40, driver.consumedOffsets(T, 0).size());
        assertEquals(40L, driver.committed(T, 0).orElseThrow());
        assertTrue(driver.caughtUp());
    }

    @Test
    void groupsOfOnePartitionRunAtTheSameTime(TestDriver driver) throws Exception {
        List<String> keys = keysPerVp(2);
        CyclicBarrier both = new CyclicBarrier(2);
        driver.start(topology((batch, ctx) -> {
            try {
                // each group waits for the other: this only returns if the two run at the same time
                both.await(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("the other virtual partition's group never ran alongside", e);
            }
        }, t -> t.virtualPartitions(2)));
        driver.send(T, 0, keys.get(0), "a").send(T, 0, keys.get(1), "b");
        driver.assign(T, 0).step();
        assertEquals(1, driver.pendingJobs(), "one chain job for the fetched batch");
        driver.runNextJob();
        driver.step();
        assertEquals(2, driver.pendingJobs(), "one job per virtual partition, both launched");

        List<Throwable> errors = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(2);
        for (int i = 0; i < 2; i++) {
            Thread worker = new Thread(() -> {
                try {
                    driver.runNextJob();
                } catch (Throwable e) {
                    errors.add(e);
                } finally {
                    done.countDown();
                }
            });
            worker.start();
        }
        assertTrue(done.await(20, TimeUnit.SECONDS));
        assertEquals(List.of(), errors);
        driver.runUntilIdle().advanceAndRun(Duration.ofSeconds(6));
        assertEquals(Set.of(0L, 1L), Set.copyOf(driver.consumedOffsets(T, 0)));
        assertTrue(driver.events(SluiceEvent.Failed.class).isEmpty(), "both groups passed the barrier");
        assertEquals(2L, driver.committed(T, 0).orElseThrow());
    }

    @Test
    void aFailingVirtualPartitionBlocksOnlyItselfAndHoldsTheMarkAtTheLowestUndecidedOffset(TestDriver driver) {
        List<String> keys = keysPerVp(2);
        String bad = keys.get(0);
        String good = keys.get(1);
        AtomicBoolean broken = new AtomicBoolean(true);
        List<Long> chain = new CopyOnWriteArrayList<>();
        List<String> applied = new CopyOnWriteArrayList<>();
        driver.start(topology((batch, ctx) -> {
            for (Message<String, String> m : batch) {
                if (m.key().equals(bad) && broken.get()) {
                    throw new IllegalStateException("cannot apply " + m.value());
                }
                applied.add(m.value());
            }
        }, t -> t.filter(seen(chain)).virtualPartitions(2)));
        driver.send(T, 0, good, "g0").send(T, 0, bad, "b1").send(T, 0, good, "g2").send(T, 0, good, "g3");
        driver.assign(T, 0).runUntilIdle();
        int sought = driver.events(SluiceEvent.Sought.class).size(); // the initial reset
        for (int i = 0; i < 5; i++) {
            driver.advanceAndRun(Duration.ofSeconds(6));
        }
        // the other virtual partition goes on, including with records fetched after the failure began
        driver.send(T, 0, good, "g4").send(T, 0, good, "g5");
        driver.advanceAndRun(Duration.ofSeconds(6));
        assertEquals(List.of("g0", "g2", "g3", "g4", "g5"), applied);
        assertEquals(1L, driver.committed(T, 0).orElseThrow(), "the mark stays at the failing record");
        assertEquals(sought, driver.events(SluiceEvent.Sought.class).size(),
                "a group failure never moves the position");
        assertEquals(6L, driver.position(T, 0));
        assertTrue(driver.events(SluiceEvent.Failed.class).size() >= 3, "the failing group was retried");
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), chain, "retries run from memory: the chain ran once");

        broken.set(false);
        driver.advanceAndRun(Duration.ofMinutes(1)).advanceAndRun(Duration.ofSeconds(6));
        assertEquals(List.of("g0", "g2", "g3", "g4", "g5", "b1"), applied);
        assertEquals(6L, driver.committed(T, 0).orElseThrow());
        assertTrue(driver.caughtUp());
    }

    @Test
    void aGroupsPoisonedRecordIsDeadLetteredWhileTheOtherVirtualPartitionsProgress(TestDriver driver) {
        List<String> keys = keysPerVp(2);
        String bad = keys.get(0);
        String good = keys.get(1);
        List<String> applied = new CopyOnWriteArrayList<>();
        driver.start(topology((batch, ctx) -> {
            if (batch.stream().anyMatch(m -> m.value().equals("poison"))) {
                throw new IllegalStateException("cannot apply the batch");
            }
            batch.forEach(m -> applied.add(m.value()));
        }, t -> t.virtualPartitions(2).deadLetterQueue(DLQ, 2).backoff(Duration.ofMillis(100),
                Duration.ofMillis(100))));
        driver.send(T, 0, bad, "b0").send(T, 0, bad, "poison").send(T, 0, good, "g2").send(T, 0, bad, "b3");
        driver.assign(T, 0).runUntilIdle();
        for (int i = 0; i < 10; i++) {
            driver.advanceAndRun(Duration.ofSeconds(1));
        }
        driver.advanceAndRun(Duration.ofSeconds(6));
        assertEquals(1, driver.deadLetters().size());
        assertEquals(List.of("b0", "b3", "g2"), applied.stream().sorted().toList());
        assertEquals(List.of("b0", "b3"), applied.stream().filter(v -> v.startsWith("b")).toList(),
                "the virtual partition's order holds around the dead letter");
        assertEquals(4L, driver.committed(T, 0).orElseThrow());
    }

    @Test
    void markAsConsumedInAGroupMarksOnlyItsVirtualPartition(TestDriver driver) {
        List<String> keys = keysPerVp(2);
        String marks = keys.get(0);
        String silent = keys.get(1);
        driver.start(topology((batch, ctx) -> {
            for (Message<String, String> m : batch) {
                if (m.key().equals(marks)) {
                    ctx.markAsConsumed(m);
                }
            }
        }, t -> t.virtualPartitions(2).manualMarking()));
        driver.send(T, 0, marks, "m0").send(T, 0, silent, "s1").send(T, 0, marks, "m2");
        driver.assign(T, 0).runUntilIdle().advanceAndRun(Duration.ofSeconds(6));
        assertEquals(1L, driver.committed(T, 0).orElseThrow(),
                "the mark at 3 of one virtual partition covers nothing of the other");
        assertEquals(3, driver.consumedOffsets(T, 0).size(), "nothing is run twice for want of a mark");
    }

    @Test
    void revocationWithGroupsInFlightCommitsOnlyWhatIsDecided(TestDriver driver) {
        List<String> keys = keysPerVp(2);
        String bad = keys.get(0);
        String good = keys.get(1);
        List<String> applied = new CopyOnWriteArrayList<>();
        driver.start(topology((batch, ctx) -> {
            for (Message<String, String> m : batch) {
                if (m.key().equals(bad)) {
                    throw new IllegalStateException("cannot apply " + m.value());
                }
                applied.add(m.value());
            }
        }, t -> t.virtualPartitions(2)));
        driver.send(T, 0, good, "g0").send(T, 0, bad, "b1").send(T, 0, good, "g2");
        driver.assign(T, 0).step();
        driver.runNextJob(); // the chain
        driver.step();
        assertEquals(2, driver.pendingJobs(), "both groups in flight");
        // revoked with both groups queued: they run within the grace; only what is decided is committed
        driver.revoke(T, 0).step();
        assertEquals(List.of("g0", "g2"), applied);
        assertEquals(1L, driver.committed(T, 0).orElseThrow(), "g2 is decided but b1 below it is not");
        driver.runUntilIdle();
        assertEquals(0, driver.pendingJobs(), "a revoked partition launches no retry");
    }

    @Test
    void backpressurePausesFetchingUntilGroupsFinish(TestDriver driver) {
        List<String> keys = keysPerVp(2);
        List<String> applied = new CopyOnWriteArrayList<>();
        AtomicBoolean down = new AtomicBoolean(true);
        driver.maxPollRecords(2);
        driver.start(topology((batch, ctx) -> {
            if (down.get()) {
                throw new io.sluice.dsl.InfrastructureFailure("the database is down");
            }
            batch.forEach(m -> applied.add(m.value()));
        }, t -> t.virtualPartitions(VirtualPartitions.of(2).withMaxInFlightMessages(3))));
        for (int i = 0; i < 8; i++) {
            driver.send(T, 0, keys.get(i % 2), "v" + i);
        }
        driver.assign(T, 0).runUntilIdle();
        // [0, 2) waits in two failing groups (below the bound), so [2, 4) is fetched beside them; then 4 wait
        PartitionState state = driver.state(T, 0).orElseThrow();
        assertEquals(4L, driver.position(T, 0), "the second batch was fetched while the first one's groups failed");
        assertTrue(state.pauseReasons().contains("backpressure"), "4 unfinished messages reach the bound of 3: "
                + state.pauseReasons());
        assertTrue(driver.paused(T, 0));
        driver.runUntilIdle();
        assertEquals(4L, driver.position(T, 0), "nothing is fetched while the bound is reached");
        assertEquals(List.of(), applied);

        down.set(false);
        for (int i = 0; i < 4; i++) {
            driver.advanceAndRun(Duration.ofMinutes(1));
        }
        assertFalse(driver.state(T, 0).orElseThrow().pauseReasons().contains("backpressure"));
        assertEquals(8, applied.size());
        assertEquals(8L, driver.committed(T, 0).orElseThrow());
    }
}
