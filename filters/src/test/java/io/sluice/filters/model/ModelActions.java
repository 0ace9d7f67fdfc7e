package io.sluice.filters.model;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.ActionChainArbitrary;
import net.jqwik.api.state.Transformer;

/**
 * The actions of a schedule, each a jqwik {@link Action} whose parameters shrink: producing (values that succeed,
 * fail, flake, are dropped or cannot be deserialized; gaps), the listener's steps and the workers' jobs, time,
 * armed consumer failures and filter verdicts, rebalances, crashes, database outages, row locks, failing commits
 * and dead-letter publications, and retention.
 */
final class ModelActions {

    /** At most this many actions in one schedule. */
    static final int MAX_ACTIONS = 60;

    private ModelActions() {
    }

    /** Schedules over a topic of {@code partitions} partitions with {@code maxRetries} before dead-lettering. */
    static ActionChainArbitrary<ModelWorld> schedules(int partitions, int maxRetries, int maxPollRecords) {
        Arbitrary<Integer> p = Arbitraries.integers().between(0, partitions - 1);
        return ActionChain.<ModelWorld>startWith(() -> PartitionModelTest.opened(
                        new ModelWorld(partitions, maxRetries, maxPollRecords)))
                .withAction(8, with(Combinators.combine(p, values()).as(Produce::new),
                        a -> "produce p" + a.p + " " + a.values, (w, a) -> w.produce(a.p, a.values)))
                .withAction(2, with(Combinators.combine(p, Arbitraries.integers().between(1, 3)).as(Pair::new),
                        a -> "gap p" + a.a + " x" + a.b, (w, a) -> w.gap(a.a, a.b)))
                .withAction(10, Action.just(Transformer.mutate("step", ModelWorld::step)))
                .withAction(6, Action.just(Transformer.mutate("run all jobs", ModelWorld::runAllJobs)))
                .withAction(4, with(Arbitraries.integers().between(1, 3),
                        n -> "run " + n + " job(s)", ModelWorld::runJobs))
                .withAction(3, Action.just(Transformer.mutate("run until idle", ModelWorld::runUntilIdle)))
                .withAction(6, with(Arbitraries.of(50L, 200L, 1_000L, 3_000L),
                        ms -> "advance " + ms + " ms", ModelWorld::advance))
                .withAction(2, with(Arbitraries.of(ModelWorld.Armed.NAMED, ModelWorld.Armed.UNNAMED,
                                ModelWorld.Armed.INFRASTRUCTURE),
                        a -> "fail the consumer's next call: " + a, (w, a) -> w.armed = a))
                .withAction(2, with(Combinators.combine(Arbitraries.of(true, false),
                                Arbitraries.longs().between(1, 5), Arbitraries.of(100L, 700L, 3_000L))
                                .as((pause, back, ms) -> new ModelWorld.ArmedVerdict(pause, pause ? ms : back)),
                        v -> v.pause() ? "filter pauses the next batch " + v.amount() + " ms"
                                : "filter seeks the next batch back by " + v.amount(),
                        (w, v) -> w.armedVerdict = v))
                .withAction(1, with(Combinators.combine(p, Arbitraries.of(false, true)).as(Flag::new),
                        a -> "revoke p" + a.p + (a.flag ? " (jobs outlast the grace)" : ""),
                        (w, a) -> {
                            if (w.isAssigned(a.p)) {
                                w.revoke(a.p, a.flag);
                            }
                        }))
                .withAction(1, with(p, x -> "lose p" + x, (w, x) -> {
                    if (w.isAssigned(x)) {
                        w.lose(x);
                    }
                }))
                .withAction(2, with(p, x -> "assign p" + x, (w, x) -> {
                    if (!w.isAssigned(x)) {
                        w.assign(x);
                    }
                }))
                .withAction(1, with(Arbitraries.integers().between(0, (1 << partitions) - 1),
                        mask -> "eager rebalance to " + members(mask, partitions),
                        (w, mask) -> w.eagerRebalance(members(mask, partitions))))
                .withAction(1, Action.just(Transformer.mutate("crash and restart", ModelWorld::crash)))
                .withAction(1, Action.just(Transformer.mutate("database down", w -> w.outage(true))))
                .withAction(2, Action.just(Transformer.mutate("database up", w -> w.outage(false))))
                .withAction(1, with(p, x -> "lock the row of p" + x + " from another connection",
                        ModelWorld::lockRow))
                .withAction(2, Action.just(Transformer.mutate("release the row lock", ModelWorld::unlockRow)))
                .withAction(1, with(Arbitraries.integers().between(1, 3),
                        n -> "fail the next " + n + " Kafka commit(s)", ModelWorld::failCommits))
                .withAction(1, with(Arbitraries.integers().between(1, 2),
                        n -> "fail the next " + n + " dead-letter publication(s)", ModelWorld::failDeadLetters))
                .withAction(1, with(Combinators.combine(p, Arbitraries.of(true, false),
                                Arbitraries.of(0.3, 0.6, 1.0)).as(Retention::new),
                        a -> "retention on p" + a.p + (a.toRow ? " up to the row" : " up to " + a.fraction
                                + " of the log"),
                        (w, a) -> w.retention(a.p, a.toRow, a.fraction)))
                .withMaxTransformations(MAX_ACTIONS);
    }

    private static Arbitrary<List<String>> values() {
        Arbitrary<String> value = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(60, Arbitraries.just("ok")),
                net.jqwik.api.Tuple.of(4, Arbitraries.just("bad")),
                net.jqwik.api.Tuple.of(4, Arbitraries.just("badn")),
                net.jqwik.api.Tuple.of(5, Arbitraries.integers().between(1, 3).map(n -> "flaky:" + n)),
                net.jqwik.api.Tuple.of(5, Arbitraries.integers().between(1, 3).map(n -> "flakyn:" + n)),
                net.jqwik.api.Tuple.of(4, Arbitraries.just("drop")),
                net.jqwik.api.Tuple.of(4, Arbitraries.just("POISON")));
        return value.list().ofMinSize(1).ofMaxSize(4);
    }

    private static List<Integer> members(int mask, int partitions) {
        List<Integer> out = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            if ((mask & (1 << p)) != 0) {
                out.add(p);
            }
        }
        return out;
    }

    /** An action with a shrinkable parameter, described in the schedule by {@code describe}. */
    private static <T> Action.Independent<ModelWorld> with(Arbitrary<T> parameter, Function<T, String> describe,
                                                           BiConsumer<ModelWorld, T> act) {
        return () -> parameter.map(x -> Transformer.mutate(describe.apply(x), w -> {
            w.note(describe.apply(x));
            act.accept(w, x);
        }));
    }

    private record Produce(int p, List<String> values) {
    }

    private record Pair(int a, int b) {
    }

    private record Flag(int p, boolean flag) {
    }

    private record Retention(int p, boolean toRow, double fraction) {
    }
}
