package io.sluice.filters.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The model-based test of the runtime core (docs/architecture.md, "The partition machine"): seeded random schedules
 * of at most {@value Schedule#MAX_ACTIONS} actions ({@link ModelAction}) drive the real listener loop and partition
 * machines on the {@code TestDriver}, an offset-managed topic of one or two partitions with a dead-letter queue,
 * consumed by one or two consumer groups whose offsets share one H2 table ({@link ModelStore}), through produced
 * messages that succeed, fail, flake, are dropped or are poison, gaps, steps, jobs run one by one or all, time,
 * armed consumer failures (named, unnamed, infrastructure), filter pauses and seeks back, a throttle, revocations and
 * losses with jobs in flight, eager rebalances, crashes (a new driver on a copy of the log and the same database),
 * database outages, row locks held elsewhere, failing Kafka commits and dead-letter publications, and retention
 * passing positions ({@code InvalidOffsetException}s).
 *
 * <p><b>Safety</b>, after every action (checked after each that runs the runtime: no other can break it): no offset
 * applied twice; no failing, poison or dropped message applied; every message below the row applied, dead-lettered,
 * dropped, or removed by retention before it was decided; Kafka's committed offset never ahead of the row; no dead
 * letter published twice by one owner of the partition (copies across a crash or a rebalance are allowed: dead
 * letters are at-least-once across a handover, and counted). Retention may pass undecided rows
 * ({@code -Dsluice.model.retentionPastTheRow=false} keeps it behind them).
 * <b>Liveness</b>, after every schedule: every fault is healed and every partition assigned, then the clock is
 * advanced past every pause and backoff and the runtime run to quiescence, at most {@value ModelRunner#MAX_ROUNDS}
 * rounds: every message must be applied exactly once, dead-lettered, dropped or expired, every row at its log end,
 * and no partition paused or in flight. See {@link ModelRunner}.
 *
 * <p>No third-party property-testing library: each schedule is drawn from {@code new Random(seed)}
 * ({@link Schedule#generate}); the schedules run on {@code -Dsluice.model.threads} threads (default 2), each with its
 * own H2 database. A failure is shrunk by delta debugging and reported with the seed, the original length and the
 * shrunk schedule, one action per line. Properties:
 * <ul>
 *   <li>{@code -Dsluice.model.schedules=<n>}: how many schedules (default 10,000);</li>
 *   <li>{@code -Dsluice.model.seed=<seed>}: replays that one schedule, with the runtime's logging on;</li>
 *   <li>{@code -Dsluice.model.runSeed=<seed>}: the seed the schedules' seeds are drawn from (default fixed, so every
 *       build runs the same schedules; {@code random} draws a new one, printed, to explore);</li>
 *   <li>{@code -Dsluice.model.retentionPastTheRow=false}: retention never passes an undecided row;</li>
 *   <li>{@code -Dsluice.model.threads=<n>}: runner threads (default 2).</li>
 * </ul>
 * <pre>
 * mvn -B -q -pl filters -am test -Dtest=PartitionModelTest -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dsluice.model.seed=&lt;seed&gt;
 * </pre>
 */
class PartitionModelTest {

    static final String SEED_PROPERTY = "sluice.model.seed";
    /** The run seed of the suite: the same 10,000 schedules on every build. */
    static final long DEFAULT_RUN_SEED = 20_261_130L;
    private static final int DEFAULT_SCHEDULES = 10_000;
    private static final int SHRINK_BUDGET = 3_000;

    static {
        if (System.getProperty(SEED_PROPERTY) == null) {
            // the runtime logs every injected failure; it stays on for a replay
            System.setProperty("org.slf4j.simpleLogger.log.io.sluice", "off");
        }
    }

    @Test
    void everyMessageIsDecidedOnceAndNothingIsSkipped() throws Exception {
        String replay = System.getProperty(SEED_PROPERTY);
        if (replay != null && !replay.isBlank()) {
            replay(Long.parseLong(replay.trim()));
            return;
        }
        int schedules = Integer.getInteger("sluice.model.schedules", DEFAULT_SCHEDULES);
        int threads = Integer.getInteger("sluice.model.threads", 2);
        // a fixed run seed by default, so that the suite is deterministic; "random" explores new schedules
        String given = System.getProperty("sluice.model.runSeed", Long.toString(DEFAULT_RUN_SEED));
        long runSeed = given.equals("random") ? new Random().nextLong() : Long.parseLong(given);
        long started = System.nanoTime();
        AtomicInteger next = new AtomicInteger();
        AtomicReference<Failed> failed = new AtomicReference<>();
        Map<String, AtomicLong> bites = new TreeMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Map<String, AtomicLong>>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(pool.submit(() -> {
                    try (ModelStore store = new ModelStore()) {
                        ModelRunner runner = new ModelRunner(store);
                        for (int i = next.getAndIncrement(); i < schedules && failed.get() == null;
                             i = next.getAndIncrement()) {
                            Schedule s = Schedule.generate(scheduleSeed(runSeed, i));
                            ModelRunner.Outcome o = runner.run(s);
                            if (o != null) {
                                failed.compareAndSet(null, new Failed(s, o));
                            }
                        }
                        runner.bites().computeIfAbsent("cpu ms", k -> new AtomicLong())
                                .addAndGet(ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() / 1_000_000);
                        return runner.bites();
                    }
                }));
            }
            for (Future<Map<String, AtomicLong>> w : workers) {
                w.get().forEach((k, v) -> bites.computeIfAbsent(k, x -> new AtomicLong()).addAndGet(v.get()));
            }
        } catch (ExecutionException e) {
            throw new AssertionError("a model runner broke", e.getCause());
        } finally {
            pool.shutdownNow();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        Failed f = failed.get();
        if (f != null) {
            fail(f.schedule(), f.outcome(), String.format("after %.1f s, %d schedules (run seed %d)", seconds,
                    next.get(), runSeed));
        }
        System.out.printf("PartitionModelTest: %d schedules of at most %d actions on %d thread(s) in %.1f s"
                        + " (run seed %d); bites %s%n", schedules, Schedule.MAX_ACTIONS, threads, seconds, runSeed,
                bites);
        assertTrue(bites.getOrDefault("schedules", new AtomicLong()).get() == schedules, "every schedule ran");
    }

    /** The seed of schedule {@code i} of a run: SplitMix64 of the run seed and the index. */
    static long scheduleSeed(long runSeed, int i) {
        long z = runSeed + (i + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Schedules that once failed, replayed on every build whatever the run seed: {@code -893002396849815537} (a
     * message dead-lettered, a gap, a throttle pausing at the first message above the gap: the resumed batch was
     * launched from above its row and refused, caught by the check that only retention may do that).
     */
    @ParameterizedTest
    @ValueSource(longs = {-893002396849815537L})
    void aScheduleThatOnceFailedPasses(long seed) {
        replay(seed);
    }

    /**
     * Found by this review with {@code -Dsluice.model.runSeed=8488204857694892922} (schedule 5794), shrunk to six
     * actions: produce [ok], run until idle, produce [drop, ok], crash and restart, the scripted filter seeks the next
     * batch back by 1, run until idle. The batch re-fetched from 0 holds 0 (below the row 1, fenced) and 1 (dropped):
     * the chain clamps the drop's mark to the first message left (0), consume marks min(row, next) = 1, so the row
     * stays at 1 while the position moves to 2, and the next batch, fetched from 2, is refused ("offsets 1..1 would
     * be skipped"); a re-enforcement recovers. Only dropped messages lie between, so nothing is lost, but it is a
     * refusal the chaos rows count as a failure. Fixed: {@code consume} moves the row to the batch's settled end
     * when nothing is left to apply and that end lies above the row.
     */
    @Test
    void aDroppedMessageASeekBackAndACrashDoNotLaunchABatchFromAboveTheRow() {
        replay(-5310505197305819399L);
    }

    private static void replay(long seed) {
        Schedule s = Schedule.generate(seed);
        System.out.println("PartitionModelTest: replaying seed " + seed + ", " + s.actions().size() + " actions:\n"
                + s.describe());
        try (ModelStore store = new ModelStore()) {
            ModelRunner.Outcome o = new ModelRunner(store).run(s);
            if (o != null) {
                fail(s, o, "on replay");
            }
        }
        System.out.println("PartitionModelTest: seed " + seed + " passed");
    }

    /** Shrinks the failing schedule and fails the test with the seed, the lengths and the shrunk schedule. */
    private static void fail(Schedule original, ModelRunner.Outcome outcome, String when) {
        ModelRunner.Shrunk shrunk;
        long started = System.nanoTime();
        try (ModelStore store = new ModelStore()) {
            shrunk = new ModelRunner(store).shrink(original, outcome, SHRINK_BUDGET);
        }
        String report = String.format("""
                        the model failed %s: %s
                        seed %d (replay: -D%s=%d); the original schedule had %d actions, shrunk to %d in %d runs \
                        (%.1f s); failed %s:
                        %s%s""",
                when, shrunk.outcome().property(), original.seed(), SEED_PROPERTY, original.seed(),
                original.actions().size(), shrunk.schedule().actions().size(), shrunk.runs(),
                (System.nanoTime() - started) / 1e9,
                shrunk.outcome().action() < 0 ? "in the liveness phase"
                        : "after action " + (shrunk.outcome().action() + 1),
                shrunk.schedule().describe(), shrunk.outcome().error().getMessage());
        System.out.println(report);
        throw new AssertionError(report, shrunk.outcome().error());
    }

    private record Failed(Schedule schedule, ModelRunner.Outcome outcome) {
    }
}
