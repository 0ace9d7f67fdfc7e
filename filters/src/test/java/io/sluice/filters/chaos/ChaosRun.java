package io.sluice.filters.chaos;

import com.zaxxer.hikari.HikariDataSource;
import io.sluice.filters.PartitionOffsets;
import io.sluice.filters.TestHooks;
import io.sluice.testing.EmbeddedKafka;
import io.sluice.testing.KafkaBrokerProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of the chaos matrix (see docs/architecture.md, "Testing") against one shared database: {@link ChaosMember}
 * processes consume a topic while (or after) a {@link PacedProducer} fills it, and a {@link Plan}'s steps, each due
 * when the members have consumed a given share of the messages, inflict the row's fault: SIGKILLs and restarts,
 * added and removed members, a zombie, a database outage, a held lock, a member frozen in its transaction, a
 * broker crash, moved group offsets.
 *
 * <p>A run ends when every partition's row equals its log end — not when the effects reach a count — and the members
 * are stopped in order. Then the {@link Audit} counts, against the run's expected set (not the log end, which counts
 * markers and aborted records): duplicates, lost messages, effects of messages never acknowledged or aborted; it
 * checks that the consume transactions' ranges tile every partition, that the dead-letter topic is empty, and sums
 * the members' {@link MemberCounters} for the row's bite check.
 *
 * <p>Every wait polls (the database, the control files) against a deadline; {@link #close()} kills every member
 * process the run started, whatever happened.
 */
final class ChaosRun implements AutoCloseable {

    /** How a run creates a topic on its broker. */
    @FunctionalInterface
    interface TopicCreator {
        void create(String name, int partitions, Map<String, String> configs);
    }

    /** The broker a run uses: the shared in-process one, or one of the row's own (in-process or a child JVM). */
    record Broker(String bootstrapServers, Supplier<Admin> admins, Supplier<Map<String, Object>> producerSettings,
                  TopicCreator topics) {

        static Broker of(EmbeddedKafka kafka) {
            return new Broker(kafka.bootstrapServers(), kafka::admin, kafka::producerProperties, kafka::createTopic);
        }

        static Broker of(KafkaBrokerProcess kafka) {
            return new Broker(kafka.bootstrapServers(), kafka::admin, kafka::producerProperties, kafka::createTopic);
        }

        Admin admin() {
            return admins.get();
        }

        Map<String, Object> producerProperties() {
            return producerSettings.get();
        }

        void createTopic(String name, int partitions, Map<String, String> configs) {
            topics.create(name, partitions, configs);
        }
    }

    /** The shared database, and what a row may do to it. */
    interface Database {
        String jdbcUrl();

        /** Stops the server, keeping its data, port and socket. */
        default void stop() {
            throw new UnsupportedOperationException("this database cannot be stopped by the harness");
        }

        /** Starts it again where {@link #stop()} left it. */
        default void startAgain() {
            throw new UnsupportedOperationException("this database cannot be restarted by the harness");
        }
    }

    /** What the harness does when a step is due. */
    @FunctionalInterface
    interface Action {
        void run(ChaosRun run) throws Exception;
    }

    /** {@code action} is due once {@code at} (0..1) of the messages are consumed. */
    record Step(double at, String name, Action action) {

        static Step kill(double at) {
            return new Step(at, "KILL", ChaosRun::kill);
        }

        static Step add(double at) {
            return new Step(at, "ADD", ChaosRun::add);
        }

        static Step remove(double at) {
            return new Step(at, "REMOVE", ChaosRun::remove);
        }

        static Step zombie(double at) {
            return new Step(at, "ZOMBIE", ChaosRun::zombie);
        }
    }

    /**
     * @param label          names the run's directory, topic and group
     * @param fault          the matrix row, as the summary line names it
     * @param messages       how many messages the producer sends (nudges add a few)
     * @param produceOver    how long the producer takes to send them
     * @param fencing        false for the fencing-off control: members run the naive design
     * @param steps          the chaos, in order
     * @param deadline       the whole run's limit
     * @param mode           what the producer sends, and so what the run expects
     * @param produceFirst   produce everything before the members start
     * @param memberOptions  {@link ChaosMember}'s optional arguments
     * @param topicConfigs   the topic's settings
     * @param beforeMembers  what happens after an up-front production and before the members start
     * @param afterwards     what happens once every row is at its log end, before the members stop
     */
    record Plan(String label, String fault, long messages, Duration produceOver, boolean fencing, List<Step> steps,
                Duration deadline, PacedProducer.Mode mode, boolean produceFirst, Map<String, String> memberOptions,
                Map<String, String> topicConfigs, Action beforeMembers, Action afterwards) {

        static Plan of(String label, String fault, long messages, Duration produceOver, List<Step> steps,
                       Duration deadline) {
            return new Plan(label, fault, messages, produceOver, true, steps, deadline, PacedProducer.Mode.PLAIN,
                    false, Map.of(), Map.of(), run -> { }, run -> { });
        }

        Plan withoutFencing() {
            return new Plan(label, fault, messages, produceOver, false, steps, deadline, mode, produceFirst,
                    memberOptions, topicConfigs, beforeMembers, afterwards);
        }

        Plan withMode(PacedProducer.Mode newMode) {
            return new Plan(label, fault, messages, produceOver, fencing, steps, deadline, newMode, produceFirst,
                    memberOptions, topicConfigs, beforeMembers, afterwards);
        }

        /** Produces everything before the members start, then runs {@code then}. */
        Plan producingFirst(Action then) {
            return new Plan(label, fault, messages, produceOver, fencing, steps, deadline, mode, true,
                    memberOptions, topicConfigs, then, afterwards);
        }

        Plan withMemberOption(String name, String value) {
            Map<String, String> options = new LinkedHashMap<>(memberOptions);
            options.put(name, value);
            return new Plan(label, fault, messages, produceOver, fencing, steps, deadline, mode, produceFirst,
                    Map.copyOf(options), topicConfigs, beforeMembers, afterwards);
        }

        Plan withTopicConfigs(Map<String, String> configs) {
            return new Plan(label, fault, messages, produceOver, fencing, steps, deadline, mode, produceFirst,
                    memberOptions, Map.copyOf(configs), beforeMembers, afterwards);
        }

        /** Runs {@code check} once every row has reached its log end, before the members stop. */
        Plan afterwards(Action check) {
            return new Plan(label, fault, messages, produceOver, fencing, steps, deadline, mode, produceFirst,
                    memberOptions, topicConfigs, beforeMembers, check);
        }
    }

    /** What a run did and found. */
    record Outcome(String db, String fault, boolean fencing, long messages, int kills, int stops, int rebalances,
                   Audit.Effects effects, Audit.Tiling tiling, long deadLetters, Map<String, Long> counters,
                   Map<String, Map<String, Long>> countersByMember, List<String> zombies,
                   Map<String, Object> notes, Duration took) {

        long duplicates() {
            return effects.duplicates();
        }

        long lost() {
            return effects.lost();
        }

        long counter(String name) {
            return counters.getOrDefault(name, 0L);
        }

        /**
         * The summary line: {@code chaos: db=.. fault=.. messages=.. kills=.. stops=.. rebalances=.. duplicates=..
         * lost=..}, then the dead letters and whether the ranges tiled.
         */
        String summary() {
            return "chaos: db=" + db + " fault=" + fault + (fencing ? "" : " fencing=off") + " messages=" + messages
                    + " kills=" + kills + " stops=" + stops + " rebalances=" + rebalances + " duplicates="
                    + duplicates() + " lost=" + lost() + " unexpected=" + effects.unexpected() + " dlq="
                    + deadLetters + " tiled=" + (tiling.tiled() ? "yes" : "no") + " holes=" + tiling.holes();
        }

        /** Everything, for a failure message. */
        String details() {
            return summary() + "\n  lost: " + effects.firstLost() + "\n  unexpected: " + effects.firstUnexpected()
                    + "\n  tiling: " + tiling.firstProblems() + "\n  counters: " + counters + "\n  notes: " + notes
                    + "\n  zombies: " + zombies;
        }
    }

    static final int PARTITIONS = 6;
    static final int INITIAL_MEMBERS = 3;

    private static final Logger LOG = LoggerFactory.getLogger(ChaosRun.class);
    private static final Duration STEP_LIMIT = Duration.ofSeconds(90);
    private static final Duration STEP_GAP = Duration.ofSeconds(3);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration ORDERLY_STOP = Duration.ofSeconds(30);

    private final Broker kafka;
    private final Database database;
    private final Plan plan;
    private final Path dir;
    private final ControlDirectory control;
    private final String topic;
    private final String group;
    private final HikariDataSource pool;
    private final DSLContext db;
    private final PartitionOffsets offsets;
    private final Random random;
    private final List<MemberProcess> started = new ArrayList<>();
    private final List<MemberProcess> live = new ArrayList<>();
    private final List<String> zombies = new ArrayList<>();
    private final Map<String, String> optionOverrides = new LinkedHashMap<>();
    private final Set<String> parkedOnce = new java.util.HashSet<>();
    private final Map<String, Object> notes = new TreeMap<>();
    private final Thread killOnExit = new Thread(this::killAll, "chaos-kill-members");
    private PacedProducer producer;
    private long deadline;
    private int kills;
    private int stops;
    private int rebalances;

    ChaosRun(Broker kafka, Database database, Plan plan) {
        this.kafka = kafka;
        this.database = database;
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
        this.pool = ChaosDatabase.pool(database.jdbcUrl(), 4);
        this.db = DSL.using(pool, ChaosDatabase.dialect(database.jdbcUrl()));
        this.offsets = PartitionOffsets.builder(pool, ChaosDatabase.dialect(database.jdbcUrl())).build();
        long seed = Long.getLong("sluice.chaos.seed", System.nanoTime());
        this.random = new Random(seed);
        LOG.info("chaos {}: seed {} (-Dsluice.chaos.seed to repeat the choices), members log to {}", plan.label(),
                seed, dir);
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    static String deadLetterTopic(String topic) {
        return topic + ".dlq";
    }

    Outcome run() throws Exception {
        long startedAt = System.nanoTime();
        deadline = startedAt + plan.deadline().toNanos();
        kafka.createTopic(topic, PARTITIONS, plan.topicConfigs());
        kafka.createTopic(deadLetterTopic(topic), 1, Map.of());
        Effects.createTable(db);
        Ranges.createTable(db);
        offsets.createTableIfMissing();
        producer = new PacedProducer(kafka.producerProperties(), plan.mode(), topic, PARTITIONS, plan.messages(),
                plan.produceOver());
        if (plan.produceFirst()) {
            producer.start();
            awaitProduced();
            plan.beforeMembers().run(this);
        }
        startMembers(INITIAL_MEMBERS);
        if (!plan.produceFirst()) {
            // produce while running: the stream starts once the group has formed, so the chaos lands mid-stream
            producer.start();
        }

        long previousStep = System.nanoTime();
        for (Step step : plan.steps()) {
            long due = (long) (step.at() * plan.messages());
            long notBefore = previousStep + STEP_GAP.toNanos(); // let the previous step's rebalance get going
            await(step.name() + " at " + Math.round(step.at() * 100) + "% (" + due + " consumed)", STEP_LIMIT,
                    () -> System.nanoTime() - notBefore >= 0 && consumed() >= due
                            ? Optional.of(true) : Optional.empty());
            LOG.info("chaos {}: {} at {} consumed, members {}", plan.label(), step.name(), consumed(), live);
            step.action().run(this);
            previousStep = System.nanoTime();
        }

        awaitProduced();
        Map<Integer, Long> logEnds = logEnds(topic);
        LOG.info("chaos {}: {} acknowledged, log ends {}; waiting for every row to reach its log end", plan.label(),
                producer.acknowledged().size(), logEnds);
        await("every partition's row at its log end " + logEnds, STEP_LIMIT, () -> rowsAtLogEnd(logEnds)
                ? Optional.of(true) : Optional.empty());
        plan.afterwards().run(this);
        stopAllInOrder();
        note("transactions-aborted", producer.transactionsAborted());

        Set<Long> expected = plan.mode() == PacedProducer.Mode.KEYED ? finalLog(logEnds) : producer.committed();
        Audit.Effects effects = Audit.effects(db, topic, expected, producer.acknowledged(), producer.forbidden());
        if (effects.duplicates() > 0) {
            LOG.warn("chaos {}: duplicated messages (partition@offset x rows), first ones: {}", plan.label(),
                    Effects.duplicated(db, topic, 10).stream().map(r -> r.value1() + "@" + r.value2() + "x"
                            + r.value3()).collect(Collectors.joining(", ")));
            LOG.warn("chaos {}: who applied them (partition, member, offsets, rows): {}", plan.label(),
                    Effects.duplicatedBy(db, topic).stream().map(r -> r.value1() + " " + r.value2() + " ["
                            + r.value3() + ".." + r.value4() + "] " + r.value5()).collect(Collectors.joining("; ")));
        }
        Audit.Tiling tiling = plan.memberOptions().containsKey("virtual-partitions")
                ? Audit.virtualTiling(db, topic, expected, producer.keys())
                : Audit.tiling(db, topic, logEnds, expected);
        long deadLetters = logEnds(deadLetterTopic(topic)).values().stream().mapToLong(Long::longValue).sum();
        Map<String, Map<String, Long>> byMember = control.counters();
        Map<String, Long> totals = new TreeMap<>();
        byMember.values().forEach(c -> c.forEach((k, v) -> {
            if (!k.startsWith("first-")) {
                totals.merge(k, v, Long::sum);
            }
        }));
        return new Outcome(ChaosDatabase.kind(database.jdbcUrl()), plan.fault(), plan.fencing(), expected.size(),
                kills, stops, rebalances, effects, tiling, deadLetters, totals, byMember, List.copyOf(zombies),
                Map.copyOf(notes), Duration.ofNanos(System.nanoTime() - startedAt));
    }

    private void awaitProduced() throws InterruptedException {
        if (!producer.awaitDone(Duration.ofNanos(remaining(Duration.ofMinutes(5))))) {
            throw new AssertionError("the producer did not finish: " + producer.sent() + " sent");
        }
        if (producer.failure() != null) {
            throw new AssertionError("a send failed, the message count is unreliable", producer.failure());
        }
    }

    // ---------------------------------------------------------------- what steps use

    String topic() {
        return topic;
    }

    String group() {
        return group;
    }

    Broker broker() {
        return kafka;
    }

    Database database() {
        return database;
    }

    DSLContext db() {
        return db;
    }

    PartitionOffsets offsets() {
        return offsets;
    }

    ControlDirectory control() {
        return control;
    }

    PacedProducer producer() {
        return producer;
    }

    Plan plan() {
        return plan;
    }

    /** Records a fact for the row's checks: the outcome's {@code notes}. */
    void note(String name, Object value) {
        notes.put(name, value);
    }

    List<MemberProcess> live() {
        return List.copyOf(live);
    }

    /** Messages consumed: the sum of the rows' next offsets (every partition starts at 0). */
    long consumed() {
        long sum = 0;
        for (int p = 0; p < PARTITIONS; p++) {
            sum += row(p);
        }
        return sum;
    }

    /** Partition {@code p}'s row, 0 when it has none yet. */
    long row(int p) {
        return offsets.nextOffset(group, new TopicPartition(topic, p)).orElse(0);
    }

    /** Starts {@code count} members and waits until every live member owns partitions; returns their ids. */
    List<String> startMembers(int count) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(startMember().id());
        }
        await("the members to own partitions", Duration.ofSeconds(90),
                () -> live.stream().allMatch(this::ownsPartitions) ? Optional.of(true) : Optional.empty());
        return ids;
    }

    void kill() {
        MemberProcess victim = randomLive();
        LOG.info("chaos {}: SIGKILL {}", plan.label(), victim);
        victim.kill();
        live.remove(victim);
        kills++;
        rebalances++;
        startMember();
        rebalances++;
    }

    /**
     * From now on members start with {@code --name=value} instead of the plan's setting (a change of configuration
     * rolled out mid-run: members started before keep theirs).
     */
    void memberOption(String name, String value) {
        optionOverrides.put(name, value);
    }

    /**
     * Replaces {@code member} by a new one (with the options now in force): an orderly stop (SIGTERM), then a start,
     * and waits until the new member owns partitions.
     */
    MemberProcess replace(MemberProcess member) {
        LOG.info("chaos {}: replacing {} (SIGTERM, then a new member)", plan.label(), member);
        member.terminate(ORDERLY_STOP);
        live.remove(member);
        rebalances++;
        MemberProcess replacement = startMember();
        rebalances++;
        await(replacement.id() + " to own partitions", Duration.ofSeconds(90),
                () -> ownsPartitions(replacement) ? Optional.of(true) : Optional.empty());
        return replacement;
    }

    /** The mapping stored on partition {@code p}'s virtual-partition rows, if it has rows. */
    Optional<String> storedMapping(int p) {
        try {
            return offsets.readVirtual(group, new TopicPartition(topic, p)).mapping();
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the virtual-partition rows of partition " + p, e);
        }
    }

    /** Starts one more member; returns it. */
    MemberProcess add() {
        MemberProcess member = startMember();
        rebalances++;
        return member;
    }

    /** Whether {@code member} says it owns partitions. */
    boolean owns(MemberProcess member) {
        return ownsPartitions(member);
    }

    void remove() {
        MemberProcess victim = randomLive();
        LOG.info("chaos {}: SIGTERM {} (orderly removal)", plan.label(), victim);
        victim.terminate(ORDERLY_STOP);
        live.remove(victim);
        rebalances++;
    }

    /** Counts membership changes a row forced itself (each makes the group rebalance). */
    void rebalanced(int times) {
        rebalances += times;
    }

    /** Stops every live member in order (SIGTERM; they close their runtimes and leave the group). */
    void stopAllInOrder() {
        live.forEach(MemberProcess::requestStop);
        live.forEach(m -> m.awaitStop(ORDERLY_STOP));
        live.clear();
    }

    /**
     * Parks a member's next job at {@code point} ({@link ControlDirectory#BEFORE_LOCK} or
     * {@link ControlDirectory#AFTER_LOCK}), nudging its partitions until a job arrives, then SIGSTOPs it.
     *
     * @return the frozen member and the batch its job holds
     */
    Frozen freeze(String point) {
        MemberProcess member = await("a member that owns partitions", Duration.ofSeconds(60), () -> {
            // a member parks at most once per process
            List<MemberProcess> owners = live.stream().filter(m -> !parkedOnce.contains(m.id()))
                    .filter(this::ownsPartitions).toList();
            return owners.isEmpty() ? Optional.empty() : Optional.of(owners.get(random.nextInt(owners.size())));
        });
        parkedOnce.add(member.id());
        control.armPark(member.id(), point);
        long[] nudgedAt = {System.nanoTime()};
        ControlDirectory.ParkedBatch parked = await(member.id() + " to park a job at " + point,
                Duration.ofSeconds(60), () -> {
                    Optional<ControlDirectory.ParkedBatch> p = control.parked(member.id());
                    if (p.isEmpty() && System.nanoTime() - nudgedAt[0] > TimeUnit.SECONDS.toNanos(2)) {
                        // an idle member has no job to park: give its partitions something to consume
                        producer.nudge(control.assignment(member.id()).stream()
                                .map(s -> Integer.parseInt(s.substring(s.lastIndexOf('-') + 1))).toList());
                        nudgedAt[0] = System.nanoTime();
                    }
                    return p;
                });
        member.suspend();
        stops++;
        LOG.info("chaos {}: SIGSTOP {}, its job of {} parked at {}", plan.label(), member, parked, point);
        return new Frozen(member, parked, System.nanoTime());
    }

    /** A member frozen with a parked job. */
    record Frozen(MemberProcess member, ControlDirectory.ParkedBatch batch, long stoppedAtNanos) {
    }

    /** Waits until {@code frozen}'s partition's row has moved past its parked batch; returns the row. */
    long awaitRowPast(Frozen frozen, Duration limit) {
        TopicPartition tp = frozen.batch().topicPartition();
        return await("the new owner of " + tp + " to move its row past " + frozen.batch().nextOffset(), limit,
                () -> {
                    long next = offsets.nextOffset(group, tp).orElse(-1);
                    return next >= frozen.batch().nextOffset() ? Optional.of(next) : Optional.empty();
                });
    }

    /** Releases the parked job, SIGCONTs the member, and waits for what its job did with the batch. */
    String thaw(Frozen frozen) {
        control.release(frozen.member().id());
        frozen.member().resume();
        rebalances += 2; // the frozen member was dropped from the group, and rejoins
        String result = await("the frozen member's parked batch to finish", Duration.ofSeconds(60),
                () -> control.zombieResult(frozen.member().id()));
        zombies.add(result);
        return result;
    }

    void zombie() {
        Frozen frozen = freeze(ControlDirectory.BEFORE_LOCK);
        long row = awaitRowPast(frozen, Duration.ofSeconds(90));
        LOG.info("chaos {}: {} ms after the SIGSTOP the row of {} is at {}, past the parked batch; releasing the"
                        + " parked job and SIGCONT {}", plan.label(), millisSince(frozen.stoppedAtNanos()),
                frozen.batch().topicPartition(), row, frozen.member());
        String result = thaw(frozen);
        LOG.info("chaos {}: zombie {} with {}: {} ({})", plan.label(), frozen.member(), frozen.batch(), result,
                howTheZombieEnded(frozen.member(), frozen.batch()));
        note("zombie", frozen.member().id());
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
        List<String> arguments = new ArrayList<>(List.of(
                "--bootstrap=" + kafka.bootstrapServers(), "--jdbc=" + database.jdbcUrl(), "--topic=" + topic,
                "--group=" + group, "--member=" + id, "--control=" + control.path()));
        Map<String, String> options = new LinkedHashMap<>(plan.memberOptions());
        options.putAll(optionOverrides);
        options.forEach((k, v) -> arguments.add("--" + k + "=" + v));
        MemberProcess member = MemberProcess.start(id, dir.resolve(id + ".log"), flags, arguments);
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

    private void killAll() {
        for (MemberProcess m : started) {
            if (m.isAlive()) {
                m.kill();
            }
        }
    }

    // ---------------------------------------------------------------- the log

    private boolean rowsAtLogEnd(Map<Integer, Long> logEnds) {
        return logEnds.entrySet().stream().allMatch(e -> row(e.getKey()) >= e.getValue());
    }

    /** The log end of every partition of {@code name}. */
    Map<Integer, Long> logEnds(String name) throws Exception {
        try (Admin admin = kafka.admin()) {
            int partitions = admin.describeTopics(List.of(name)).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get(name).partitions().size();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                latest.put(new TopicPartition(name, p), OffsetSpec.latest());
            }
            Map<Integer, Long> ends = new TreeMap<>();
            admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS)
                    .forEach((tp, info) -> ends.put(tp.partition(), info.offset()));
            return ends;
        }
    }

    /** Every record of the topic's final log, read with {@code isolation}. */
    List<Audit.Scanned> scan(String isolation) throws Exception {
        Map<String, Object> base = new HashMap<>();
        base.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        return Audit.scan(base, topic, logEnds(topic), isolation);
    }

    private Set<Long> finalLog(Map<Integer, Long> logEnds) throws Exception {
        return scan("read_committed").stream().map(r -> PacedProducer.id(r.partition(), r.offset()))
                .collect(Collectors.toSet());
    }

    // ---------------------------------------------------------------- waiting

    /**
     * Polls {@code probe} until it gives a value, for at most {@code limit} (and never past the run's deadline).
     * Fails fast when a member that should be running has died.
     */
    <T> T await(String what, Duration limit, Supplier<Optional<T>> probe) {
        long until = System.nanoTime() + remaining(limit);
        RuntimeException lastError = null;
        while (true) {
            Optional<T> value;
            try {
                value = probe.get();
            } catch (RuntimeException e) {
                // the database or the broker may be coming back from a row's fault: poll again
                lastError = e;
                value = Optional.empty();
            }
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
                        + what + "; consumed " + consumedOrUnknown() + ", members " + live + "\n" + logTails(),
                        lastError);
            }
            LockSupport.parkNanos(POLL.toNanos()); // a pause between polls
            if (Thread.interrupted()) {
                throw new AssertionError("chaos " + plan.label() + ": interrupted waiting for " + what);
            }
        }
    }

    /** Lets {@code time} pass while checking that no member died. */
    void hold(Duration time) {
        long until = System.nanoTime() + time.toNanos();
        await("a hold of " + time, time.plusSeconds(5),
                () -> System.nanoTime() - until >= 0 ? Optional.of(true) : Optional.empty());
    }

    private String consumedOrUnknown() {
        try {
            return String.valueOf(consumed());
        } catch (RuntimeException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    private long remaining(Duration limit) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new AssertionError("chaos " + plan.label() + ": the run's deadline of " + plan.deadline()
                    + " has passed; consumed " + consumedOrUnknown() + ", members " + live + "\n" + logTails());
        }
        return Math.min(left, limit.toNanos());
    }

    private String logTails() {
        StringBuilder text = new StringBuilder();
        for (MemberProcess m : live) {
            text.append("---- ").append(m).append(" ").append(m.log()).append('\n').append(m.logTail(15)).append('\n');
        }
        return text.toString();
    }

    static long millisSince(long nanos) {
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
                pool.close();
                try {
                    Runtime.getRuntime().removeShutdownHook(killOnExit);
                } catch (IllegalStateException e) {
                    // the JVM is shutting down: the hook runs anyway
                }
            }
        }
    }
}
