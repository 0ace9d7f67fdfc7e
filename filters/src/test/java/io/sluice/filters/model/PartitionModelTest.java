package io.sluice.filters.model;

import io.sluice.runtime.FailureKind;
import io.sluice.runtime.SluiceEvent;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.statistics.Statistics;

/**
 * The model-based test of the runtime core (docs/architecture.md, "The partition machine"): seeded random schedules
 * of at most {@value ModelActions#MAX_ACTIONS} actions drive the real listener loop and partition machines on the
 * {@code TestDriver}, an offset-managed topic of one or two partitions with a dead-letter queue, and H2
 * ({@link ModelStore}), through produced messages that succeed, fail, flake, are dropped or are poison, gaps,
 * steps, jobs run one by one or all, time, armed consumer failures (named, unnamed, infrastructure), filter pauses
 * and seeks back, a throttle, revocations and losses with jobs in flight, eager rebalances, crashes (a new driver on
 * a copy of the log and the same database), database outages, row locks held elsewhere, failing Kafka commits and
 * dead-letter publications, and retention passing positions ({@code InvalidOffsetException}s).
 *
 * <p><b>Safety</b>, after every action: no offset applied twice; no failing, poison or dropped message applied;
 * every message below the row applied, dead-lettered, dropped, or removed by retention before it was decided; Kafka's
 * committed offset never ahead of the row; no dead letter published twice by one owner of the partition (copies
 * across a crash or a rebalance are allowed: dead letters are at-least-once across a handover, and counted).
 * <b>Liveness</b>, after every schedule: every fault is healed and every partition assigned, then the clock is
 * advanced past every pause and backoff and the runtime run to quiescence, at most {@value #MAX_ROUNDS} rounds:
 * every message must be applied exactly once, dead-lettered, dropped or expired, every row at its log end, and the
 * driver caught up with no partition paused or in flight.
 *
 * <p>A failure prints jqwik's report: the {@code seed} and the shrunk schedule (its actions in order). To replay it:
 * <pre>
 * mvn -B -q -pl filters -am test -Dtest=PartitionModelTest -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dsluice.model.seed=&lt;seed&gt;
 * </pre>
 * The runtime's own logging is quiet during the run (it would print every injected failure); it stays on when a
 * seed is given, to study the replay.
 */
class PartitionModelTest {

    static final int MAX_ROUNDS = 200;
    static final String SEED_PROPERTY = "sluice.model.seed";
    private static final ThreadLocal<ModelWorld> OPEN = new ThreadLocal<>();

    static {
        if (System.getProperty(SEED_PROPERTY) == null) {
            System.setProperty("org.slf4j.simpleLogger.log.io.sluice", "off");
        }
    }

    /** Remembers the schedule's world so the property can close it however the schedule ends. */
    static ModelWorld opened(ModelWorld world) {
        OPEN.set(world);
        return world;
    }

    @Property(tries = 1_000, edgeCases = EdgeCasesMode.NONE)
    @AddLifecycleHook(SeedFromSystemProperty.class)
    void everyMessageIsDecidedOnceAndNothingIsSkipped(@ForAll("schedules") ActionChain<ModelWorld> chain) {
        try {
            ModelWorld world = chain.withInvariant("safety", ModelWorld::checkSafety).run();
            world.heal();
            world.checkSafety();
            int rounds = 0;
            while (rounds < MAX_ROUNDS && !world.settled()) {
                world.advance(2_000);
                world.runUntilIdle();
                world.checkSafety();
                rounds++;
            }
            world.checkLiveness(rounds);
            collect(world);
        } finally {
            ModelWorld world = OPEN.get();
            OPEN.remove();
            if (world != null) {
                world.close();
            }
        }
    }

    /** Bite checks: how often the faults the schedules inject actually happened. */
    private static void collect(ModelWorld world) {
        var events = world.driver().events();
        boolean infra = events.stream().anyMatch(e -> e instanceof SluiceEvent.Failed f
                && f.kind() == FailureKind.INFRASTRUCTURE);
        Statistics.label("crashed").collect(world.crashes > 0);
        Statistics.label("dead-lettered").collect(world.part(0).deadLetters.size() > 0);
        Statistics.label("infrastructure failure after the last crash").collect(infra);
        Statistics.label("dead letter re-published across a handover").collect(world.acrossHandoverDuplicates > 0);
        Statistics.label("expired by retention").collect(world.part(0).expired.size() > 0);
        Statistics.label("row short of the log end by a tail without records").collect(world.rowsShortOfATail() > 0);
    }

    @Provide
    Arbitrary<ActionChain<ModelWorld>> schedules() {
        return Combinators.combine(Arbitraries.integers().between(1, 2), Arbitraries.integers().between(0, 2),
                        Arbitraries.of(1, 3, 500))
                .flatAs(ModelActions::schedules);
    }

    /** Replays {@code -Dsluice.model.seed=<seed>}. */
    static final class SeedFromSystemProperty implements AroundPropertyHook {
        @Override
        public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
            String seed = System.getProperty(SEED_PROPERTY);
            if (seed != null && !seed.isBlank()) {
                context.attributes().setSeed(seed.trim());
            }
            return property.execute();
        }
    }
}
