package io.sluice.filters.model;

import io.sluice.runtime.FailureKind;
import io.sluice.runtime.SluiceEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs one schedule in a fresh {@link ModelWorld} and says whether, and which, property failed; and shrinks a failing
 * schedule by delta debugging.
 *
 * <p>A run: the world starts (every partition of every group assigned); after each action that runs the runtime,
 * safety ({@link ModelAction#runsTheRuntime()}: no other action can break it); then every fault is healed and every
 * partition assigned, and at most {@value #MAX_ROUNDS} times, until everything is settled, the clock moves past every
 * pause and backoff and every group runs until idle (safety after each round); then liveness.
 *
 * <p>Shrinking keeps a change only when the changed schedule, run from a fresh world, fails the same property
 * ({@link Outcome#property()}): first it cuts the schedule after the failing action (a safety failure), then removes
 * chunks of actions, halving the chunk down to single actions, then simplifies each action's parameters
 * ({@link ModelAction#simpler()}) and the schedule's shape (one group and one partition, every action moved to the
 * first; {@code maxRetries} 0; {@code max.poll.records} 500), and repeats until nothing changes or the budget of runs
 * is spent.
 */
final class ModelRunner {

    /** At most this many liveness rounds (advance the clock, run until idle) after a schedule. */
    static final int MAX_ROUNDS = 200;
    private static final long LIVENESS_STEP_MS = 2_000;

    private final ModelStore store;
    private final Map<String, AtomicLong> bites = new TreeMap<>();

    ModelRunner(ModelStore store) {
        this.store = store;
    }

    /**
     * What a failing run saw.
     *
     * @param property which property failed (a {@link ModelViolation}'s, or {@code exception <class>})
     * @param error    the failure
     * @param action   the index of the action after which it failed; -1 when it failed in the liveness phase
     */
    record Outcome(String property, Throwable error, int action) {
    }

    /** Runs {@code schedule}; {@code null} when every property held. */
    Outcome run(Schedule schedule) {
        ModelWorld world = null;
        int i = -1;
        try {
            world = new ModelWorld(schedule, store);
            world.checkSafety();
            List<ModelAction> actions = schedule.actions();
            for (i = 0; i < actions.size(); i++) {
                ModelAction a = actions.get(i);
                a.apply(world);
                if (a.runsTheRuntime()) {
                    world.checkSafety();
                }
            }
            i = -1;
            world.heal();
            world.checkSafety();
            int rounds = 0;
            while (rounds < MAX_ROUNDS && !world.settled()) {
                world.advance(LIVENESS_STEP_MS);
                world.runEveryGroupUntilIdle();
                world.checkSafety();
                rounds++;
            }
            world.checkLiveness(rounds);
            count(world, schedule, rounds);
            return null;
        } catch (ModelViolation v) {
            return new Outcome(v.property(), v, i);
        } catch (VirtualMachineError e) {
            throw e;
        } catch (RuntimeException | Error e) {
            return new Outcome("exception " + e.getClass().getName(), e, i);
        } finally {
            if (world != null) {
                try {
                    world.close();
                } catch (RuntimeException e) {
                    // the next world wipes what this one left
                }
            }
        }
    }

    /** Bite checks: how often the faults the schedules inject actually happened. */
    private void count(ModelWorld world, Schedule schedule, int rounds) {
        bite("schedules");
        bite("liveness rounds", rounds);
        if (schedule.groups() > 1) {
            bite("two groups on one table");
        }
        boolean crashed = false;
        boolean deadLetters = false;
        boolean infrastructure = false;
        boolean republished = false;
        for (ModelWorld.Group g : world.groups()) {
            crashed |= g.crashes > 0;
            republished |= g.acrossHandoverDuplicates > 0;
            deadLetters |= !g.driver.deadLetters().isEmpty();
            infrastructure |= g.driver.events(SluiceEvent.Failed.class).stream()
                    .anyMatch(f -> f.kind() == FailureKind.INFRASTRUCTURE);
        }
        if (crashed) {
            bite("crashed");
        }
        if (deadLetters) {
            bite("dead-lettered");
        }
        if (infrastructure) {
            bite("infrastructure failure after the last crash");
        }
        if (republished) {
            bite("dead letter re-published across a handover");
        }
        if (world.expiredAny()) {
            bite("expired by retention");
        }
    }

    private void bite(String what) {
        bite(what, 1);
    }

    private void bite(String what, long n) {
        bites.computeIfAbsent(what, k -> new AtomicLong()).addAndGet(n);
    }

    /** The bite counts so far (schedules that passed). */
    Map<String, AtomicLong> bites() {
        return bites;
    }

    /** A shrunk schedule, its outcome, and how many runs shrinking took. */
    record Shrunk(Schedule schedule, Outcome outcome, int runs) {
    }

    /** Shrinks {@code failing} (which failed with {@code outcome}) within {@code budget} runs. */
    Shrunk shrink(Schedule failing, Outcome outcome, int budget) {
        Shrinker s = new Shrinker(failing, outcome, budget);
        s.shrink();
        return new Shrunk(s.current, s.outcome, s.runs);
    }

    private final class Shrinker {
        private final String property;
        private final int budget;
        Schedule current;
        Outcome outcome;
        int runs;

        Shrinker(Schedule failing, Outcome outcome, int budget) {
            this.current = failing;
            this.outcome = outcome;
            this.property = outcome.property();
            this.budget = budget;
        }

        /** Whether {@code candidate} fails the same property; if so, it becomes the current schedule. */
        private boolean keep(Schedule candidate) {
            if (runs >= budget) {
                return false;
            }
            runs++;
            Outcome o = run(candidate);
            if (o != null && o.property().equals(property)) {
                current = candidate;
                outcome = o;
                cutAfterFailure();
                return true;
            }
            return false;
        }

        /** A safety failure after action k: the actions after it never ran. */
        private void cutAfterFailure() {
            if (outcome.action() >= 0 && outcome.action() + 1 < current.actions().size()) {
                current = current.withActions(current.actions().subList(0, outcome.action() + 1));
            }
        }

        void shrink() {
            cutAfterFailure();
            boolean changed = true;
            while (changed && runs < budget) {
                changed = removeChunks();
                changed |= simplifyActions();
                changed |= simplifyShape();
            }
        }

        private boolean removeChunks() {
            boolean any = false;
            for (int chunk = Math.max(1, current.actions().size() / 2); chunk >= 1; chunk /= 2) {
                boolean progress = true;
                while (progress && runs < budget) {
                    progress = false;
                    for (int start = 0; start < current.actions().size() && runs < budget; ) {
                        List<ModelAction> fewer = new ArrayList<>(current.actions());
                        fewer.subList(start, Math.min(fewer.size(), start + chunk)).clear();
                        if (keep(current.withActions(fewer))) {
                            progress = true;
                            any = true;
                        } else {
                            start += chunk;
                        }
                    }
                }
            }
            return any;
        }

        private boolean simplifyActions() {
            boolean any = false;
            for (int i = 0; i < current.actions().size() && runs < budget; i++) {
                boolean progress = true;
                while (progress && i < current.actions().size()) {
                    progress = false;
                    for (ModelAction simpler : current.actions().get(i).simpler()) {
                        List<ModelAction> changed = new ArrayList<>(current.actions());
                        changed.set(i, simpler);
                        if (keep(current.withActions(changed))) {
                            progress = true;
                            any = true;
                            break;
                        }
                    }
                }
            }
            return any;
        }

        private boolean simplifyShape() {
            boolean any = false;
            Schedule s = current;
            if (s.groups() > 1) {
                any |= keep(s.withShape(s.partitions(), s.maxRetries(), s.maxPollRecords(), 1)
                        .withActions(s.actions().stream().map(ModelAction::onTheFirstGroup).toList()));
            }
            s = current;
            if (s.partitions() > 1) {
                any |= keep(s.withShape(1, s.maxRetries(), s.maxPollRecords(), s.groups())
                        .withActions(s.actions().stream().map(ModelAction::onPartitionZero).toList()));
            }
            s = current;
            if (s.maxPollRecords() != 500) {
                any |= keep(s.withShape(s.partitions(), s.maxRetries(), 500, s.groups()));
            }
            s = current;
            if (s.maxRetries() > 0) {
                any |= keep(s.withShape(s.partitions(), 0, s.maxPollRecords(), s.groups()));
            }
            return any;
        }
    }
}
