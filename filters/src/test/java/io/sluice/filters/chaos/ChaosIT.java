package io.sluice.filters.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.OffsetRefusedException;
import io.sluice.testing.EmbeddedKafka;
import io.sluice.testing.EmbeddedKafkaExtension;
import io.sluice.testing.KafkaBrokerProcess;
import java.sql.Connection;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fault matrix (docs/architecture.md, "Testing"): exactly-once of the transactional offset manager under every
 * fault a production consumer meets. Each row runs separate member JVMs ({@link ChaosMember}) on one shared
 * database while the harness inflicts its fault, and every row asserts the same things at the end: every expected
 * message has exactly one effect ({@code duplicates=0 lost=0}), no effect of a message never acknowledged or
 * aborted, an empty dead-letter topic, consume ranges that tile each partition, no dead letter, no failed instance.
 * Each row also checks its <em>bite</em>: evidence that the fault really hit the path it is meant to test — a fault
 * that did not bite proves nothing. The controls switch one defence off (a test hook or a member option) and must
 * show the failure that defence prevents.
 *
 * <p>The default build runs every row once (the mixed run with 100,000 messages on PostgreSQL, the rest with 20,000
 * over six partitions); {@code -Pchaos-full} runs every row on every
 * database it applies to. Each run appends its line to {@code target/chaos-summary.txt}; the class ends by printing
 * the matrix (also in {@code target/chaos-matrix.txt}).
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class ChaosIT {

    private static final Matrix MATRIX = new Matrix();
    private static final boolean FULL = Boolean.getBoolean("sluice.chaos.full");

    /** SIGKILLs with restarts, an added and a removed member, and a zombie, spread over the stream. */
    private static final List<ChaosRun.Step> MIXED = List.of(
            ChaosRun.Step.kill(0.06),
            ChaosRun.Step.kill(0.14),
            ChaosRun.Step.add(0.22),
            ChaosRun.Step.remove(0.30),
            ChaosRun.Step.zombie(0.38),
            ChaosRun.Step.kill(0.62),
            ChaosRun.Step.kill(0.74));

    private static final long ROW_MESSAGES = 20_000;
    private static final long CONTROL_MESSAGES = 5_000;
    private static final Duration ROW_PRODUCE_OVER = Duration.ofSeconds(10);
    private static final Duration ROW_LIMIT = Duration.ofMinutes(4);

    private final EmbeddedKafka kafka;

    ChaosIT(EmbeddedKafka kafka) {
        this.kafka = kafka;
    }

    @AfterAll
    static void printTheMatrix() {
        MATRIX.print();
    }

    /** The mixed run on H2 is in the full matrix only: {@code kip848} runs the same chaos on H2 in every build. */
    static Stream<String> mixedDatabases() {
        return FULL ? Stream.of("postgresql", "h2", "mariadb") : Stream.of("postgresql", "mariadb");
    }

    static Stream<String> h2Rows() {
        return FULL ? Stream.of("h2", "postgresql", "mariadb") : Stream.of("h2");
    }

    static Stream<String> postgresRows() {
        return FULL ? Stream.of("postgresql", "h2") : Stream.of("postgresql");
    }

    // ---------------------------------------------------------------- process faults

    /** The mixed run: 100,000 messages on PostgreSQL (and everywhere in the full matrix), 20,000 on MariaDB. */
    @ParameterizedTest(name = "mixed on {0}")
    @MethodSource("mixedDatabases")
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void mixed(String db) throws Exception {
        long messages = db.equals("postgresql") || FULL ? 100_000 : ROW_MESSAGES;
        Duration over = messages > ROW_MESSAGES ? Duration.ofSeconds(60) : ROW_PRODUCE_OVER;
        MATRIX.run("mixed " + db, () -> {
            ChaosRun.Outcome outcome = run(db, ChaosRun.Plan.of("mixed-" + db, "mixed", messages, over, MIXED,
                    Duration.ofMinutes(5)));
            assertMixed(outcome, messages);
            return outcome.summary();
        });
    }

    /** The mixed run under the consumer group protocol of KIP-848. */
    @ParameterizedTest(name = "kip848 on {0}")
    @MethodSource("h2Rows")
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void kip848(String db) throws Exception {
        MATRIX.run("kip848 " + db, () -> {
            List<ChaosRun.Step> steps = Stream.concat(
                    Stream.of(new ChaosRun.Step(0.02, "GROUP-TYPE", ChaosIT::noteGroupType)), MIXED.stream()).toList();
            ChaosRun.Outcome outcome = run(db, ChaosRun.Plan.of("kip848-" + db, "kip848", ROW_MESSAGES,
                    ROW_PRODUCE_OVER, steps, ROW_LIMIT).withMemberOption("protocol", "consumer"));
            assertMixed(outcome, ROW_MESSAGES);
            assertEquals(GroupType.CONSUMER, outcome.notes().get("group-type"), "bite: the group runs KIP-848");
            String zombie = (String) outcome.notes().get("zombie");
            assertTrue(outcome.countersByMember().get(zombie).getOrDefault("lost", 0L) > 0,
                    "bite: the zombie's partitions were lost (onPartitionsLost): " + outcome.countersByMember());
            return outcome.summary();
        });
    }

    private static final int VP_OLD = 8;
    private static final int VP_NEW = 12;
    private static final long VP_MESSAGES = 100_000;

    /**
     * The mixed run with virtual partitions: 6 partitions × 8 virtual partitions on PostgreSQL, the mixed chaos, and
     * early on a change to 12 rolled out member by member while an 8-member is parked as a zombie: for a while both
     * counts run side by side (a member whose count differs from the stored mapping runs the stored one until a
     * drain point, then swaps), the zombie's partition is swapped to 12 by a new member, and the old-n zombie is
     * released into a mapping it does not run. Ranges are tiled per virtual partition.
     */
    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void mixedVirtualPartitions() throws Exception {
        MATRIX.run("mixed-vp postgresql", () -> {
            List<ChaosRun.Step> steps = List.of(
                    ChaosRun.Step.kill(0.05),
                    ChaosRun.Step.kill(0.10),
                    new ChaosRun.Step(0.16, "CHANGE-N", ChaosIT::changeVirtualPartitions),
                    ChaosRun.Step.zombie(0.60),
                    ChaosRun.Step.add(0.72),
                    ChaosRun.Step.remove(0.80),
                    ChaosRun.Step.kill(0.88));
            // produced over two minutes: the change of n (40 to 70 s on this machine: JVM starts and rebalances with
            // a stopped member) comes early so that it happens under load, and the zombie and the kills after it
            ChaosRun.Outcome outcome = run("postgresql", ChaosRun.Plan.of("mixed-vp", "mixed-vp", VP_MESSAGES,
                            Duration.ofSeconds(120), steps, Duration.ofMinutes(7))
                    .withMemberOption("virtual-partitions", String.valueOf(VP_OLD))
                    .afterwards(ChaosIT::noteMappings));
            assertTrue(outcome.messages() >= VP_MESSAGES, outcome.summary());
            assertTrue(outcome.kills() > 0 && outcome.stops() > 0 && outcome.rebalances() > 0, outcome.summary());
            assertEquals(2, outcome.zombies().size(), outcome.zombies().toString());
            long refused = 0;
            for (String zombie : outcome.zombies()) {
                assertTrue(zombie.equals("applied=0")
                                || zombie.startsWith("failed " + OffsetRefusedException.class.getName()),
                        "a zombie applied nothing of its parked group: " + outcome.zombies());
                refused += zombie.startsWith("failed") ? 1 : 0;
            }
            String oldZombie = (String) outcome.notes().get("old-n-zombie");
            assertTrue(oldZombie.startsWith("failed " + OffsetRefusedException.class.getName())
                            && oldZombie.contains("belongs to mapping " + VP_NEW + ":murmur2"),
                    "bite: the old-n zombie was refused by the swapped mapping: " + oldZombie);
            assertEquals(VP_NEW + ":murmur2", outcome.notes().get("mapping-after-change"),
                    "bite: the zombie's partition swapped its mapping " + outcome.notes());
            assertTrue((Long) outcome.notes().get("sent-at-swap") < VP_MESSAGES,
                    "bite: the mapping swapped under load, before production ended " + outcome.notes());
            // the old-n zombie was stopped with groups of several partitions in flight; with the swap drained promptly
            // under load, every one of those partitions is on the new mapping when it wakes, and each such group is
            // refused (the mapping differs): the fence working. Any other member's refusal is a failure.
            String oldZombieMember = (String) outcome.notes().get("old-n-zombie-member");
            long oldZombieRefusals = outcome.countersByMember().getOrDefault(oldZombieMember, Map.of())
                    .getOrDefault("refusals", 0L);
            assertClean(outcome, refused + oldZombieRefusals);
            for (int p = 0; p < ChaosRun.PARTITIONS; p++) {
                assertEquals(VP_NEW + ":murmur2", outcome.notes().get("final-mapping-p" + p),
                        "every partition ends on the new count " + outcome.notes());
            }
            return outcome.summary() + " vp=" + VP_OLD + "->" + VP_NEW;
        });
    }

    /** Without fencing and the revoked() check, a zombie's parked group of a virtual partition is applied twice. */
    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void controlVirtualPartitionsFencingOff() throws Exception {
        MATRIX.run("control: vp fencing off", () -> {
            ChaosRun.Outcome outcome = run("postgresql", ChaosRun.Plan.of("control-vp-fencing", "mixed-vp",
                            ROW_MESSAGES, ROW_PRODUCE_OVER, List.of(ChaosRun.Step.zombie(0.2)), Duration.ofMinutes(3))
                    .withMemberOption("virtual-partitions", String.valueOf(VP_OLD)).withoutFencing());
            assertEquals(1, outcome.zombies().size());
            assertTrue(outcome.zombies().get(0).startsWith("applied=") && !outcome.zombies().get(0).equals("applied=0"),
                    "the zombie applied its parked group: " + outcome.zombies());
            assertTrue(outcome.duplicates() > 0, "the naive design showed no duplicate: " + outcome.details());
            return outcome.summary();
        });
    }

    /**
     * Rolls the virtual-partition count from {@link #VP_OLD} to {@link #VP_NEW}: an old-count member parks a group
     * job before its row lock and is stopped (SIGSTOP); the other old-count members are replaced one at a time by
     * new-count ones, so both counts run side by side; once the zombie's partition has been swapped to the new
     * mapping at a drain point, the zombie is released (and must be refused), then replaced too.
     */
    private static void changeVirtualPartitions(ChaosRun run) {
        List<MemberProcess> old = run.live();
        run.memberOption("virtual-partitions", String.valueOf(VP_NEW));
        ChaosRun.Frozen frozen = run.freeze(ControlDirectory.BEFORE_LOCK);
        int partition = frozen.batch().partition();
        for (MemberProcess member : old) {
            if (!member.id().equals(frozen.member().id())) {
                run.replace(member);
            }
        }
        String mapping = run.await("partition " + partition + " to swap to " + VP_NEW + " virtual partitions",
                Duration.ofSeconds(150), () -> run.storedMapping(partition).filter(m -> m.startsWith(VP_NEW + ":")));
        run.note("mapping-after-change", mapping);
        run.note("sent-at-swap", run.producer().sent());
        run.note("old-n-zombie-member", frozen.member().id());
        run.note("old-n-zombie", run.thaw(frozen));
        // the thawed zombie rejoined with the old count: for a while it runs beside the new ones, then it goes too
        run.replace(frozen.member());
    }

    private static void noteMappings(ChaosRun run) {
        for (int p = 0; p < ChaosRun.PARTITIONS; p++) {
            run.note("final-mapping-p" + p, run.storedMapping(p).orElse("none"));
        }
    }

    /** The naive design (no fencing, no revoked() check) applies the zombie's parked batch a second time. */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void controlFencingOff() throws Exception {
        MATRIX.run("control: fencing off", () -> {
            ChaosRun.Outcome outcome = run("h2", ChaosRun.Plan.of("control-fencing", "mixed", ROW_MESSAGES,
                    ROW_PRODUCE_OVER, List.of(ChaosRun.Step.zombie(0.2)), Duration.ofMinutes(2)).withoutFencing());
            assertEquals(1, outcome.zombies().size());
            assertTrue(outcome.zombies().get(0).startsWith("applied=") && !outcome.zombies().get(0).equals("applied=0"),
                    "the zombie applied its parked batch: " + outcome.zombies());
            assertTrue(outcome.duplicates() > 0, "the naive design showed no duplicate: " + outcome.details());
            return outcome.summary();
        });
    }

    // ---------------------------------------------------------------- Kafka faults

    /**
     * A transactional producer aborts one transaction in five, and once a transaction larger than the members'
     * fetch size; members fetch at most 16 KiB per partition.
     */
    @ParameterizedTest(name = "aborted-tx on {0}")
    @MethodSource("h2Rows")
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void abortedTransactions(String db) throws Exception {
        MATRIX.run("aborted-tx " + db, () -> {
            ChaosRun.Outcome outcome = run(db, abortedPlan("aborted-" + db, ROW_MESSAGES));
            assertClean(outcome, 0);
            assertTrue((Long) outcome.notes().get("transactions-aborted") > 0, outcome.details());
            Map<?, ?> flagged = (Map<?, ?>) outcome.notes().get("aborted-per-partition");
            assertEquals(ChaosRun.PARTITIONS, flagged.size(), "bite: aborted records in every partition " + flagged);
            assertTrue((Integer) outcome.notes().get("largest-aborted-bytes") > 16 * 1024,
                    "bite: an aborted transaction larger than the fetch size " + outcome.notes());
            // every partition's log ends in a marker and every row reached its log end; a hole in the ranges shows
            // the runtime itself advanced a row over markers or aborted records while caught up (an idle advance)
            assertTrue(outcome.tiling().holes() > 0,
                    "bite: a row advanced over markers while caught up " + outcome.details());
            assertEquals(0, outcome.counter("retried"), "bite: no retries " + outcome.details());
            return outcome.summary();
        });
    }

    /** Members reading {@code read_uncommitted} apply aborted records: the isolation level is what prevents it. */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void controlReadUncommitted() throws Exception {
        MATRIX.run("control: read_uncommitted", () -> {
            ChaosRun.Outcome outcome = run("h2", abortedPlan("control-uncommitted", CONTROL_MESSAGES)
                    .withMemberOption("isolation", "read_uncommitted"));
            assertTrue(outcome.effects().unexpected() > 0, "no aborted effect appeared: " + outcome.details());
            return outcome.summary();
        });
    }

    private static ChaosRun.Plan abortedPlan(String label, long messages) {
        return ChaosRun.Plan.of(label, "aborted-tx", messages, ROW_PRODUCE_OVER,
                        List.of(), ROW_LIMIT)
                .withMode(PacedProducer.Mode.TRANSACTIONAL)
                .withMemberOption("fetch-bytes", String.valueOf(16 * 1024))
                .afterwards(ChaosIT::scanAborted);
    }

    /** Notes what a {@code read_uncommitted} scan of the final log finds: the aborted records, per partition. */
    private static void scanAborted(ChaosRun run) throws Exception {
        List<Audit.Scanned> all = run.scan("read_uncommitted");
        Map<Integer, Integer> flagged = new HashMap<>();
        int largest = 0;
        int current = 0;
        int currentPartition = -1;
        for (Audit.Scanned r : all) {
            boolean aborted = r.value().startsWith(PacedProducer.ABORT_FLAG);
            if (aborted) {
                flagged.merge(r.partition(), 1, Integer::sum);
                current = r.partition() == currentPartition ? current + r.size() : r.size();
                currentPartition = r.partition();
                largest = Math.max(largest, current);
            } else {
                current = 0;
                currentPartition = -1;
            }
        }
        run.note("aborted-per-partition", flagged);
        run.note("largest-aborted-bytes", largest);
    }

    /**
     * A compacted topic with many overwritten keys, produced in full while no member runs, compacted by the cleaner
     * (own broker with a fast cleaner), then consumed: the members meet gaps above their rows.
     */
    @ParameterizedTest(name = "compacted on {0}")
    @MethodSource("h2Rows")
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void compacted(String db) throws Exception {
        MATRIX.run("compacted " + db, () -> {
            try (EmbeddedKafka broker = EmbeddedKafka.start(Map.of("log.cleaner.backoff.ms", "100"))) {
                ChaosRun.Plan plan = ChaosRun.Plan.of("compacted-" + db, "compacted", ROW_MESSAGES,
                                Duration.ofSeconds(5), List.of(ChaosRun.Step.kill(0.5)), ROW_LIMIT)
                        .withMode(PacedProducer.Mode.KEYED)
                        .withTopicConfigs(Map.of("cleanup.policy", "compact", "segment.ms", "100",
                                "min.cleanable.dirty.ratio", "0.01", "min.compaction.lag.ms", "0"))
                        .producingFirst(ChaosIT::awaitCompaction);
                ChaosRun.Outcome outcome = run(ChaosRun.Broker.of(broker), db, plan);
                assertClean(outcome, 0);
                assertTrue((Long) outcome.notes().get("compacted-away") > 0, "bite: compaction ran " + outcome.notes());
                assertTrue(outcome.counter("gaps") > 0, "bite: a gap above the row at fetch time " + outcome.details());
                return outcome.summary();
            }
        });
    }

    private static void awaitCompaction(ChaosRun run) {
        long produced = run.producer().acknowledged().size();
        long remaining = run.await("the cleaner to compact the unconsumed log", Duration.ofSeconds(90), () -> {
            try {
                // the cleaner leaves the active segment alone: roll it with one more record per partition
                run.producer().nudge(java.util.stream.IntStream.range(0, ChaosRun.PARTITIONS).boxed().toList());
                long left = run.scan("read_uncommitted").size();
                return left < produced * 0.9 ? java.util.Optional.of(left) : java.util.Optional.empty();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        run.note("compacted-away", produced - remaining);
    }

    /**
     * With members stopped after production ended, the group's Kafka offsets are moved to the log end (or deleted):
     * only enforcement at assignment brings the members back to the rows.
     */
    @ParameterizedTest(name = "offset-reset on {0}")
    @MethodSource("h2Rows")
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void offsetReset(String db) throws Exception {
        MATRIX.run("offset-reset " + db, () -> {
            ChaosRun.Outcome outcome = run(db, resetPlan("reset-" + db, ROW_MESSAGES, false));
            assertClean(outcome, 0);
            assertTrue((Long) outcome.notes().get("rows-behind-at-reset") > 0,
                    "bite: the group's offsets were moved past unconsumed messages " + outcome.details());
            assertTrue(afterReset(outcome, "enforced.kafka-ahead") > 0,
                    "bite: enforcement found Kafka ahead of the row " + outcome.details());
            return outcome.summary();
        });
    }

    @ParameterizedTest(name = "offset-reset (deleted offsets) on {0}")
    @MethodSource("h2Rows")
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void offsetResetByDeletion(String db) throws Exception {
        MATRIX.run("offset-reset deleted " + db, () -> {
            ChaosRun.Outcome outcome = run(db, resetPlan("reset-deleted-" + db, ROW_MESSAGES, true));
            assertClean(outcome, 0);
            assertTrue(afterReset(outcome, "enforced.no-kafka-offset") > 0,
                    "bite: Sluice's own reset path ran (no committed offset) " + outcome.details());
            return outcome.summary();
        });
    }

    /** Without the offset manager (and consume's refuse rule) the moved Kafka offsets lose messages. */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void controlOffsetManagerOff() throws Exception {
        MATRIX.run("control: offset manager off", () -> {
            ChaosRun.Outcome outcome = run("h2", resetPlan("control-no-manager", CONTROL_MESSAGES, false)
                    .withMemberOption("offset-manager", "off").withoutFencing());
            assertTrue(outcome.lost() > 0, "nothing was lost without the offset manager: " + outcome.details());
            return outcome.summary();
        });
    }

    private static ChaosRun.Plan resetPlan(String label, long messages, boolean delete) {
        return ChaosRun.Plan.of(label, delete ? "offset-reset-deleted" : "offset-reset", messages, Duration.ofSeconds(3),
                List.of(new ChaosRun.Step(0.35, delete ? "DELETE-OFFSETS" : "OFFSETS-TO-LATEST",
                        run -> moveOffsets(run, delete))), ROW_LIMIT);
    }

    private static void moveOffsets(ChaosRun run, boolean delete) throws Exception {
        if (!run.producer().awaitDone(Duration.ofSeconds(60))) {
            throw new AssertionError("production did not end");
        }
        run.stopAllInOrder();
        // with every member stopped, one more message per partition: whatever the members caught up with, the group's
        // offsets are moved past unconsumed messages, so the fault bites (rows-behind-at-reset > 0)
        run.producer().nudge(java.util.stream.IntStream.range(0, ChaosRun.PARTITIONS).boxed().toList());
        Map<Integer, Long> ends = run.logEnds(run.topic());
        try (Admin admin = run.broker().admin()) {
            if (delete) {
                admin.deleteConsumerGroupOffsets(run.group(), ends.keySet().stream()
                        .map(p -> new TopicPartition(run.topic(), p)).collect(java.util.stream.Collectors.toSet()))
                        .all().get(30, TimeUnit.SECONDS);
            } else {
                Map<TopicPartition, OffsetAndMetadata> latest = new HashMap<>();
                ends.forEach((p, end) -> latest.put(new TopicPartition(run.topic(), p), new OffsetAndMetadata(end)));
                admin.alterConsumerGroupOffsets(run.group(), latest).all().get(30, TimeUnit.SECONDS);
            }
        }
        run.note("rows-behind-at-reset", ends.values().stream().mapToLong(Long::longValue).sum() - run.consumed());
        run.note("after-reset", run.startMembers(ChaosRun.INITIAL_MEMBERS));
        run.rebalanced(2 * ChaosRun.INITIAL_MEMBERS);
        // new messages after the reset: a member positioned at the log end has something to fetch
        run.producer().nudge(java.util.stream.IntStream.range(0, ChaosRun.PARTITIONS).boxed().toList());
    }

    private static long afterReset(ChaosRun.Outcome outcome, String counter) {
        List<?> members = (List<?>) outcome.notes().get("after-reset");
        return members.stream().mapToLong(m -> outcome.countersByMember().getOrDefault((String) m, Map.of())
                .getOrDefault(counter, 0L)).sum();
    }

    // ---------------------------------------------------------------- database faults

    /** Another session holds one partition's row lock past the members' lock timeout, twice. */
    @ParameterizedTest(name = "lock-holder on {0}")
    @MethodSource("postgresRows")
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void lockHolder(String db) throws Exception {
        MATRIX.run("lock-holder " + db, () -> {
            ChaosRun.Outcome outcome = run(db, ChaosRun.Plan.of("lock-" + db, "lock-holder", ROW_MESSAGES,
                            ROW_PRODUCE_OVER, List.of(new ChaosRun.Step(0.15, "HOLD-LOCK", ChaosIT::holdLock)),
                            ROW_LIMIT)
                    .withMemberOption("lock-timeout-ms", "1000"));
            assertClean(outcome, 0);
            int partition = (Integer) outcome.notes().get("held-partition");
            assertTrue(outcome.counter("lock-timeouts.p" + partition) >= 2,
                    "bite: two lock timeouts on the held partition " + outcome.details());
            assertTrue((Long) outcome.notes().get("others-advanced") > 0,
                    "bite: the other rows advanced meanwhile " + outcome.notes());
            return outcome.summary();
        });
    }

    private static void holdLock(ChaosRun run) throws Exception {
        int partition = 0;
        run.note("held-partition", partition);
        long othersBefore = run.consumed() - run.row(partition);
        for (int hold = 0; hold < 2; hold++) {
            try (Connection connection = run.db().configuration().connectionProvider().acquire()) {
                connection.setAutoCommit(false);
                DSL.using(connection, run.db().dialect())
                        .select(DSL.field(DSL.name("next_offset"))).from(DSL.table(DSL.name(run.offsets().tableName())))
                        .where(DSL.field(DSL.name("consumer_group")).eq(run.group()))
                        .and(DSL.field(DSL.name("topic")).eq(run.topic()))
                        .and(DSL.field(DSL.name("partition")).eq(partition))
                        .forUpdate().fetch();
                run.hold(Duration.ofMillis(3_500));
                if (hold == 0) {
                    run.note("others-advanced", run.consumed() - run.row(partition) - othersBefore);
                }
                connection.rollback();
            }
            run.hold(Duration.ofSeconds(1));
        }
    }

    /**
     * The database server stops ({@code pg_ctl stop -m fast}, or H2's server) for 10 s mid-stream, while a member
     * joins (so an assignment meets the outage too), and starts again.
     */
    @ParameterizedTest(name = "db-outage on {0}")
    @MethodSource("postgresRows")
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void databaseOutage(String db) throws Exception {
        MATRIX.run("db-outage " + db, () -> {
            ChaosRun.Outcome outcome = run(db, outagePlan("outage-" + db, ROW_MESSAGES));
            assertClean(outcome, 0);
            assertTrue(outcome.counter("failed.consume") > 0, "bite: consume met the outage " + outcome.details());
            assertTrue(outcome.counter("failed.offset-manager") > 0,
                    "bite: the offset manager met the outage " + outcome.details());
            return outcome.summary();
        });
    }

    /** Database errors classed as message failures (their kind lost) dead-letter healthy messages. */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void controlDatabaseErrorsAsMessageFailures() throws Exception {
        MATRIX.run("control: db errors as message", () -> {
            ChaosRun.Outcome outcome = run("h2", outagePlan("control-kinds", CONTROL_MESSAGES)
                    .withMemberOption("errors-as-message", "true"));
            assertTrue(outcome.deadLetters() > 0, "nothing was dead-lettered: " + outcome.details());
            return outcome.summary();
        });
    }

    private static ChaosRun.Plan outagePlan(String label, long messages) {
        return ChaosRun.Plan.of(label, "db-outage", messages, ROW_PRODUCE_OVER,
                List.of(new ChaosRun.Step(0.2, "DB-OUTAGE", ChaosIT::outage)), ROW_LIMIT);
    }

    private static void outage(ChaosRun run) {
        long stoppedAt = System.nanoTime();
        run.database().stop();
        // a rebalance while the database is down: enforcement at assignment meets the outage
        MemberProcess joined = run.add();
        run.await(joined.id() + " to own partitions while the database is down", Duration.ofSeconds(60),
                () -> run.owns(joined) ? java.util.Optional.of(true) : java.util.Optional.empty());
        long left = Duration.ofSeconds(10).toNanos() - (System.nanoTime() - stoppedAt);
        run.hold(Duration.ofNanos(Math.max(Duration.ofSeconds(3).toNanos(), left)));
        run.database().startAgain();
        run.note("outage-ms", ChaosRun.millisSince(stoppedAt));
    }

    /**
     * A member stops (SIGSTOP) inside its consume transaction, holding the row lock; the group moves the partition
     * on; PostgreSQL's idle-in-transaction timeout ends the frozen session, and the new owner, after lock timeouts,
     * commits within idle timeout + lock timeout + the longest backoff. H2 has no such timeout: there a frozen
     * holder keeps the lock until its connection closes (docs/architecture.md), so this row is PostgreSQL only.
     */
    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void frozenInTransaction() throws Exception {
        MATRIX.run("frozen-in-tx postgresql", () -> {
            ChaosRun.Outcome outcome = run("postgresql", frozenPlan("frozen", ROW_MESSAGES, true));
            int partition = (Integer) outcome.notes().get("frozen-partition");
            String frozen = (String) outcome.notes().get("frozen-member");
            // SIGSTOP freezes every worker of the frozen member, not only the one holding the lock: a sibling that
            // had fetched a batch of another partition wakes as a zombie after the group moved that partition on,
            // and consume's refuse rule turns it away. Such refusals are the fence working; any other member's
            // refusal is a failure.
            assertClean(outcome, outcome.countersByMember().getOrDefault(frozen, Map.of())
                    .getOrDefault("refusals", 0L));
            long firstTimeout = outcome.countersByMember().entrySet().stream()
                    .filter(e -> !e.getKey().equals(frozen))
                    .mapToLong(e -> e.getValue().getOrDefault("first-lock-timeout-ms.p" + partition, Long.MAX_VALUE))
                    .min().orElse(Long.MAX_VALUE);
            assertTrue(firstTimeout != Long.MAX_VALUE, "bite: the new owner hit a lock timeout " + outcome.details());
            long took = (Long) outcome.notes().get("row-moved-at-ms") - firstTimeout;
            assertTrue(took <= FROZEN_BOUND.toMillis(), "the new owner committed " + took + " ms after its first lock"
                    + " timeout, more than idle + lock timeout + backoff " + FROZEN_BOUND + ": " + outcome.details());
            assertTrue(((String) outcome.notes().get("thawed")).startsWith("failed"),
                    "bite: the thawed member's commit failed " + outcome.notes());
            return outcome.summary() + " bound-ms=" + took;
        });
    }

    /** Without the idle-in-transaction timeout a frozen lock holder wedges its partition past the bound. */
    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void controlIdleTimeoutOff() throws Exception {
        MATRIX.run("control: idle timeout off", () -> {
            ChaosRun.Outcome outcome = run("postgresql", frozenPlan("control-idle", CONTROL_MESSAGES, false));
            assertEquals(Boolean.FALSE, outcome.notes().get("row-moved-while-frozen"),
                    "the row moved while its holder was frozen without an idle timeout: " + outcome.details());
            return outcome.summary();
        });
    }

    private static final Duration FROZEN_IDLE_TIMEOUT = Duration.ofSeconds(12);
    private static final Duration FROZEN_LOCK_TIMEOUT = Duration.ofSeconds(2);
    /** idle timeout + lock timeout + the longest backoff (1 s), and 3 s for scheduling on a busy machine. */
    private static final Duration FROZEN_BOUND = FROZEN_IDLE_TIMEOUT.plus(FROZEN_LOCK_TIMEOUT).plusSeconds(1 + 3);

    private static ChaosRun.Plan frozenPlan(String label, long messages, boolean idleTimeout) {
        return ChaosRun.Plan.of(label, "frozen-in-tx", messages, ROW_PRODUCE_OVER,
                        List.of(new ChaosRun.Step(0.2, "FREEZE-IN-TX", run -> freezeInTransaction(run, idleTimeout))),
                        ROW_LIMIT)
                .withMemberOption("lock-timeout-ms", String.valueOf(FROZEN_LOCK_TIMEOUT.toMillis()))
                .withMemberOption("idle-tx-timeout-ms", idleTimeout ? String.valueOf(FROZEN_IDLE_TIMEOUT.toMillis())
                        : "0");
    }

    private static void freezeInTransaction(ChaosRun run, boolean idleTimeout) {
        ChaosRun.Frozen frozen = run.freeze(ControlDirectory.AFTER_LOCK);
        run.note("frozen-partition", frozen.batch().partition());
        run.note("frozen-member", frozen.member().id());
        if (idleTimeout) {
            run.awaitRowPast(frozen, Duration.ofSeconds(60));
            run.note("row-moved-at-ms", System.currentTimeMillis());
        } else {
            // the session timeout, a rebalance, and the whole bound: without the idle timeout nothing frees the lock
            run.hold(FROZEN_BOUND.plusSeconds(10));
            run.note("row-moved-while-frozen", run.row(frozen.batch().partition()) >= frozen.batch().nextOffset());
        }
        run.note("thawed", run.thaw(frozen));
    }

    /**
     * The broker runs in its own JVM and is SIGKILLed for twice the members' session timeout, a member crashing
     * meanwhile, then restarted on the same log directory and port.
     */
    @ParameterizedTest(name = "broker-crash on {0}")
    @MethodSource("h2Rows")
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void brokerCrash(String db) throws Exception {
        MATRIX.run("broker-crash " + db, () -> {
            try (KafkaBrokerProcess broker = KafkaBrokerProcess.start(Map.of())) {
                ChaosRun.Plan plan = ChaosRun.Plan.of("broker-" + db, "broker-crash", ROW_MESSAGES, ROW_PRODUCE_OVER,
                        List.of(new ChaosRun.Step(0.2, "BROKER-CRASH", run -> crash(run, broker))), ROW_LIMIT);
                ChaosRun.Outcome outcome = run(ChaosRun.Broker.of(broker), db, plan);
                assertClean(outcome, 0);
                List<?> during = (List<?>) outcome.notes().get("members-during-crash");
                for (Object member : during) {
                    assertTrue(outcome.countersByMember().get((String) member).getOrDefault("commit-failed", 0L) > 0,
                            "bite: " + member + " saw a failed commit " + outcome.details());
                }
                assertTrue(outcome.counter("enforced.kafka-behind") > 0,
                        "bite: an assignment after the restart found Kafka behind the row " + outcome.details());
                return outcome.summary();
            }
        });
    }

    private static void crash(ChaosRun run, KafkaBrokerProcess broker) {
        long crashedAt = System.nanoTime();
        broker.kill();
        run.hold(Duration.ofSeconds(2)); // in-flight jobs move their rows; their marks cannot be committed
        List<String> before = run.live().stream().map(MemberProcess::id).toList();
        run.kill();                       // a member dies with marks Kafka never got
        List<String> survivors = run.live().stream().map(MemberProcess::id).filter(before::contains).toList();
        run.note("members-during-crash", survivors);
        run.hold(Duration.ofSeconds(12));
        broker.restart();
        run.note("broker-down-ms", ChaosRun.millisSince(crashedAt));
    }

    // ---------------------------------------------------------------- checks

    private ChaosRun.Outcome run(String db, ChaosRun.Plan plan) throws Exception {
        return run(ChaosRun.Broker.of(kafka), db, plan);
    }

    private static ChaosRun.Outcome run(ChaosRun.Broker broker, String db, ChaosRun.Plan plan) throws Exception {
        try (ChaosDatabases.Opened database = ChaosDatabases.open(db);
             ChaosRun run = new ChaosRun(broker, database, plan)) {
            ChaosRun.Outcome outcome = run.run();
            Matrix.appendSummary(outcome.summary());
            return outcome;
        }
    }

    private static void noteGroupType(ChaosRun run) throws Exception {
        try (Admin admin = run.broker().admin()) {
            run.note("group-type", admin.describeConsumerGroups(List.of(run.group())).all().get(30, TimeUnit.SECONDS)
                    .get(run.group()).type());
        }
    }

    private static void assertMixed(ChaosRun.Outcome outcome, long messages) {
        assertTrue(outcome.messages() >= messages, outcome.summary());
        assertTrue(outcome.kills() > 0 && outcome.stops() > 0 && outcome.rebalances() > 0, outcome.summary());
        // fenced (nothing applied), or refused by consume's defence in depth (the row lies beyond the log end the
        // zombie saw): either way nothing of its parked batch was applied
        assertEquals(1, outcome.zombies().size(), outcome.zombies().toString());
        String zombie = outcome.zombies().get(0);
        assertTrue(zombie.equals("applied=0") || zombie.startsWith("failed " + OffsetRefusedException.class.getName()),
                "the zombie applied nothing of its parked batch: " + zombie);
        assertClean(outcome, zombie.startsWith("failed") ? 1 : 0);
    }

    /**
     * What every row asserts: exactly once against the expected set, nothing unexpected, an empty dead-letter topic,
     * tiled ranges, and no dead letter, message failure or failed instance in any member; at most
     * {@code refusals} refused batches (a zombie's).
     */
    private static void assertClean(ChaosRun.Outcome outcome, long refusals) {
        String details = outcome.details();
        assertEquals(0, outcome.duplicates(), details);
        assertEquals(0, outcome.lost(), details);
        assertEquals(0, outcome.effects().unexpected(), details);
        assertEquals(0, outcome.deadLetters(), "the dead-letter topic is not empty: " + details);
        assertTrue(outcome.tiling().tiled(), "the ranges do not tile: " + details);
        assertEquals(0, outcome.counter("dead-lettered"), details);
        assertEquals(0, outcome.counter("failed.MESSAGE") + outcome.counter("failed.POISON"), details);
        assertEquals(0, outcome.counter("instance-failed"), details);
        assertTrue(outcome.counter("refusals") <= refusals, "unexpected refusals: " + details);
        assertTrue(outcome.counter("enforced.again") <= refusals, "unexpected re-enforcements: " + details);
    }
}
