package io.sluice.filters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Message;
import io.sluice.dsl.OffsetRefusedException;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.VirtualPartitioner;
import io.sluice.runtime.FailureKind;
import io.sluice.runtime.SluiceEvent;
import io.sluice.testing.TestDriver;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jooq.SQLDialect;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Virtual partitions with the offset manager through the test driver, on each database: every message applied exactly once
 * (the applied table's key would reject a second application), the watermark W held at the lowest undecided offset
 * while one virtual partition fails, a crashed member's successor resuming at max(W, min r_v), and a change of the
 * count while messages of the old mapping are still undecided, and one while records keep arriving.
 */
abstract class VirtualPartitionsOffsetsContract {

    private static final String T = "payments";
    private static final TopicPartition TP = new TopicPartition(T, 0);
    private static final java.util.concurrent.atomic.AtomicInteger TABLES = new java.util.concurrent.atomic.AtomicInteger();

    private DataSource db;
    private PartitionOffsets offsets;
    private String applied;

    /** The database the tests run on; every test uses tables of its own. */
    abstract DataSource dataSource();

    abstract SQLDialect dialect();

    @BeforeEach
    void setUp() throws SQLException {
        db = dataSource();
        String table = "vp_offsets_" + TABLES.incrementAndGet() + "_" + Long.toHexString(System.nanoTime());
        offsets = PartitionOffsets.builder(db, dialect()).tableName(table).build();
        offsets.createTableIfMissing();
        applied = table + "_applied";
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + applied + " (off BIGINT PRIMARY KEY, val VARCHAR(100))");
        }
    }

    /** A member with {@code n} virtual partitions; messages whose value starts with a blocked prefix fail. */
    private TestDriver member(int n, AtomicBoolean blocked) {
        TestDriver driver = TestDriver.create();
        driver.start(Sluice.topology().topic(T)
                .deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> (batch, ctx) -> offsets.consume(ctx, batch, (tx, messages) -> {
                    for (Message<String, String> m : messages) {
                        if (blocked.get() && m.value().startsWith("bad")) {
                            throw new IllegalStateException("cannot apply " + m.value());
                        }
                        tx.execute("INSERT INTO " + applied + " (off, val) VALUES (?, ?)", m.offset(), m.value());
                    }
                }))
                .filter(OffsetManager.using(offsets))
                .virtualPartitions(n)
                .build());
        return driver;
    }

    /** The same messages, in the same order, in a driver's own log. */
    private static void produce(TestDriver driver, int from, int to, String badKey) {
        for (int i = from; i < to; i++) {
            String key = "k" + (i % 5);
            driver.send(T, 0, key, (key.equals(badKey) ? "bad" : "ok") + i);
        }
    }

    private Map<Long, Integer> appliedOffsets() throws SQLException {
        Map<Long, Integer> counts = new TreeMap<>();
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT off FROM " + applied)) {
            while (rs.next()) {
                counts.merge(rs.getLong(1), 1, Integer::sum);
            }
        }
        return counts;
    }

    private Map<Integer, Long> virtualRows(String mapping) throws SQLException {
        Map<Integer, Long> rows = new TreeMap<>();
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT \"vp\", \"next_offset\", \"mapping\" FROM \""
                     + offsets.virtualTableName() + "\"")) {
            while (rs.next()) {
                assertEquals(mapping, rs.getString(3));
                rows.put(rs.getInt(1), rs.getLong(2));
            }
        }
        return rows;
    }

    private long watermark() {
        return offsets.nextOffset(Databases.GROUP, TP).orElse(-1);
    }

    private static void settle(TestDriver driver, int rounds) {
        for (int i = 0; i < rounds; i++) {
            driver.advanceAndRun(Duration.ofSeconds(6));
        }
    }

    /** The virtual partition of a key under the default mapping. */
    private static int vp(String key, int n) {
        return VirtualPartitioner.murmur2().virtualPartition(key.getBytes(StandardCharsets.UTF_8), null, 0, n);
    }

    @Test
    void everyMessageIsAppliedOnceAndTheRowsFollow() throws SQLException {
        try (TestDriver driver = member(4, new AtomicBoolean(false))) {
            produce(driver, 0, 40, "none");
            driver.assign(T, 0).runUntilIdle();
            settle(driver, 3);
            Map<Long, Integer> applied = appliedOffsets();
            assertEquals(40, applied.size());
            assertTrue(applied.values().stream().allMatch(c -> c == 1));
            assertEquals(40L, watermark(), "W reached the end");
            assertEquals(40L, driver.committed(T, 0).orElseThrow(), "Kafka's copy follows W");
            Map<Integer, Long> rows = virtualRows("4:murmur2");
            assertEquals(4, rows.size(), "a row per virtual partition: " + rows);
            assertTrue(driver.caughtUp());
        }
    }

    @Test
    void aFailingVirtualPartitionHoldsTheWatermarkWhileTheOthersApply() throws SQLException {
        String bad = "k1";
        AtomicBoolean blocked = new AtomicBoolean(true);
        try (TestDriver driver = member(4, blocked)) {
            produce(driver, 0, 20, bad);
            driver.assign(T, 0).runUntilIdle();
            settle(driver, 4);
            Map<Long, Integer> applied = appliedOffsets();
            int badVp = vp(bad, 4);
            long others = 0;
            for (int i = 0; i < 20; i++) {
                String key = "k" + (i % 5);
                if (vp(key, 4) != badVp) {
                    others++;
                    assertTrue(applied.containsKey((long) i), "message " + i + " of another virtual partition");
                }
            }
            // the failing virtual partition applied at most what precedes its first bad message (offset 1)
            assertTrue(applied.size() <= others + 1, applied.toString());
            for (int i = 1; i < 20; i += 5) {
                assertTrue(!applied.containsKey((long) i), "the bad message " + i + " was not applied");
            }
            assertEquals(1L, watermark(), "W stops at the first undecided message (offset 1, key k1)");
            assertEquals(1L, driver.committed(T, 0).orElseThrow());
            assertTrue(driver.events(SluiceEvent.Failed.class).stream()
                    .anyMatch(f -> f.kind() == FailureKind.MESSAGE));

            blocked.set(false);
            settle(driver, 15);
            applied = appliedOffsets();
            assertEquals(20, applied.size());
            assertTrue(applied.values().stream().allMatch(c -> c == 1));
            assertEquals(20L, watermark());
        }
    }

    @Test
    void aSuccessorResumesAtTheStoredStartAndAppliesNothingTwice() throws SQLException {
        String bad = "k2";
        AtomicBoolean blocked = new AtomicBoolean(true);
        try (TestDriver first = member(4, blocked)) {
            produce(first, 0, 30, bad);
            first.assign(T, 0).runUntilIdle();
            settle(first, 3);
            first.halt(); // a crash: nothing more is committed to Kafka
        }
        int before = appliedOffsets().size();
        assertTrue(before > 0 && before < 30, "the first member applied part: " + before);
        blocked.set(false);
        try (TestDriver second = member(4, blocked)) {
            produce(second, 0, 30, bad);
            second.assign(T, 0).runUntilIdle();
            settle(second, 15);
            Map<Long, Integer> applied = appliedOffsets();
            assertEquals(30, applied.size(), "nothing lost");
            assertTrue(applied.values().stream().allMatch(c -> c == 1), "nothing applied twice: " + applied);
            assertTrue(second.events(SluiceEvent.Failed.class).stream()
                    .noneMatch(f -> f.kind() == FailureKind.MESSAGE), "the applied table's key never tripped");
            assertEquals(30L, watermark());
        }
    }

    @Test
    void aChangeOfTheCountWaitsForADrainPointAndReplacesTheRows() throws SQLException {
        String bad = "k3";
        AtomicBoolean blocked = new AtomicBoolean(true);
        try (TestDriver first = member(2, blocked)) {
            produce(first, 0, 30, bad);
            first.assign(T, 0).runUntilIdle();
            settle(first, 3);
            first.halt();
        }
        assertEquals(2, virtualRows("2:murmur2").size());
        long undecidedFrom = watermark();
        assertTrue(undecidedFrom < 30);
        blocked.set(false);
        try (TestDriver second = member(8, blocked)) {
            produce(second, 0, 30, bad);
            second.assign(T, 0).runUntilIdle();
            settle(second, 15);
            // the old mapping's undecided messages were finished under it; then the rows were replaced at W
            Map<Integer, Long> rows = virtualRows("8:murmur2");
            assertEquals(8, rows.size(), "replaced by eight rows: " + rows);
            produce(second, 30, 60, "none");
            settle(second, 10);
            Map<Long, Integer> applied = appliedOffsets();
            assertEquals(60, applied.size(), "nothing lost");
            assertTrue(applied.values().stream().allMatch(c -> c == 1), "nothing applied twice");
            assertEquals(60L, watermark());
            assertTrue(virtualRows("8:murmur2").values().stream().allMatch(r -> r >= 30));
        }
    }

    /**
     * A change of the count under continuous production (see {@link #underLoad}), the member's start not being a
     * drain point (a row lies above W). The member stops fetching the partition while the swap is pending, the
     * lanes drain, and the rows are replaced within a bounded number of steps while records keep arriving.
     */
    @Test
    void aChangeOfTheCountSwapsPromptlyWhileRecordsKeepArriving() throws SQLException {
        try (TestDriver first = member(8, new AtomicBoolean(false))) {
            produce(first, 0, 40, "none");
            // the clock does not move: the groups apply, but W is not written again after the rows were created
            first.assign(T, 0).runUntilIdle();
            first.halt();
        }
        Map<Integer, Long> old = virtualRows("8:murmur2");
        assertEquals(8, old.size());
        assertTrue(old.containsValue(40L) && watermark() < 40,
                "rows above W, so the member's start is no drain point: W=" + watermark() + " " + old);
        int sent = 40;
        int swappedAtStep = -1;
        try (TestDriver second = member(12, new AtomicBoolean(false))) {
            produce(second, 0, sent, "none");
            second.assign(T, 0);
            for (int step = 0; step < 120 && swappedAtStep < 0; step++) {
                underLoad(second, sent++);
                if (storedMappings().equals(java.util.Set.of("12:murmur2"))) {
                    swappedAtStep = step;
                }
            }
            assertTrue(swappedAtStep >= 0, "the rows were replaced while records kept arriving; still "
                    + storedMappings() + " after 120 steps (12 s), W=" + watermark());
            assertTrue(swappedAtStep < 40, "promptly: within 4 s of manual time, not at step " + swappedAtStep);
            for (int step = 0; step < 20; step++) {
                // the new mapping runs on under load
                underLoad(second, sent++);
            }
            settle(second, 5);
            Map<Long, Integer> applied = appliedOffsets();
            assertEquals(sent, applied.size(), "nothing lost");
            assertTrue(applied.values().stream().allMatch(c -> c == 1), "nothing applied twice");
            assertEquals(sent, watermark());
            Map<Integer, Long> rows = virtualRows("12:murmur2");
            assertEquals(12, rows.size(), rows.toString());
            assertTrue(second.caughtUp());
        }
    }

    /**
     * One round under continuous production: a record arrives and the listener steps twice (the first step of a round
     * applies the reports and is woken from its poll by the finished jobs, the second fetches) before the workers run
     * what was launched — so at every step a batch or a group is in flight.
     */
    private static void underLoad(TestDriver driver, int i) {
        driver.send(T, 0, "k" + (i % 17), "ok" + i);
        driver.advance(Duration.ofMillis(100)).step().step().runJobs();
    }

    private java.util.Set<String> storedMappings() throws SQLException {
        java.util.Set<String> mappings = new java.util.TreeSet<>();
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT \"mapping\" FROM \"" + offsets.virtualTableName() + "\"")) {
            while (rs.next()) {
                mappings.add(rs.getString(1));
            }
        }
        return mappings;
    }

    @Test
    void aStaleMappingOrAMissingRowIsRefused() throws Exception {
        offsets.advanceWatermark(Databases.GROUP, TP, 5, "4:murmur2", 4, true);
        assertEquals(4, virtualRows("4:murmur2").size());
        OffsetRefusedException stale = assertThrows(OffsetRefusedException.class,
                () -> offsets.advanceVirtual(Databases.GROUP, TP, 1, "2:murmur2", 9));
        assertTrue(stale.getMessage().contains("mapping"), stale.getMessage());
        assertThrows(OffsetRefusedException.class,
                () -> offsets.advanceVirtual(Databases.GROUP, TP, 7, "4:murmur2", 9));
        offsets.advanceVirtual(Databases.GROUP, TP, 1, "4:murmur2", 9);
        assertEquals(9L, virtualRows("4:murmur2").get(1));
        // not a drain point: a row lies above W, so the rows stay
        assertEquals(java.util.Optional.of("4:murmur2"),
                offsets.advanceWatermark(Databases.GROUP, TP, 6, "2:murmur2", 2, true));
        assertEquals(6L, offsets.readVirtual(Databases.GROUP, TP).start(4).getAsLong());
    }
}
