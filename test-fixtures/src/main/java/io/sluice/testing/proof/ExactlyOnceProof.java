package io.sluice.testing.proof;

import io.sluice.testing.EmbeddedKafka;
import io.sluice.testing.PostgresServer;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Assumptions;

/**
 * A proof kit for your own topology: runs it in several member JVMs against a real broker and a real database,
 * inflicts crashes, freezes, membership changes and database outages while messages stream in, and counts, by
 * your own query, how many times each message took effect.
 *
 * <pre>{@code
 * ExactlyOnceProof.forTopology("com.acme.OrdersProofTopology")
 *         .tables("CREATE TABLE orders (id BIGINT NOT NULL, amount DECIMAL(10,2))")
 *         .payloads(id -> id + ",19.99")
 *         .effects("SELECT id FROM orders")
 *         .faults(Fault.KILL, Fault.FREEZE, Fault.DB_OUTAGE)
 *         .prove();
 * }</pre>
 *
 * <p><b>The messages.</b> The run produces {@link #messages(int)} messages with ids {@code 1..n}, round-robin over
 * the topic's partitions (idempotent producer, {@code acks=all}), spread over {@link #produceOver(Duration)} so
 * that the faults land mid-stream. Each record's key is the id in decimal, and its value (UTF-8) is
 * {@link #payloads(LongFunction) payload(id)}: the id in decimal unless you give a generator. Your consumer must
 * record, with each effect, the id it finds in the message.
 *
 * <p><b>The effects query</b> ({@link #effects(String)}) counts what your topology did. It must return <b>one row
 * per effect</b>, its first column the id of the message that caused it (any type whose text is the decimal id;
 * anything else counts as an unknown effect); or, if it returns a second column, that column is a number of
 * effects for the row's id (so {@code SELECT id, COUNT(*) FROM orders GROUP BY id} works too). Design the table so
 * that a duplicate can show: a unique key on the id would turn a second application into an error rather than a
 * row, and the run would only prove that the key works.
 *
 * <p><b>A run</b> ({@link #run()}):
 * <ol>
 *   <li>provisions its own database ({@link ProofDatabase}: an H2 TCP server by default, or PostgreSQL where
 *       installed, else the test is skipped as a failed assumption) and runs your {@link #tables(String...) DDL}
 *       there;</li>
 *   <li>creates its own topic (6 partitions by default) on the broker you give ({@link #kafka(EmbeddedKafka)}) or
 *       on an {@link EmbeddedKafka} of its own;</li>
 *   <li>starts {@link #members(int)} member JVMs (3 by default; the test JVM's class path; each instantiates your
 *       {@link ProofTopology} class and runs its topology in a {@code SluiceRuntime} with the classic group
 *       protocol, a 6 s session timeout and {@code auto.offset.reset=earliest}), starts producing, and waits
 *       until each member owns partitions;</li>
 *   <li>the i-th of k {@link #faults(Fault...) faults} is applied once the effects cover
 *       i/(k+1) of the messages: the producer never runs more than half such a share ahead of a fault not yet
 *       due, and once it is due, goes on at its pace, and the fault waits until a quarter share more took effect,
 *       so that every fault lands on members busy applying messages, however long the faults before it took;</li>
 *   <li>waits until every message has an effect, or the {@link #deadline(Duration) deadline} passes, then stops
 *       every member in order (SIGTERM) and counts the effects.</li>
 * </ol>
 * Every wait polls with a deadline. Members exit on their own when the test JVM dies (their standard input
 * closes); the run kills every member and deletes its database and broker when it ends, passed or failed. Each
 * member's log is kept in {@code target/proof/<run>/<member>.log}.
 *
 * <p>Instances are immutable and thread-safe: each setter returns a new instance.
 */
public final class ExactlyOnceProof {

    /** How long a {@link Fault#DB_OUTAGE} keeps the database down, in seconds. */
    public static final int OUTAGE_SECONDS = 6;

    private static final List<Fault> ALL_FAULTS =
            List.of(Fault.KILL, Fault.ADD, Fault.REMOVE, Fault.FREEZE, Fault.DB_OUTAGE);

    final String topologyClass;
    final List<String> tables;
    final String effectsQuery;
    final int messages;
    final int partitions;
    final int members;
    final List<Fault> faults;
    final LongFunction<String> payloads;
    final ProofDatabase database;
    final EmbeddedKafka kafka;
    final Duration produceOver;
    final Duration deadline;

