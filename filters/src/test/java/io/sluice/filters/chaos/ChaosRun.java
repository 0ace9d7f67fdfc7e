package io.sluice.filters.chaos;

import io.sluice.filters.PartitionOffsets;
import io.sluice.filters.TestHooks;
import io.sluice.testing.EmbeddedKafka;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.h2.jdbcx.JdbcConnectionPool;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of the chaos harness (see docs/architecture.md, "Testing") against one shared database: three
 * {@link ChaosMember} processes consume a topic while a {@link PacedProducer} fills it, and a {@link Plan}'s steps,
 * each due when the members have consumed a given share of the messages, SIGKILL and restart members, add and
 * remove members, and make a zombie. At the end the members are stopped in order and the {@link Effects} rows are
 * counted.
 *
 * <p>Every wait polls (the database, the control files) against a deadline; {@link #close()} kills every member
 * process the run started, whatever happened.
 */
final class ChaosRun implements AutoCloseable {

    /** What the harness does when a step is due. */
    enum Action {
        /** SIGKILL a random member and start a new one in its place. */
        KILL,
        /** Start one more member. */
        ADD,
        /** SIGTERM a random member: it closes its runtime in order and leaves the group. */
        REMOVE,
        /**
         * Park a member's next job before its row lock, SIGSTOP the member past the session timeout until the new
         * owner of the partition has moved the row past the parked batch, then release the job and SIGCONT.
         */
        ZOMBIE
    }

    /** {@code action} is due once {@code at} (0..1) of the messages are consumed. */
    record Step(double at, Action action) {
    }

    /**
     * @param label       names the run's directory, topic and group
     * @param messages    how many messages the producer sends (nudges add a few)
     * @param produceOver how long the producer takes to send them
     * @param fencing     false for the control run: members run the naive design
     * @param steps       the chaos, in order
     * @param deadline    the whole run's limit
     */
    record Plan(String label, long messages, Duration produceOver, boolean fencing, List<Step> steps,
                Duration deadline) {
    }

    /** What a run did and found. */
    record Outcome(String db, boolean fencing, long messages, int kills, int stops, int rebalances, long rows,
                   long duplicates, long lost, List<String> zombies, Duration took) {

        /** The summary line: {@code chaos: db=.. messages=.. kills=.. stops=.. rebalances=.. duplicates=.. lost=..}. */
        String summary() {
            return "chaos: db=" + db + (fencing ? "" : " fencing=off") + " messages=" + messages + " kills=" + kills
                    + " stops=" + stops + " rebalances=" + rebalances + " duplicates=" + duplicates + " lost=" + lost;
        }
    }

    static final int PARTITIONS = 6;
    static final int INITIAL_MEMBERS = 3;

    private static final Logger LOG = LoggerFactory.getLogger(ChaosRun.class);
    private static final Duration STEP_LIMIT = Duration.ofSeconds(90);
    private static final Duration STEP_GAP = Duration.ofSeconds(3);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration ORDERLY_STOP = Duration.ofSeconds(30);

    private final EmbeddedKafka kafka;
    private final String jdbcUrl;
    private final Plan plan;
    private final Path dir;
    private final ControlDirectory control;
    private final String topic;
    private final String group;
    private final JdbcConnectionPool pool;
    private final DSLContext db;
    private final PartitionOffsets offsets;
    private final Random random;
    private final List<MemberProcess> started = new ArrayList<>();
    private final List<MemberProcess> live = new ArrayList<>();
    private final List<String> zombies = new ArrayList<>();
    private final Thread killOnExit = new Thread(this::killAll, "chaos-kill-members");
    private PacedProducer producer;
    private long deadline;
    private int kills;
    private int stops;
    private int rebalances;

    ChaosRun(EmbeddedKafka kafka, String jdbcUrl, Plan plan) {
        this.kafka = kafka;
        this.jdbcUrl = jdbcUrl;
        this.plan = plan;
        String name = plan.label() + "-" + System.currentTimeMillis();
        this.dir = Path.of("target", "chaos", name).toAbsolutePath();
        try {
            Files.createDirectories(dir.resolve("control"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.control = new ControlDirectory(dir.resolve("control"));
        this.topic = "chaos-" + name;
        this.group = "chaos-" + name + "-group";
        this.pool = ChaosDatabase.pool(jdbcUrl, 4);
        this.db = DSL.using(pool, ChaosDatabase.dialect(jdbcUrl));
        this.offsets = PartitionOffsets.builder(pool, ChaosDatabase.dialect(jdbcUrl)).build();
        long seed = Long.getLong("sluice.chaos.seed", System.nanoTime());
        this.random = new Random(seed);
        LOG.info("chaos {}: seed {} (-Dsluice.chaos.seed to repeat the choices), members log to {}", plan.label(),
                seed, dir);
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    Outcome run() throws Exception {
        long startedAt = System.nanoTime();
        deadline = startedAt + plan.deadline().toNanos();
        kafka.createTopic(topic, PARTITIONS);
        Effects.createTable(db);
        offsets.createTableIfMissing();
        for (int i = 0; i < INITIAL_MEMBERS; i++) {
            startMember();
        }
        // produce while running: the stream starts once the group has formed, so the chaos lands mid-stream
        await("the first members to own partitions", Duration.ofSeconds(90),
                () -> live.stream().allMatch(this::ownsPartitions) ? Optional.of(true) : Optional.empty());
        producer = new PacedProducer(kafka.producerProperties(), topic, PARTITIONS, plan.messages(),
                plan.produceOver());
        producer.start();

        long previousStep = System.nanoTime();
        for (Step step : plan.steps()) {
            long due = (long) (step.at() * plan.messages());
            long notBefore = previousStep + STEP_GAP.toNanos(); // let the previous step's rebalance get going
            await(step.action() + " at " + Math.round(step.at() * 100) + "% (" + due + " consumed)", STEP_LIMIT,
                    () -> System.nanoTime() - notBefore >= 0 && consumed() >= due
                            ? Optional.of(true) : Optional.empty());
            LOG.info("chaos {}: {} at {} consumed, members {}", plan.label(), step.action(), consumed(), live);
            switch (step.action()) {
                case KILL -> kill();
                case ADD -> add();
                case REMOVE -> remove();
                case ZOMBIE -> zombie();
                default -> throw new IllegalStateException("unknown action " + step.action());
            }
            previousStep = System.nanoTime();
        }

        if (!producer.awaitDone(remaining(Duration.ofMinutes(5)))) {
            throw new AssertionError("the producer did not finish: " + producer.sent() + " sent");
        }
        if (producer.failure() != null) {
            throw new AssertionError("a send failed, the message count is unreliable", producer.failure());
        }
        long produced = logEnd();
        if (produced != producer.acknowledged()) {
            throw new AssertionError("the log holds " + produced + " messages but " + producer.acknowledged()
                    + " were acknowledged");
        }
        LOG.info("chaos {}: {} messages produced; waiting for the members to consume them all", plan.label(),
                produced);
        awaitConsumed(produced, "every message consumed");
        stopAllInOrder();

        long rows = Effects.rows(db, topic);
        long distinct = Effects.distinctMessages(db, topic);
        long duplicates = rows - distinct;
        if (duplicates > 0) {
            LOG.warn("chaos {}: duplicated messages (partition@offset x rows), first ones: {}", plan.label(),
                    Effects.duplicated(db, topic, 10).stream().map(r -> r.value1() + "@" + r.value2() + "x"
                            + r.value3()).collect(Collectors.joining(", ")));
            LOG.warn("chaos {}: who applied them (partition, member, offsets, rows): {}", plan.label(),
                    Effects.duplicatedBy(db, topic).stream().map(r -> r.value1() + " " + r.value2() + " ["
                            + r.value3() + ".." + r.value4() + "] " + r.value5()).collect(Collectors.joining("; ")));
        }
        return new Outcome(ChaosDatabase.kind(jdbcUrl), plan.fencing(), produced, kills, stops, rebalances, rows,
                duplicates, produced - distinct, List.copyOf(zombies), Duration.ofNanos(System.nanoTime() - startedAt));
    }

    // ---------------------------------------------------------------- actions

    private void kill() {
        MemberProcess victim = randomLive();
        LOG.info("chaos {}: SIGKILL {}", plan.label(), victim);
        victim.kill();
        live.remove(victim);
        kills++;
        rebalances++;
        startMember();
        rebalances++;
    }

    private void add() {
        startMember();
        rebalances++;
    }

    private void remove() {
        MemberProcess victim = randomLive();
        LOG.info("chaos {}: SIGTERM {} (orderly removal)", plan.label(), victim);
        victim.terminate(ORDERLY_STOP);
        live.remove(victim);
        rebalances++;
    }

    private void zombie() {
        MemberProcess zombie = await("a member that owns partitions", Duration.ofSeconds(60), () -> {
            List<MemberProcess> owners = live.stream().filter(this::ownsPartitions).toList();
            return owners.isEmpty() ? Optional.empty() : Optional.of(owners.get(random.nextInt(owners.size())));
        });
        control.armPark(zombie.id());
        long armedAt = System.nanoTime();
        long[] nudgedAt = {armedAt};
        ControlDirectory.ParkedBatch parked = await(zombie.id() + " to park a job", Duration.ofSeconds(60), () -> {
            Optional<ControlDirectory.ParkedBatch> p = control.parked(zombie.id());
            if (p.isEmpty() && System.nanoTime() - nudgedAt[0] > TimeUnit.SECONDS.toNanos(2)) {
                // an idle member has no job to park: give its partitions something to consume
                producer.nudge(control.assignment(zombie.id()).stream()
                        .map(s -> Integer.parseInt(s.substring(s.lastIndexOf('-') + 1))).toList());
                nudgedAt[0] = System.nanoTime();
            }
            return p;
        });
        zombie.suspend();
        stops++;
        long stoppedAt = System.nanoTime();
        LOG.info("chaos {}: SIGSTOP {}, its job of {} parked before the row lock", plan.label(), zombie, parked);
        TopicPartition tp = parked.topicPartition();
        long row = await("the new owner of " + tp + " to move its row past " + parked.nextOffset(),
                Duration.ofSeconds(90), () -> {
                    long next = offsets.nextOffset(group, tp).orElse(-1);
                    return next >= parked.nextOffset() ? Optional.of(next) : Optional.empty();
                });
        LOG.info("chaos {}: {} ms after the SIGSTOP the row of {} is at {}, past the parked batch; releasing the"
                + " parked job and SIGCONT {}", plan.label(), millisSince(stoppedAt), tp, row, zombie);
        control.release(zombie.id());
        zombie.resume();
        rebalances += 2; // the zombie was dropped from the group, and rejoins
        String result = await("the zombie's parked batch to finish", Duration.ofSeconds(60),
                () -> control.zombieResult(zombie.id()));
        String how = howTheZombieEnded(zombie, parked);
        LOG.info("chaos {}: zombie {} with {}: {} ({})", plan.label(), zombie, parked, result, how);
        zombies.add(result);
    }

    /**
     * Which of {@code consume}'s defences stopped the zombie, from its log (the members log
     * {@code PartitionOffsets} at DEBUG): the {@code revoked()} check, or fencing below the row's offset.
     */
    private static String howTheZombieEnded(MemberProcess zombie, ControlDirectory.ParkedBatch parked) {
        String batch = "Batch[" + parked.topicPartition() + " fetched@" + parked.fetchOffset() + " next@"
                + parked.nextOffset();
        try (Stream<String> lines = Files.lines(zombie.log())) {
            return lines.filter(line -> line.contains(batch)).map(line -> {
                if (line.contains("revoked before")) {
                    return "stopped by the revoked() check";
                }
                if (line.contains("below the stored next offset")) {
                    return "stopped by fencing: the row had moved past it";
                }
                return line;
            }).findFirst().orElse("neither defence logged: the naive design");
        } catch (IOException | UncheckedIOException e) {
            return "cannot read " + zombie.log() + ": " + e;
        }
    }

    // ---------------------------------------------------------------- members

    private MemberProcess startMember() {
        String id = "m" + (started.size() + 1);
        List<String> flags = new ArrayList<>(List.of("-D" + TestHooks.ENABLED_PROPERTY + "=true",
                "-Dorg.jooq.no-logo=true", "-Dorg.jooq.no-tips=true",
                // names the defence that stopped a zombie: the revoked() check or fencing
                "-Dorg.slf4j.simpleLogger.log.io.sluice.filters.PartitionOffsets=debug"));
        if (!plan.fencing()) {
            flags.add("-D" + TestHooks.FENCING_PROPERTY + "=off");
        }
        MemberProcess member = MemberProcess.start(id, dir.resolve(id + ".log"), flags, List.of(
                "--bootstrap=" + kafka.bootstrapServers(), "--jdbc=" + jdbcUrl, "--topic=" + topic,
                "--group=" + group, "--member=" + id, "--control=" + control.path()));
        started.add(member);
        live.add(member);
        LOG.info("chaos {}: started {}", plan.label(), member);
        return member;
    }

    /** A random live member, one that owns partitions if any does: a crash should hit work in flight. */
    private MemberProcess randomLive() {
        List<MemberProcess> owners = live.stream().filter(this::ownsPartitions).toList();
        List<MemberProcess> from = owners.isEmpty() ? live : owners;
        return from.get(random.nextInt(from.size()));
    }

    private boolean ownsPartitions(MemberProcess member) {
        return !control.assignment(member.id()).isEmpty();
    }

    private void stopAllInOrder() {
        live.forEach(MemberProcess::requestStop);
        live.forEach(m -> m.awaitStop(ORDERLY_STOP));
        live.clear();
    }

    private void killAll() {
        for (MemberProcess m : started) {
            if (m.isAlive()) {
                m.kill();
            }
        }
    }

    // ---------------------------------------------------------------- progress

    /** Messages consumed: the sum of the rows' next offsets (every partition starts at 0). */
    private long consumed() {
        long sum = 0;
        for (int p = 0; p < PARTITIONS; p++) {
            sum += offsets.nextOffset(group, new TopicPartition(topic, p)).orElse(0);
        }
        return sum;
    }

    private void awaitConsumed(long target, String what) {
        await(what + " (" + target + " consumed)", STEP_LIMIT,
                () -> consumed() >= target ? Optional.of(true) : Optional.empty());
    }

    private long logEnd() throws Exception {
        try (Admin admin = kafka.admin()) {
            Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
            for (int p = 0; p < PARTITIONS; p++) {
                latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            return admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).values().stream()
                    .mapToLong(info -> info.offset()).sum();
        }
    }

    /**
     * Polls {@code probe} until it gives a value, for at most {@code limit} (and never past the run's deadline).
     * Fails fast when a member that should be running has died.
     */
    private <T> T await(String what, Duration limit, Supplier<Optional<T>> probe) {
        long until = System.nanoTime() + remaining(limit).toNanos();
        while (true) {
            Optional<T> value = probe.get();
            if (value.isPresent()) {
                return value.get();
            }
            for (MemberProcess m : live) {
                if (!m.isAlive()) {
                    throw new AssertionError("chaos " + plan.label() + ": member " + m + " died unexpectedly while"
                            + " waiting for " + what + "; its log ends:\n" + m.logTail(40));
                }
            }
            if (System.nanoTime() - until > 0) {
                throw new AssertionError("chaos " + plan.label() + ": timed out after " + limit + " waiting for "
                        + what + "; consumed " + consumed() + ", members " + live + "\n" + logTails());
            }
            LockSupport.parkNanos(POLL.toNanos()); // a pause between polls
            if (Thread.interrupted()) {
                throw new AssertionError("chaos " + plan.label() + ": interrupted waiting for " + what);
            }
        }
    }

    private Duration remaining(Duration limit) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new AssertionError("chaos " + plan.label() + ": the run's deadline of " + plan.deadline()
                    + " has passed; consumed " + consumed() + ", members " + live + "\n" + logTails());
        }
        return Duration.ofNanos(Math.min(left, limit.toNanos()));
    }

    private String logTails() {
        StringBuilder text = new StringBuilder();
        for (MemberProcess m : live) {
            text.append("---- ").append(m).append(" ").append(m.log()).append('\n').append(m.logTail(15)).append('\n');
        }
        return text.toString();
    }

    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }

    /** Kills every member process this run started, stops the producer, closes the harness's pool. */
    @Override
    public void close() {
        try {
            killAll();
        } finally {
            try {
                if (producer != null) {
                    producer.close();
                }
            } finally {
                pool.dispose();
                try {
                    Runtime.getRuntime().removeShutdownHook(killOnExit);
                } catch (IllegalStateException e) {
                    // the JVM is shutting down: the hook runs anyway
                }
            }
        }
    }
}
