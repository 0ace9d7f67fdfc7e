package io.sluice.testing.proof;

import io.sluice.testing.ChildJvm;
import io.sluice.testing.EmbeddedKafka;
import io.sluice.testing.H2Server;
import io.sluice.testing.PostgresDatabase;
import io.sluice.testing.PostgresServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of an {@link ExactlyOnceProof}: provisions the database and the topic, starts the members, produces,
 * applies the faults, waits for completion, stops the members in order and counts the effects. {@link #close()}
 * kills every member it started and removes what it provisioned, whatever happened.
 */
final class ProofRun implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ProofRun.class);
    private static final AtomicInteger RUNS = new AtomicInteger();
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration STEP_LIMIT = Duration.ofSeconds(120);
    private static final Duration ORDERLY_STOP = Duration.ofSeconds(30);
    private static final Duration ADMIN_CALL = Duration.ofSeconds(10);
    private static final List<String> MEMBER_JVM_OPTIONS = List.of("-Xmx256m");
    private static final int FIRST = 10;
    private static final int LOG_TAIL = 30;

    /** A member JVM and its name, the prefix of its client ids. */
    private record Member(String id, ChildJvm jvm) {
        @Override
        public String toString() {
            return id + "/" + jvm;
        }
    }

    private final ExactlyOnceProof proof;
    private final String name;
    private final String topic;
    private final String group;
    private final Path logDirectory;
    private final Random random;
    private final List<Member> started = new ArrayList<>();
    private final List<Member> live = new ArrayList<>();
    private H2Server h2;
    private PostgresServer postgres;
    private PostgresDatabase postgresDatabase;
    private EmbeddedKafka ownKafka;
    private EmbeddedKafka kafka;
    private Admin admin;
    private ProofEnvironment environment;
    private DataSource dataSource;
    private Producer producer;
    private long deadline;
    private int kills;
    private int stops;
    private int rebalances;

    ProofRun(ExactlyOnceProof proof) {
        this.proof = proof;
        this.name = "proof-" + System.currentTimeMillis() + "-" + RUNS.incrementAndGet();
        this.topic = name;
        this.group = name + "-group";
        this.logDirectory = Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
                .resolve("target").resolve("proof").resolve(name).toAbsolutePath();
        long seed = Long.getLong("sluice.proof.seed", System.nanoTime());
        this.random = new Random(seed);
        LOG.info("{}: {}; seed {} (-Dsluice.proof.seed to repeat the choices); member logs in {}", name, proof,
                seed, logDirectory);
    }

    ProofResult execute() {
        long startedAt = System.nanoTime();
        deadline = startedAt + proof.deadline.toNanos();
        try {
            Files.createDirectories(logDirectory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + logDirectory, e);
        }
        provisionDatabase();
        createTables();
        kafka = proof.kafka != null ? proof.kafka : (ownKafka = EmbeddedKafka.start());
        kafka.createTopic(topic, proof.partitions);
        admin = kafka.admin();

        for (int i = 0; i < proof.members; i++) {
            startMember();
        }
        // producing from the start overlaps the members' start-up; the gate keeps the first fault mid-stream
        producer = new Producer(kafka.producerProperties(), topic, proof.partitions, proof.messages, proof.payloads,
                proof.effectiveProduceOver(), gate(0));
        producer.start();
        await("every member to join the group and own partitions", STEP_LIMIT,
                () -> live.stream().allMatch(this::joined) ? Optional.of(true) : Optional.empty());

        List<Fault> faults = proof.faults;
        for (int i = 0; i < faults.size(); i++) {
            Fault fault = faults.get(i);
            long due = due(i);
            long reached = await(fault.label() + " once " + due + " messages took effect", STEP_LIMIT,
                    () -> covered().filter(covered -> covered >= due));
            // the producer may go on, at its pace, during the fault; the fault waits until the members are busy
            // with messages produced since, so that it hits work in flight however long the faults before took
            producer.allowUpTo(gate(i + 1));
            long flowing = Math.min(proof.messages, reached + Math.max(1, share() / 4));
            await(fault.label() + " once " + flowing + " messages took effect (the stream flows)", STEP_LIMIT,
                    () -> covered().filter(covered -> covered >= flowing));
            LOG.info("{}: {} at {} messages with effect, {} acknowledged; members {}", name, fault.label(),
                    covered().orElse(-1L), producer.acknowledged(), live);
            apply(fault);
            LOG.info("{}: {} done; {} acknowledged", name, fault.label(), producer.acknowledged());
        }

        Duration producing = remaining(STEP_LIMIT);
        if (!producer.awaitDone(producing)) {
            throw new AssertionError(name + ": the producer did not finish within " + producing + "; "
                    + producer.acknowledged() + " acknowledged");
        }
        if (producer.failure() != null) {
            throw new AssertionError(name + ": a send failed, so the expected messages are unknown",
                    producer.failure());
        }
        if (producer.acknowledged() != proof.messages) {
            throw new AssertionError(name + ": " + producer.acknowledged() + " of " + proof.messages
                    + " messages acknowledged");
        }
        LOG.info("{}: {} messages produced; waiting until each has an effect", name, proof.messages);
        if (!awaitCompletion()) {
            LOG.warn("{}: the deadline of {} passed before every message had an effect; counting what there is",
                    name, proof.deadline);
        }
        stopAllInOrder();

        Tally tally = finalTally();
        ProofResult result = new ProofResult(proof.database.label(), faults, proof.messages, kills, stops,
                rebalances, tally.effects, tally.duplicates(), tally.lost(), tally.unknown, tally.firstDuplicated(),
                tally.firstLost(), Duration.ofNanos(System.nanoTime() - startedAt), logDirectory);
        LOG.info("{}: {} (in {} s)", name, result.summary(), result.took().toSeconds());
        return result;
    }

    /** The number of effects at which the fault of index {@code i} is due: {@code (i + 1) / (k + 1)} of them. */
    private long due(int i) {
        return (long) Math.ceil((double) proof.messages * (i + 1) / (proof.faults.size() + 1));
    }

    /**
     * How far the producer may go until the fault of index {@code i} is due: half a share of the stream past the
     * point it is due, so that messages still arrive when it lands, however long the previous faults took; all of
     * them after the last fault.
     */
    private long gate(int i) {
        if (i >= proof.faults.size()) {
            return proof.messages;
        }
        return Math.min(proof.messages, due(i) + Math.max(1, share() / 2));
    }

    /** The messages between two faults. */
    private long share() {
        return proof.messages / (proof.faults.size() + 1);
    }

    // ---------------------------------------------------------------- the database

    private void provisionDatabase() {
        switch (proof.database) {
            case H2 -> {
                h2 = H2Server.start();
                environment = environment("harness", h2.jdbcUrl("proof"), "sa", "");
            }
            case POSTGRESQL -> {
                try {
                    postgres = PostgresServer.start();
                } catch (IOException e) {
                    throw new IllegalStateException("PostgreSQL did not start", e);
                }
                postgresDatabase = postgres.createDatabase("proof");
                environment = environment("harness", postgresDatabase.jdbcUrl(), PostgresServer.USER, "");
            }
            default -> throw new IllegalStateException("unknown database " + proof.database);
        }
        dataSource = environment.dataSource();
    }

    private ProofEnvironment environment(String member, String jdbcUrl, String user, String password) {
        return new ProofEnvironment("unused", topic, group, member, proof.database, jdbcUrl, user, password);
    }

    private void createTables() {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            for (String ddl : proof.tables) {
                statement.execute(ddl);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(name + ": the DDL failed: " + e.getMessage(), e);
        }
    }

    private void stopDatabase() {
        if (h2 != null) {
            h2.stop();
        } else {
            postgres.stop();
        }
    }

    private void startDatabaseAgain() {
        if (h2 != null) {
            h2.startAgain();
        } else {
            postgres.startAgain();
        }
    }

    // ---------------------------------------------------------------- faults

    private void apply(Fault fault) {
        switch (fault) {
            case KILL -> kill();
            case ADD -> add();
            case REMOVE -> remove();
            case FREEZE -> freeze();
            case DB_OUTAGE -> outage();
            default -> throw new IllegalStateException("unknown fault " + fault);
        }
    }

    private void kill() {
        Member victim = randomOwner();
        LOG.info("{}: SIGKILL {}", name, victim);
        victim.jvm().kill();
        live.remove(victim);
        kills++;
        rebalances++;
        add();
    }

    private void add() {
        Member member = startMember();
        rebalances++;
        await(member.id() + " to join the group and own partitions", STEP_LIMIT,
                () -> joined(member) ? Optional.of(true) : Optional.empty());
    }

    private void remove() {
        if (live.size() == 1) {
            LOG.info("{}: one member left; adding one before the removal", name);
            add();
        }
        Member victim = randomOwner();
        LOG.info("{}: SIGTERM {} (an orderly removal)", name, victim);
        live.remove(victim);
        boolean inOrder = victim.jvm().terminate(ORDERLY_STOP);
        if (!inOrder) {
            LOG.warn("{}: {} did not stop within {}: killed", name, victim, ORDERLY_STOP);
        }
        rebalances++;
    }

    private void freeze() {
        Member victim = randomOwner();
        victim.jvm().suspend();
        stops++;
        long frozenAt = System.nanoTime();
        LOG.info("{}: SIGSTOP {}", name, victim);
        await("the group to drop the frozen " + victim.id(), STEP_LIMIT,
                () -> groupMembers().filter(members -> owned(victim, members) == null).map(members -> true));
        LOG.info("{}: the group dropped {} {} ms after its SIGSTOP; SIGCONT", name, victim.id(), millisSince(frozenAt));
        victim.jvm().resume();
        rebalances += 2;
        await("the thawed " + victim.id() + " to rejoin and own partitions", STEP_LIMIT,
                () -> joined(victim) ? Optional.of(true) : Optional.empty());
    }

    private void outage() {
        Duration outage = Duration.ofSeconds(ExactlyOnceProof.OUTAGE_SECONDS);
        LOG.info("{}: stopping the database for {} s", name, outage.toSeconds());
        stopDatabase();
        long stoppedAt = System.nanoTime();
        try {
            await("the outage to last " + outage.toSeconds() + " s", outage.plus(STEP_LIMIT),
                    () -> System.nanoTime() - stoppedAt >= outage.toNanos() ? Optional.of(true) : Optional.empty());
        } finally {
            startDatabaseAgain();
        }
        LOG.info("{}: the database is back after {} ms", name, millisSince(stoppedAt));
    }

    // ---------------------------------------------------------------- members

    private Member startMember() {
        String id = "m" + (started.size() + 1);
        ChildJvm jvm = ChildJvm.start(ProofMember.class.getName(), MEMBER_JVM_OPTIONS, List.of(
                "--topology=" + proof.topologyClass, "--bootstrap=" + kafka.bootstrapServers(), "--topic=" + topic,
                "--group=" + group, "--member=" + id, "--db=" + proof.database.name(),
                "--jdbc=" + environment.jdbcUrl(), "--user=" + environment.jdbcUser(),
                "--password=" + environment.jdbcPassword()), logDirectory.resolve(id + ".log"));
        Member member = new Member(id, jvm);
        started.add(member);
        live.add(member);
        LOG.info("{}: started {}", name, member);
        return member;
    }

    /**
     * Whether the member is in the group, owning partitions unless there are more members than partitions (then
     * some own none).
     */
    private boolean joined(Member member) {
        Optional<Map<String, Set<TopicPartition>>> members = groupMembers();
        if (members.isEmpty()) {
            return false;
        }
        Set<TopicPartition> owned = owned(member, members.get());
        return owned != null && (!owned.isEmpty() || live.size() > proof.partitions);
    }

    /** The partitions a member owns, by its client id prefix; {@code null} when it is not in the group. */
    private static Set<TopicPartition> owned(Member member, Map<String, Set<TopicPartition>> members) {
        Set<TopicPartition> owned = null;
        for (Map.Entry<String, Set<TopicPartition>> entry : members.entrySet()) {
            if (entry.getKey().equals(member.id()) || entry.getKey().startsWith(member.id() + "-")) {
                if (owned == null) {
                    owned = new HashSet<>();
                }
                owned.addAll(entry.getValue());
            }
        }
        return owned;
    }

    /** The group's members (client id to assigned partitions), or empty when the broker did not answer. */
    private Optional<Map<String, Set<TopicPartition>>> groupMembers() {
        try {
            ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group)).describedGroups()
                    .get(group).get(ADMIN_CALL.toMillis(), TimeUnit.MILLISECONDS);
            Map<String, Set<TopicPartition>> members = new HashMap<>();
            for (MemberDescription member : description.members()) {
                members.computeIfAbsent(member.clientId(), k -> new HashSet<>())
                        .addAll(member.assignment().topicPartitions());
            }
            return Optional.of(members);
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("{}: describing the group failed", name, e);
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(name + ": interrupted while describing the group", e);
        }
    }

    /** A random live member that owns partitions (a fault should hit work in flight), else any live member. */
    private Member randomOwner() {
        Map<String, Set<TopicPartition>> members = groupMembers().orElse(Map.of());
        List<Member> owners = live.stream().filter(m -> {
            Set<TopicPartition> owned = owned(m, members);
            return owned != null && !owned.isEmpty();
        }).toList();
        List<Member> from = owners.isEmpty() ? live : owners;
        if (from.isEmpty()) {
            throw new AssertionError(name + ": no live member to apply a fault to");
        }
        return from.get(random.nextInt(from.size()));
    }

    private void stopAllInOrder() {
        LOG.info("{}: stopping {} in order (SIGTERM)", name, live);
        live.forEach(m -> m.jvm().requestTermination());
        for (Member member : live) {
            if (!member.jvm().awaitExit(ORDERLY_STOP)) {
                LOG.warn("{}: {} did not stop within {}: killed", name, member, ORDERLY_STOP);
            }
            member.jvm().kill();
        }
        live.clear();
    }

    // ---------------------------------------------------------------- effects

    /** The number of produced ids with at least one effect, or empty when the query failed (database down). */
    private Optional<Long> covered() {
        try {
            return Optional.of(tally().covered());
        } catch (SQLException e) {
            LOG.debug("{}: the effects query failed", name, e);
            return Optional.empty();
        }
    }

    private boolean awaitCompletion() {
        long reportedAt = System.nanoTime();
        while (true) {
            Optional<Long> covered = covered();
            if (covered.filter(c -> c >= proof.messages).isPresent()) {
                return true;
            }
            if (System.nanoTime() - reportedAt > TimeUnit.SECONDS.toNanos(5)) {
                LOG.info("{}: {} of {} messages have an effect", name, covered.map(String::valueOf).orElse("?"),
                        proof.messages);
                reportedAt = System.nanoTime();
            }
            requireLiveMembersAlive("every message to take effect");
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            pause("every message to take effect");
        }
    }

    /** The final count, retried while the database does not answer, at most until a minute past the deadline. */
    private Tally finalTally() {
        long until = Math.max(deadline, System.nanoTime()) + TimeUnit.MINUTES.toNanos(1);
        while (true) {
            try {
                return tally();
            } catch (SQLException e) {
                if (System.nanoTime() - until > 0) {
                    throw new IllegalStateException(name + ": the effects query failed: " + e.getMessage(), e);
                }
                LOG.warn("{}: the effects query failed ({}); retrying", name, e.getMessage());
                pause("the effects query");
            }
        }
    }

    private Tally tally() throws SQLException {
        int n = proof.messages;
        long[] counts = new long[n + 1];
        long effects = 0;
        long unknown = 0;
        try (Connection connection = dataSource.getConnection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(proof.effectsQuery)) {
            boolean counted = rows.getMetaData().getColumnCount() >= 2;
            while (rows.next()) {
                long times = counted ? rows.getLong(2) : 1;
                effects += times;
                long id = id(rows.getString(1));
                if (id >= 1 && id <= n) {
                    counts[(int) id] += times;
                } else {
                    unknown += times;
                }
            }
        }
        return new Tally(counts, effects, unknown);
    }

    private static long id(String text) {
        if (text == null) {
            return -1;
        }
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Effects per id ({@code counts[id]}, ids from 1), all effects and those of unknown ids. */
    private record Tally(long[] counts, long effects, long unknown) {

        long covered() {
            long covered = 0;
            for (int id = 1; id < counts.length; id++) {
                if (counts[id] > 0) {
                    covered++;
                }
            }
            return covered;
        }

        long duplicates() {
            long duplicates = 0;
            for (int id = 1; id < counts.length; id++) {
                duplicates += Math.max(0, counts[id] - 1);
            }
            return duplicates;
        }

        long lost() {
            return counts.length - 1 - covered();
        }

        List<Long> firstDuplicated() {
            List<Long> ids = new ArrayList<>();
            for (int id = 1; id < counts.length && ids.size() < FIRST; id++) {
                if (counts[id] > 1) {
                    ids.add((long) id);
                }
            }
            return ids;
        }

        List<Long> firstLost() {
            List<Long> ids = new ArrayList<>();
            for (int id = 1; id < counts.length && ids.size() < FIRST; id++) {
                if (counts[id] == 0) {
                    ids.add((long) id);
                }
            }
            return ids;
        }
    }

    // ---------------------------------------------------------------- waiting

    /**
     * Polls {@code probe} until it gives a value, for at most {@code limit} and never past the run's deadline;
     * fails at once when a member that should run has died.
     */
    private <T> T await(String what, Duration limit, Supplier<Optional<T>> probe) {
        long until = System.nanoTime() + remaining(limit).toNanos();
        while (true) {
            Optional<T> value = probe.get();
            if (value.isPresent()) {
                return value.get();
            }
            requireLiveMembersAlive(what);
            if (System.nanoTime() - until > 0) {
                throw new AssertionError(name + ": timed out after " + limit + " waiting for " + what
                        + "; effects cover " + covered().map(String::valueOf).orElse("?") + " of " + proof.messages
                        + " messages; members " + live + "\n" + logTails());
            }
            pause(what);
        }
    }

    private void requireLiveMembersAlive(String what) {
        for (Member member : live) {
            if (!member.jvm().isAlive()) {
                throw new AssertionError(name + ": member " + member + " died on its own while waiting for " + what
                        + "; its log " + member.jvm().log() + " ends:\n" + member.jvm().logTail(LOG_TAIL));
            }
        }
    }

    private Duration remaining(Duration limit) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new AssertionError(name + ": the run's deadline of " + proof.deadline + " has passed; members "
                    + live + "\n" + logTails());
        }
        return Duration.ofNanos(Math.min(left, limit.toNanos()));
    }

    private void pause(String what) {
        LockSupport.parkNanos(POLL.toNanos()); // a pause between polls, not a synchronisation
        if (Thread.interrupted()) {
            Thread.currentThread().interrupt();
            throw new AssertionError(name + ": interrupted while waiting for " + what);
        }
    }

    private String logTails() {
        StringBuilder text = new StringBuilder();
        for (Member member : live) {
            text.append("---- ").append(member).append(' ').append(member.jvm().log()).append('\n')
                    .append(member.jvm().logTail(15)).append('\n');
        }
        return text.toString();
    }

    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }

    /** Kills every member the run started, stops the producer, and closes the broker and database it started. */
    @Override
    public void close() {
        List<AutoCloseable> resources = new ArrayList<>();
        started.forEach(m -> resources.add(m.jvm()));
        resources.add(producer);
        resources.add(admin);
        resources.add(ownKafka);
        resources.add(postgresDatabase);
        resources.add(postgres);
        resources.add(h2);
        RuntimeException failure = null;
        for (AutoCloseable resource : resources) {
            if (resource == null) {
                continue;
            }
            try {
                resource.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException(name + ": cannot close " + resource, e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    // ---------------------------------------------------------------- the producer

    /**
     * Produces the messages {@code 1..count} round-robin over the partitions, paced over a duration and never past
     * its gate (time spent at the gate does not count), on a thread of its own; idempotent with {@code acks=all}, so every acknowledged message is in the
     * log exactly once.
     */
    private static final class Producer implements AutoCloseable {
        private static final int CHUNK = 50;

        private final KafkaProducer<String, String> kafka;
        private final String topic;
        private final int partitions;
        private final AtomicLong acknowledged = new AtomicLong();
        private final AtomicLong gate;
        private final AtomicReference<Exception> failure = new AtomicReference<>();
        private final Thread thread;
        private volatile boolean stop;

        Producer(Map<String, Object> properties, String topic, int partitions, int count,
                LongFunction<String> payloads, Duration over, long gate) {
            this.gate = new AtomicLong(gate);
            Map<String, Object> settings = new HashMap<>(properties);
            settings.put("enable.idempotence", true);
            settings.put("acks", "all");
            this.kafka = new KafkaProducer<>(settings, new StringSerializer(), new StringSerializer());
            this.topic = topic;
            this.partitions = partitions;
            this.thread = new Thread(() -> produce(count, payloads, over), "proof-producer");
            this.thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        private void produce(int count, LongFunction<String> payloads, Duration over) {
            try {
                long startedAt = System.nanoTime();
                for (long id = 1; id <= count && !stop; id++) {
                    if (id > gate.get()) {
                        kafka.flush();
                        long blockedAt = System.nanoTime();
                        while (id > gate.get() && !stop) {
                            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // polls the gate
                        }
                        if (stop) {
                            break;
                        }
                        // the pace resumes where it stopped rather than catching up in a burst
                        startedAt += System.nanoTime() - blockedAt;
                    }
                    ProducerRecord<String, String> record = new ProducerRecord<>(topic,
                            (int) ((id - 1) % partitions), Long.toString(id), payloads.apply(id));
                    kafka.send(record, (metadata, e) -> {
                        if (e != null) {
                            failure.compareAndSet(null, e);
                        } else {
                            acknowledged.incrementAndGet();
                        }
                    });
                    if (id % CHUNK == 0) {
                        // pacing, not synchronisation: the id-th message is due at id/count of the way
                        long wait = startedAt + over.toNanos() / count * id - System.nanoTime();
                        if (wait > 0) {
                            LockSupport.parkNanos(wait);
                        }
                    }
                }
                kafka.flush();
            } catch (RuntimeException e) {
                failure.compareAndSet(null, e);
            }
        }

        /** Lets the producer send the messages up to {@code id}. */
        void allowUpTo(long id) {
            gate.accumulateAndGet(id, Math::max);
        }

        /** Waits until every message is sent and acknowledged or failed; {@code false} on timeout. */
        boolean awaitDone(Duration limit) {
            try {
                thread.join(limit.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            return !thread.isAlive();
        }

        long acknowledged() {
            return acknowledged.get();
        }

        Exception failure() {
            return failure.get();
        }

        @Override
        public void close() {
            stop = true;
            try {
                thread.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            kafka.close(Duration.ofSeconds(10));
        }
    }

    @Override
    public String toString() {
        return "ProofRun[" + name + "]";
    }
}