    private ExactlyOnceProof(String topologyClass, List<String> tables, String effectsQuery, int messages,
            int partitions, int members, List<Fault> faults, LongFunction<String> payloads, ProofDatabase database,
            EmbeddedKafka kafka, Duration produceOver, Duration deadline) {
        this.topologyClass = topologyClass;
        this.tables = tables;
        this.effectsQuery = effectsQuery;
        this.messages = messages;
        this.partitions = partitions;
        this.members = members;
        this.faults = faults;
        this.payloads = payloads;
        this.database = database;
        this.kafka = kafka;
        this.produceOver = produceOver;
        this.deadline = deadline;
    }

    /**
     * A proof of the topology made by the named {@link ProofTopology} class, with the defaults: no tables, 5,000
     * messages, 6 partitions, 3 members, every fault (kill, add, remove, freeze, db-outage), H2, a broker of its
     * own, a deadline of 5 minutes. An {@link #effects(String) effects query} is required.
     *
     * @param topologyClass the fully qualified name of a public class with a public no-argument constructor that
     *     implements {@link ProofTopology}, on the test's class path; never {@code null}
     * @return the proof, never {@code null}
     */
    public static ExactlyOnceProof forTopology(String topologyClass) {
        Objects.requireNonNull(topologyClass, "topologyClass");
        return new ExactlyOnceProof(topologyClass, List.of(), null, 5_000, 6, 3, ALL_FAULTS, Long::toString,
                ProofDatabase.H2, null, null, Duration.ofMinutes(5));
    }

    /**
     * {@link #forTopology(String)} by class.
     *
     * @param topologyClass a public class with a public no-argument constructor, never {@code null}
     * @return the proof, never {@code null}
     */
    public static ExactlyOnceProof forTopology(Class<? extends ProofTopology> topologyClass) {
        return forTopology(topologyClass.getName());
    }

    /**
     * The DDL the run executes, in order, on its fresh database before any member starts.
     *
     * @param ddl statements, none {@code null}
     * @return a copy with these tables
     */
    public ExactlyOnceProof tables(String... ddl) {
        return new ExactlyOnceProof(topologyClass, List.of(ddl), effectsQuery, messages, partitions, members,
                faults, payloads, database, kafka, produceOver, deadline);
    }

    /**
     * The query that counts the effects: one row per effect with the message's id first, or rows of id and number
     * of effects (see the class description).
     *
     * @param query a SELECT on the run's database, never {@code null}
     * @return a copy with this query
     */
    public ExactlyOnceProof effects(String query) {
        Objects.requireNonNull(query, "query");
        return new ExactlyOnceProof(topologyClass, tables, query, messages, partitions, members, faults, payloads,
                database, kafka, produceOver, deadline);
    }

    /**
     * How many messages to produce.
     *
     * @param count at least 1
     * @return a copy producing {@code count} messages
     */
    public ExactlyOnceProof messages(int count) {
        requirePositive(count, "messages");
        return new ExactlyOnceProof(topologyClass, tables, effectsQuery, count, partitions, members, faults, payloads,
                database, kafka, produceOver, deadline);
    }

    /**
     * The number of partitions of the run's topic.
     *
     * @param count at least 1
     * @return a copy with a topic of {@code count} partitions
     */
    public ExactlyOnceProof partitions(int count) {
        requirePositive(count, "partitions");
        return new ExactlyOnceProof(topologyClass, tables, effectsQuery, messages, count, members, faults, payloads,
                database, kafka, produceOver, deadline);
    }

    /**
     * The number of member JVMs started at the beginning.
     *
     * @param count at least 1
     * @return a copy starting {@code count} members
     */
    public ExactlyOnceProof members(int count) {
        requirePositive(count, "members");
        return new ExactlyOnceProof(topologyClass, tables, effectsQuery, messages, partitions, count, faults,
                payloads, database, kafka, produceOver, deadline);
    }

    /**
     * The faults to apply, in this order, spread over the stream; none is a run without faults.
     *
     * @param chosen the faults, repetitions allowed, none {@code null}
     * @return a copy applying these faults
     */
    public ExactlyOnceProof faults(Fault... chosen) {
        return new ExactlyOnceProof(topologyClass, tables, effectsQuery, messages, partitions, members,
                List.of(chosen), payloads, database, kafka, produceOver, deadline);
    }

    /**
     * How each message's value is made from its id; by default the id in decimal.
     *
     * @param generator returns the value (sent as UTF-8) of the message with the given id, never {@code null};
     *     it runs in the test JVM
     * @return a copy with this generator
     */
    public ExactlyOnceProof payloads(LongFunction<String> generator) {
        Objects.requireNonNull(generator, "generator");
        return new ExactlyOnceProof(topologyClass, tables, effectsQuery, messages, partitions, members, faults,
                generator, database, kafka, produceOver, deadline);
    }

