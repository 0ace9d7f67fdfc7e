package io.sluice.filters.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * One action of a schedule: a value (a record) that says what it does ({@link #toString()}, one line a developer can
 * read), does it to a {@link ModelWorld}, and offers simpler variants of itself for the shrinker. Producing (values
 * that succeed, fail, flake, are dropped or cannot be deserialized; gaps), the listener's steps and the workers'
 * jobs, time, armed consumer failures and filter verdicts, rebalances, crashes, database outages, row locks,
 * failing commits and dead-letter publications, and retention.
 *
 * <p>Actions that name a partition apply to partition {@code p % partitions}, so that every action stays valid
 * whatever the shrinker does to the schedule's partition count.
 */
sealed interface ModelAction {

    /** Does this action to {@code world}. */
    void apply(ModelWorld world);

    /** Variants with simpler parameters, simplest first; empty when there is nothing simpler. */
    default List<ModelAction> simpler() {
        return List.of();
    }

    /** This action on partition 0 instead of the one it names (for the shrinker's attempt at one partition). */
    default ModelAction onPartitionZero() {
        return this;
    }

    /** This action on the first group (for the shrinker's attempt at one group). */
    default ModelAction onTheFirstGroup() {
        return this;
    }

    /**
     * Whether this action runs the runtime (a step or jobs, or a crash). Only such an action can break a safety
     * property: the others change the log above every row, time, armed faults or pending rebalances, none of which
     * the runtime sees before it runs; so the runner checks safety after these only.
     */
    default boolean runsTheRuntime() {
        return false;
    }

    /** Whether this action is done to one group's runtime (and so can be {@link OnGroup directed}). */
    default boolean onARuntime() {
        return true;
    }

    /** The weights of the actions, as {@link #random} draws them. */
    int[] WEIGHTS = {8, 2, 10, 6, 4, 3, 6, 2, 2, 1, 1, 2, 1, 1, 1, 2, 1, 2, 1, 1, 1};

    /** Draws one action for a topic of {@code partitions} partitions consumed by {@code groups} groups. */
    static ModelAction random(Random r, int partitions, int groups) {
        ModelAction a = random(r, partitions);
        if (groups > 1 && a.onARuntime()) {
            int g = r.nextInt(groups);
            return g == 0 ? a : new OnGroup(g, a);
        }
        return a;
    }

    private static ModelAction random(Random r, int partitions) {
        int total = 0;
        for (int w : WEIGHTS) {
            total += w;
        }
        int x = r.nextInt(total);
        int kind = 0;
        while (x >= WEIGHTS[kind]) {
            x -= WEIGHTS[kind];
            kind++;
        }
        int p = r.nextInt(partitions);
        return switch (kind) {
            case 0 -> new Produce(p, values(r));
            case 1 -> new Gap(p, 1 + r.nextInt(3));
            case 2 -> new Step();
            case 3 -> new RunAllJobs();
            case 4 -> new RunJobs(1 + r.nextInt(3));
            case 5 -> new RunUntilIdle();
            case 6 -> new Advance(pick(r, 50L, 200L, 1_000L, 3_000L));
            case 7 -> new ArmFailure(pick(r, ModelWorld.Armed.NAMED, ModelWorld.Armed.UNNAMED,
                    ModelWorld.Armed.INFRASTRUCTURE));
            case 8 -> {
                boolean pause = r.nextBoolean();
                long back = 1 + r.nextInt(5);
                long ms = pick(r, 100L, 700L, 3_000L);
                yield new ArmVerdict(pause, pause ? ms : back);
            }
            case 9 -> new Revoke(p, r.nextBoolean());
            case 10 -> new Lose(p);
            case 11 -> new Assign(p);
            case 12 -> new EagerRebalance(r.nextInt(1 << partitions));
            case 13 -> new Crash();
            case 14 -> new DatabaseDown();
            case 15 -> new DatabaseUp();
            case 16 -> new LockRow(p);
            case 17 -> new UnlockRow();
            case 18 -> new FailCommits(1 + r.nextInt(3));
            case 19 -> new FailDeadLetters(1 + r.nextInt(2));
            case 20 -> new Retention(p, r.nextBoolean(), pick(r, 0.3, 0.6, 1.0));
            default -> throw new IllegalStateException("no action " + kind);
        };
    }

    /** One to four values: mostly {@code ok}, some failing, flaky, dropped or poison. */
    private static List<String> values(Random r) {
        int n = 1 + r.nextInt(4);
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int x = r.nextInt(86); // 60 ok, 4 bad, 4 badn, 5 flaky, 5 flakyn, 4 drop, 4 POISON
            if (x < 60) {
                out.add("ok");
            } else if (x < 64) {
                out.add("bad");
            } else if (x < 68) {
                out.add("badn");
            } else if (x < 73) {
                out.add("flaky:" + (1 + r.nextInt(3)));
            } else if (x < 78) {
                out.add("flakyn:" + (1 + r.nextInt(3)));
            } else if (x < 82) {
                out.add("drop");
            } else {
                out.add("POISON");
            }
        }
        return out;
    }

    @SafeVarargs
    private static <T> T pick(Random r, T... choices) {
        return choices[r.nextInt(choices.length)];
    }

    /** Simpler values: one value fewer, or one value replaced by {@code ok} or a smaller flake count. */
    private static List<List<String>> simplerValues(List<String> values) {
        List<List<String>> out = new ArrayList<>();
        for (int i = 0; i < values.size() && values.size() > 1; i++) {
            List<String> fewer = new ArrayList<>(values);
            fewer.remove(i);
            out.add(fewer);
        }
        for (int i = 0; i < values.size(); i++) {
            String v = values.get(i);
            List<String> candidates = new ArrayList<>();
            if (v.startsWith("flaky")) {
                int n = Integer.parseInt(v.substring(v.indexOf(':') + 1));
                if (n > 1) {
                    candidates.add(v.substring(0, v.indexOf(':') + 1) + (n - 1));
                }
            }
            if (v.equals("badn")) {
                candidates.add("bad");
            }
            if (!v.equals("ok")) {
                candidates.add("ok");
            }
            for (String c : candidates) {
                List<String> changed = new ArrayList<>(values);
                changed.set(i, c);
                out.add(changed);
            }
        }
        return out;
    }

    /** Produces {@code values} to partition {@code p}. */
    record Produce(int p, List<String> values) implements ModelAction {
        public Produce {
            values = List.copyOf(values);
        }

        @Override
        public boolean onARuntime() {
            return false;
        }

        @Override
        public void apply(ModelWorld w) {
            w.produce(w.p(p), values);
        }

        @Override
        public List<ModelAction> simpler() {
            List<ModelAction> out = new ArrayList<>();
            for (List<String> v : simplerValues(values)) {
                out.add(new Produce(p, v));
            }
            if (p > 0) {
                out.add(new Produce(0, values));
            }
            return out;
        }

        @Override
        public ModelAction onPartitionZero() {
            return new Produce(0, values);
        }

        @Override
        public String toString() {
            return "produce p" + p + " " + values;
        }
    }

    /** Leaves {@code count} offsets of partition {@code p} without records (markers, compaction). */
    record Gap(int p, int count) implements ModelAction {
        @Override
        public boolean onARuntime() {
            return false;
        }

        @Override
        public void apply(ModelWorld w) {
            w.gap(w.p(p), count);
        }

        @Override
        public List<ModelAction> simpler() {
            List<ModelAction> out = new ArrayList<>();
            if (count > 1) {
                out.add(new Gap(p, 1));
            }
            if (p > 0) {
                out.add(new Gap(0, count));
            }
            return out;
        }

        @Override
        public ModelAction onPartitionZero() {
            return new Gap(0, count);
        }

        @Override
        public String toString() {
            return "gap of " + count + " on p" + p;
        }
    }

    /** One listener step. */
    record Step() implements ModelAction {
        @Override
        public boolean runsTheRuntime() {
            return true;
        }

        @Override
        public void apply(ModelWorld w) {
            w.step();
        }

        @Override
        public String toString() {
            return "step";
        }
    }

    /** Runs every queued job (and the jobs they queue). */
    record RunAllJobs() implements ModelAction {
        @Override
        public boolean runsTheRuntime() {
            return true;
        }

        @Override
        public void apply(ModelWorld w) {
            w.runAllJobs();
        }

        @Override
        public String toString() {
            return "run all jobs";
        }
    }

    /** Runs the oldest {@code count} queued jobs. */
    record RunJobs(int count) implements ModelAction {
        @Override
        public boolean runsTheRuntime() {
            return true;
        }

        @Override
        public void apply(ModelWorld w) {
            w.runJobs(count);
        }

        @Override
        public List<ModelAction> simpler() {
            return count > 1 ? List.of(new RunJobs(1)) : List.of();
        }

        @Override
        public String toString() {
            return "run " + count + " job(s)";
        }
    }

    /** Steps and runs jobs until nothing changes. */
    record RunUntilIdle() implements ModelAction {
        @Override
        public boolean runsTheRuntime() {
            return true;
        }

        @Override
        public void apply(ModelWorld w) {
            w.runUntilIdle();
        }

        @Override
        public String toString() {
            return "run until idle";
        }
    }

    /** Moves the clock. */
    record Advance(long millis) implements ModelAction {
        @Override
        public boolean onARuntime() {
            return false;
        }

        @Override
        public void apply(ModelWorld w) {
            w.advance(millis);
        }

        @Override
        public List<ModelAction> simpler() {
            return millis > 50 ? List.of(new Advance(50)) : List.of();
        }

        @Override
        public String toString() {
            return "advance " + millis + " ms";
        }
    }

    /** The consumer's next call fails. */
    record ArmFailure(ModelWorld.Armed failure) implements ModelAction {
        @Override
        public void apply(ModelWorld w) {
            w.arm(failure);
        }

        @Override
        public String toString() {
            return "fail the consumer's next call: " + failure;
        }
    }

    /** The scripted filter pauses the next batch, or seeks it back. */
    record ArmVerdict(boolean pause, long amount) implements ModelAction {
        @Override
        public void apply(ModelWorld w) {
            w.armVerdict(new ModelWorld.ArmedVerdict(pause, amount));
        }

        @Override
        public List<ModelAction> simpler() {
            long least = pause ? 100 : 1;
            return amount > least ? List.of(new ArmVerdict(pause, least)) : List.of();
        }

        @Override
        public String toString() {
            return pause ? "filter pauses the next batch " + amount + " ms"
                    : "filter seeks the next batch back by " + amount;
        }
    }

    /** A cooperative revocation of {@code p}, if assigned; its jobs may outlast the grace period. */
    record Revoke(int p, boolean jobsOutlastGrace) implements ModelAction {
        @Override
        public void apply(ModelWorld w) {
            if (w.isAssigned(w.p(p))) {
                w.revoke(w.p(p), jobsOutlastGrace);
            }
        }

        @Override
        public List<ModelAction> simpler() {
            List<ModelAction> out = new ArrayList<>();
            if (jobsOutlastGrace) {
                out.add(new Revoke(p, false));
            }
            if (p > 0) {
                out.add(new Revoke(0, jobsOutlastGrace));
            }
            return out;
        }

        @Override
        public ModelAction onPartitionZero() {
            return new Revoke(0, jobsOutlastGrace);
        }

        @Override
        public String toString() {
            return "revoke p" + p + (jobsOutlastGrace ? " (jobs outlast the grace)" : "");
        }
    }

    /** Loses {@code p}, if assigned. */
    record Lose(int p) implements ModelAction {
        @Override
        public void apply(ModelWorld w) {
            if (w.isAssigned(w.p(p))) {
                w.lose(w.p(p));
            }
        }

        @Override
        public List<ModelAction> simpler() {
            return p > 0 ? List.of(new Lose(0)) : List.of();
        }

        @Override
        public ModelAction onPartitionZero() {
            return new Lose(0);
        }

        @Override
        public String toString() {
            return "lose p" + p;
        }
    }

    /** Assigns {@code p}, if not assigned. */
    record Assign(int p) implements ModelAction {
        @Override
        public void apply(ModelWorld w) {
            if (!w.isAssigned(w.p(p))) {
                w.assign(w.p(p));
            }
        }

        @Override
        public List<ModelAction> simpler() {
            return p > 0 ? List.of(new Assign(0)) : List.of();
        }

        @Override
        public ModelAction onPartitionZero() {
            return new Assign(0);
        }

        @Override
        public String toString() {
            return "assign p" + p;
        }
    }

    /** An eager rebalance to the partitions whose bits {@code mask} sets. */
    record EagerRebalance(int mask) implements ModelAction {
        @Override
        public void apply(ModelWorld w) {
            List<Integer> keep = new ArrayList<>();
            for (int p = 0; p < w.partitions; p++) {
                if ((mask & (1 << p)) != 0) {
                    keep.add(p);
                }
            }
            w.eagerRebalance(keep);
        }

        @Override
        public List<ModelAction> simpler() {
            List<ModelAction> out = new ArrayList<>();
            for (int bit = 0; bit < 2; bit++) {
                if ((mask & (1 << bit)) != 0) {
                    out.add(new EagerRebalance(mask & ~(1 << bit)));
                }
            }
            return out;
        }

        @Override
        public ModelAction onPartitionZero() {
            return new EagerRebalance(mask & 1);
        }

        @Override
        public String toString() {
            List<Integer> keep = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                if ((mask & (1 << p)) != 0) {
                    keep.add(p);
                }
            }
            return "eager rebalance to " + keep;
        }
    }

    /** A crash and a restart on the same log and database. */
    record Crash() implements ModelAction {
        @Override
        public boolean runsTheRuntime() {
            return true;
        }

        @Override
        public void apply(ModelWorld w) {
            w.crash();
        }

        @Override
        public String toString() {
            return "crash and restart";
        }
    }

    /** The database refuses connections. */
    record DatabaseDown() implements ModelAction {
        @Override
        public boolean onARuntime() {
            return false;
        }

        @Override
        public void apply(ModelWorld w) {
            w.outage(true);
        }

        @Override
        public String toString() {
            return "database down";
        }
    }

    /** The database is back. */
    record DatabaseUp() implements ModelAction {
        @Override
        public boolean onARuntime() {
            return false;
        }

        @Override
        public void apply(ModelWorld w) {
            w.outage(false);
        }

        @Override
        public String toString() {
            return "database up";
        }
    }

    /** Another connection holds the lock of {@code p}'s row. */
    record LockRow(int p) implements ModelAction {
        @Override
        public void apply(ModelWorld w) {
            w.lockRow(w.p(p));
        }

        @Override
        public List<ModelAction> simpler() {
            return p > 0 ? List.of(new LockRow(0)) : List.of();
        }

        @Override
        public ModelAction onPartitionZero() {
            return new LockRow(0);
        }

        @Override
        public String toString() {
            return "lock the row of p" + p + " from another connection";
        }
    }

    /** The other connection lets go of its row lock. */
    record UnlockRow() implements ModelAction {
        @Override
        public boolean onARuntime() {
            return false;
        }

        @Override
        public void apply(ModelWorld w) {
            w.unlockRow();
        }

        @Override
        public String toString() {
            return "release the row lock";
        }
    }

    /** The next {@code count} Kafka commits fail. */
    record FailCommits(int count) implements ModelAction {
        @Override
        public void apply(ModelWorld w) {
            w.failCommits(count);
        }

        @Override
        public List<ModelAction> simpler() {
            return count > 1 ? List.of(new FailCommits(1)) : List.of();
        }

        @Override
        public String toString() {
            return "fail the next " + count + " Kafka commit(s)";
        }
    }

    /** The next {@code count} dead-letter publications fail. */
    record FailDeadLetters(int count) implements ModelAction {
        @Override
        public void apply(ModelWorld w) {
            w.failDeadLetters(count);
        }

        @Override
        public List<ModelAction> simpler() {
            return count > 1 ? List.of(new FailDeadLetters(1)) : List.of();
        }

        @Override
        public String toString() {
            return "fail the next " + count + " dead-letter publication(s)";
        }
    }

    /** Retention moves the log start of {@code p} up to its row, or {@code fraction} of the way to the log end. */
    record Retention(int p, boolean toRow, double fraction) implements ModelAction {
        @Override
        public boolean onARuntime() {
            return false;
        }

        @Override
        public void apply(ModelWorld w) {
            w.retention(w.p(p), toRow, fraction);
        }

        @Override
        public List<ModelAction> simpler() {
            List<ModelAction> out = new ArrayList<>();
            if (!toRow && fraction > 0.3) {
                out.add(new Retention(p, false, 0.3));
            }
            if (p > 0) {
                out.add(new Retention(0, toRow, fraction));
            }
            return out;
        }

        @Override
        public ModelAction onPartitionZero() {
            return new Retention(0, toRow, fraction);
        }

        @Override
        public String toString() {
            return "retention on p" + p + (toRow ? " up to the row" : " up to " + fraction + " of the log");
        }
    }

    /** {@code action} done to group {@code g} (the second group is {@code b}) instead of the first. */
    record OnGroup(int g, ModelAction action) implements ModelAction {
        @Override
        public void apply(ModelWorld w) {
            w.focus(g);
            try {
                action.apply(w);
            } finally {
                w.focus(0);
            }
        }

        @Override
        public List<ModelAction> simpler() {
            List<ModelAction> out = new ArrayList<>();
            out.add(action);
            for (ModelAction a : action.simpler()) {
                out.add(new OnGroup(g, a));
            }
            return out;
        }

        @Override
        public boolean runsTheRuntime() {
            return action.runsTheRuntime();
        }

        @Override
        public ModelAction onPartitionZero() {
            return new OnGroup(g, action.onPartitionZero());
        }

        @Override
        public ModelAction onTheFirstGroup() {
            return action;
        }

        @Override
        public String toString() {
            return "group " + (char) ('a' + g) + ": " + action;
        }
    }
}