    /**
     * Which database the run provisions; {@link ProofDatabase#H2} by default.
     *
     * @param kind the database, never {@code null}
     * @return a copy provisioning that database
     */
    public ExactlyOnceProof database(ProofDatabase kind) {
        Objects.requireNonNull(kind, "kind");
        return new ExactlyOnceProof(topologyClass, tables, effectsQuery, messages, partitions, members, faults,
                payloads, kind, kafka, produceOver, deadline);
    }

    /**
     * A running broker to use (and leave running) instead of starting one for the run; the run creates a topic
     * of its own there.
     *
     * @param broker the broker, never {@code null}
     * @return a copy using this broker
     */
    public ExactlyOnceProof kafka(EmbeddedKafka broker) {
        Objects.requireNonNull(broker, "broker");
        return new ExactlyOnceProof(topologyClass, tables, effectsQuery, messages, partitions, members, faults,
                payloads, database, broker, produceOver, deadline);
    }

    /**
     * How long producing the messages takes (if the faults leave time for it); by default 6 s per fault, at
     * least 10 s.
     *
     * @param duration positive, never {@code null}
     * @return a copy pacing the producer over {@code duration}
     */
    public ExactlyOnceProof produceOver(Duration duration) {
        requirePositive(duration, "produceOver");
        return new ExactlyOnceProof(topologyClass, tables, effectsQuery, messages, partitions, members, faults,
                payloads, database, kafka, duration, deadline);
    }

    /**
     * The limit of the whole run; messages still without effect when it passes count as lost (a member that
     * died, the group that never formed or a wait for a fault that passes it fails the run instead).
     *
     * @param duration positive, never {@code null}
     * @return a copy with this deadline
     */
    public ExactlyOnceProof deadline(Duration duration) {
        requirePositive(duration, "deadline");
        return new ExactlyOnceProof(topologyClass, tables, effectsQuery, messages, partitions, members, faults,
                payloads, database, kafka, produceOver, duration);
    }

    /**
     * Runs the proof and returns what it found, without judging it (a control run expects failures).
     *
     * @return the result, never {@code null}
     * @throws IllegalStateException    if no effects query was given, or the topology class is not a
     *     {@link ProofTopology} with a public no-argument constructor, or the database or broker cannot start
     * @throws AssertionError           if a member died on its own, or a step of the run did not happen within
     *     the deadline; the message names the members' logs
     * @throws org.opentest4j.TestAbortedException if PostgreSQL was asked for and is not installed
     */
    public ProofResult run() {
        if (effectsQuery == null) {
            throw new IllegalStateException("no effects query: call effects(\"SELECT <message id> FROM ...\")");
        }
        ProofMember.requireFactory(topologyClass, Thread.currentThread().getContextClassLoader());
        if (database == ProofDatabase.POSTGRESQL) {
            Assumptions.assumeTrue(PostgresServer.findBinaries().isPresent(),
                    "PostgreSQL binaries (initdb, pg_ctl) not found: skipping the PostgreSQL proof (install the"
                            + " postgresql package or set -D" + PostgresServer.BIN_DIR_PROPERTY + ")");
        }
        try (ProofRun run = new ProofRun(this)) {
            return run.execute();
        }
    }

    /**
     * Runs the proof and asserts exactly-once: {@code duplicates=0 lost=0} (and no unknown effect).
     *
     * @return the result, never {@code null}
     * @throws AssertionError if a message took effect more than once or never, with the summary line; or as
     *     {@link #run()}
     */
    public ProofResult prove() {
        ProofResult result = run();
        result.assertExactlyOnce();
        return result;
    }

    Duration effectiveProduceOver() {
        return produceOver != null ? produceOver
                : Duration.ofSeconds(Math.max(10, 6L * faults.size()));
    }

    private static void requirePositive(int value, String what) {
        if (value < 1) {
            throw new IllegalArgumentException(what + " must be at least 1, was " + value);
        }
    }

    private static void requirePositive(Duration value, String what) {
        Objects.requireNonNull(value, what);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, was " + value);
        }
    }

    @Override
    public String toString() {
        return "ExactlyOnceProof[" + topologyClass + ", " + messages + " messages, " + partitions + " partitions, "
                + members + " members, faults " + faults + ", " + database.label() + "]";
    }
}
