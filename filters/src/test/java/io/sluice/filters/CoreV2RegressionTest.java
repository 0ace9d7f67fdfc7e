package io.sluice.filters;

import io.sluice.testing.DelegatingDataSource;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.dsl.Message;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.TopicBuilder;
import io.sluice.dsl.Topology;
import io.sluice.runtime.SluiceEvent;
import io.sluice.testing.AutoOffsetReset;
import io.sluice.testing.TestDriver;
import io.sluice.testing.TestDriverExtension;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.UnaryOperator;
import java.util.stream.LongStream;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jooq.SQLDialect;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Regression tests of issue 11's behaviours on offset-managed topics (2, 3 and 6, and 1 and 4 where a store or a
 * real filter is involved), on the test driver and H2. The consumer inserts one row per message it applies into
 * {@code "applied"} in the offset transaction, so "applied exactly once" is read from the database. Each test
 * states in one line how it fails on the pre-v2 core.
 */
@ExtendWith(TestDriverExtension.class)
class CoreV2RegressionTest {

    private static final String T = "orders";
    private static final TopicPartition TP = new TopicPartition(T, 0);
    private static final String GROUP = "sluice-test";
    private static final String DLQ = "orders.dlq";

    // the consumer's own statements wait 200 ms for a lock, so a held lock times them out quickly
    private final FlakyDataSource database = new FlakyDataSource(Databases.h2(200));
    private volatile boolean outageOnBad;
    private PartitionOffsets offsets;
    private Connection lockHolder;

    @BeforeEach
    void store() throws SQLException {
        offsets = PartitionOffsets.builder(database, SQLDialect.H2).lockTimeout(Duration.ofMillis(20)).build();
        offsets.createTableIfMissing();
        AppliedTable.create(database);
        try (Connection c = database.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE \"totals\" (\"id\" INT PRIMARY KEY, \"n\" BIGINT NOT NULL)");
            s.execute("INSERT INTO \"totals\" VALUES (1, 0)");
        }
    }

    @AfterEach
    void releaseLock() throws SQLException {
        if (lockHolder != null) {
            lockHolder.close();
        }
    }

    /**
     * An offset-managed topic whose consumer applies each message in the offset transaction (recording it in
     * {@code "applied"} and counting it in the one row of {@code "totals"}); a message valued
     * "bad" always fails (and starts a database outage as it fails when {@link #outageOnBad} is set).
     */
    private Topology topology(UnaryOperator<TopicBuilder<String, String>> settings) {
        return settings.apply(Sluice.topology().topic(T)
                .deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> (batch, ctx) -> offsets.consume(ctx, batch, (tx, messages) -> {
                    for (Message<String, String> m : messages) {
                        if (m.value().equals("bad")) {
                            if (outageOnBad) {
                                database.down(true);
                            }
                            throw new IllegalArgumentException("cannot apply " + m.offset());
                        }
                        tx.execute("INSERT INTO \"applied\" VALUES (?)", m.offset());
                        tx.execute("UPDATE \"totals\" SET \"n\" = \"n\" + 1 WHERE \"id\" = 1");
                    }
                }))
                .filter(OffsetManager.using(offsets))).build();
    }

    private List<Long> applied() {
        return AppliedTable.offsets(database);
    }

    private void rowAt(long offset) {
        offsets.locked(GROUP, TP, offset, row -> {
            row.moveTo(offset);
            return null;
        });
    }

    private static void produce(TestDriver driver, int count) {
        for (int i = 0; i < count; i++) {
            driver.send(T, 0, "k", "ok");
        }
    }

    private static void runFor(TestDriver driver, Duration total) {
        for (Duration d = Duration.ZERO; d.compareTo(total) < 0; d = d.plusSeconds(30)) {
            driver.advanceAndRun(Duration.ofSeconds(30));
        }
    }

    private static List<Long> range(long from, long to) {
        return LongStream.range(from, to).boxed().toList();
    }

    private static List<Long> deadLettered(TestDriver driver) {
        return driver.events(SluiceEvent.DeadLettered.class).stream().map(SluiceEvent.DeadLettered::offset).toList();
    }

    // ---------------------------------------------------------------- 1. the dead-letter gate compares with the row

    // today: 6 retries forever (retryFrom 3 is never 6): dead-lettered [], applied [], row 3; not [6], [7], 8
    @Test
    void aFailingFirstRecordAfterAGapIsDeadLetteredOnceAndTheNextAppliedOnAnOffsetManagedTopic(TestDriver driver) {
        driver.start(topology(t -> t.deadLetterQueue(DLQ, 1)));
        produce(driver, 3);
        driver.log().skip(TP, 3);                          // 3..5: markers or compaction
        driver.send(T, 0, "k", "bad").send(T, 0, "k", "ok"); // 6, 7
        rowAt(3);
        driver.log().commit("sluice-test", Map.of(TP, new OffsetAndMetadata(3)));
        driver.assign(T, 0).runUntilIdle();
        runFor(driver, Duration.ofMinutes(5));
        assertAll(
                () -> assertEquals(List.of(6L), deadLettered(driver), "6 dead-lettered exactly once"),
                () -> assertEquals(1, driver.deadLetters().size(), "dead letters published"),
                () -> assertEquals(List.of(7L), applied(), "applied"),
                () -> assertEquals(OptionalLong.of(8), offsets.nextOffset(GROUP, TP), "row"));
    }

    // ---------------------------------------------------------------- 2. outages are infrastructure

    // today: the outage is blamed on 5: dead-lettered, published 10 times, never applied (applied 0..4, 6..9)
    @Test
    void aDatabaseOutageDeadLettersNothingAndEveryMessageIsAppliedOnceAfterIt(TestDriver driver) {
        driver.start(topology(t -> t.deadLetterQueue(DLQ, 1)));
        produce(driver, 5);
        driver.assign(T, 0).runUntilIdle();
        assertEquals(range(0, 5), applied());
        database.down(true);                               // connections refused (SQLState 08001)
        produce(driver, 5);                                // 5..9
        driver.runUntilIdle();
        runFor(driver, Duration.ofMinutes(5));
        database.down(false);
        runFor(driver, Duration.ofMinutes(3));
        assertNothingDeadLetteredAndEachAppliedOnce(driver, "an outage dead-letters nothing");
    }

    // today: the lock timeout is blamed on 5: dead-lettered, published 10 times, never applied (0..4, 6..9)
    @Test
    void aRowLockTimeoutDeadLettersNothingAndEveryMessageIsAppliedOnceAfterIt(TestDriver driver) throws Exception {
        runWithALockHeldForFiveMinutes(driver,
                "SELECT \"next_offset\" FROM \"kafka_partitions\" FOR UPDATE"); // the store's row lock: HYT00
        assertNothingDeadLetteredAndEachAppliedOnce(driver, "a lock timeout dead-letters nothing");
    }

    // today: each message is blamed for the consumer's own timed-out UPDATE: 5..9 all dead-lettered, never applied
    @Test
    void aLockTimeoutOnTheConsumersOwnTableDeadLettersNothingAndEveryMessageIsAppliedOnceAfterIt(TestDriver driver)
            throws Exception {
        runWithALockHeldForFiveMinutes(driver,
                "SELECT \"n\" FROM \"totals\" FOR UPDATE");  // the consumer's UPDATE times out: HYT00
        assertNothingDeadLetteredAndEachAppliedOnce(driver, "a transient SQLState dead-letters nothing");
    }

    // today: the dead letter of 1 is published 8 times, again on every retry of the failing row advance
    @Test
    void aDeadLetterIsPublishedOnceWhenTheRowAdvanceAfterItFailsAndIsRetried(TestDriver driver) {
        driver.maxPollRecords(1).start(topology(t -> t.deadLetterQueue(DLQ, 0)));
        driver.send(T, 0, "k", "ok").send(T, 0, "k", "bad").send(T, 0, "k", "ok");
        outageOnBad = true;                                // 1 fails for good, and then the database goes down:
        driver.assign(T, 0).runUntilIdle();                // the row advance after its dead letter fails
        runFor(driver, Duration.ofMinutes(3));
        database.down(false);
        runFor(driver, Duration.ofMinutes(3));
        assertAll(
                () -> assertEquals(1, driver.deadLetters().size(), "dead letters published"),
                () -> assertEquals(List.of(1L), deadLettered(driver), "dead-lettered"),
                () -> assertEquals(List.of(0L, 2L), applied(), "applied"),
                () -> assertEquals(OptionalLong.of(3), offsets.nextOffset(GROUP, TP), "row"));
    }

    // ---------------------------------------------------------------- 3. Kafka never moves a position by itself

    // today: reset 2 -> log end; 10 passes as fetched from the log start 8 = the row: applied [10], not [8, 9, 10]
    @Test
    void underAutoOffsetResetLatestACommittedOffsetBehindTheRowAndTheLogStartSkipsNothing(TestDriver driver) {
        driver.autoOffsetReset(AutoOffsetReset.LATEST).start(topology(t -> t));
        produce(driver, 10);
        rowAt(8);                                          // applied up to 7; Kafka's copy lags behind at 2
        driver.log().commit("sluice-test", Map.of(TP, new OffsetAndMetadata(2)));
        driver.log().truncateBefore(TP, 8);                // retention passes Kafka's committed offset
        driver.assign(T, 0).runUntilIdle();
        produce(driver, 1);                                // 10
        driver.runUntilIdle();
        assertAll(
                () -> assertEquals(List.of(8L, 9L, 10L), applied(), "applied"),
                () -> assertEquals(OptionalLong.of(11), offsets.nextOffset(GROUP, TP), "row"));
    }

    // today: Kafka resets the out-of-range committed 50 to the log end 10; the row 3 waits: applied [], not 3..9
    @Test
    void underAutoOffsetResetLatestAnOutOfRangeCommittedOffsetResumesAtTheRow(TestDriver driver) {
        driver.autoOffsetReset(AutoOffsetReset.LATEST).start(topology(t -> t));
        produce(driver, 10);
        rowAt(3);
        driver.log().commit("sluice-test", Map.of(TP, new OffsetAndMetadata(50))); // e.g. the topic was recreated
        driver.assign(T, 0).runUntilIdle();
        assertEquals(range(3, 10), applied());
    }

    // ---------------------------------------------------------------- 4. a throttle's pause ends with its window

    // today: the pause starts when the 3 s job reports, so at t0 + 10 s only [0, 1] are consumed, not 0..3
    @Test
    void aThrottlePauseEndsWithItsWindowNotTheWindowPlusTheJob(TestDriver driver) {
        driver.start(Sluice.topology().topic(T)
                .deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> (batch, ctx) -> driver.advance(Duration.ofSeconds(3))) // a job of 3 s
                .filter(Throttle.of(2, Duration.ofSeconds(10)))
                .build());
        produce(driver, 4);
        driver.assign(T, 0).runUntilIdle();                // 0, 1 let through at t0
        assertEquals(List.of(0L, 1L), driver.consumedOffsets(T, 0));
        driver.advanceAndRun(Duration.ofSeconds(7));       // t0 + 10 s: the window is over
        assertEquals(List.of(0L, 1L, 2L, 3L), driver.consumedOffsets(T, 0));
    }

    // ---------------------------------------------------------------- 6. the row is enforced at assignment

    // today: nothing is fetched at the log end, so the row is never read: applied [] instead of 5..19
    @Test
    void theRowIsEnforcedAtAssignmentWhenThereIsNothingToFetch(TestDriver driver) {
        driver.start(topology(t -> t));
        produce(driver, 20);
        rowAt(5);
        driver.log().commit("sluice-test", Map.of(TP, new OffsetAndMetadata(20)));
        driver.assign(T, 0).runUntilIdle();
        assertAll(
                () -> assertEquals(range(5, 20), applied(), "applied without new traffic"),
                () -> assertEquals(OptionalLong.of(20), offsets.nextOffset(GROUP, TP), "row"));
    }

    /**
     * Applies 0..4, then holds the lock {@code lockingQuery} takes while 5..9 arrive and five minutes pass, then
     * releases it and lets three more minutes pass.
     */
    private void runWithALockHeldForFiveMinutes(TestDriver driver, String lockingQuery) throws SQLException {
        driver.start(topology(t -> t.deadLetterQueue(DLQ, 1)));
        produce(driver, 5);
        driver.assign(T, 0).runUntilIdle();
        holdLock(lockingQuery);
        produce(driver, 5);
        driver.runUntilIdle();
        runFor(driver, Duration.ofMinutes(5));
        lockHolder.rollback();
        runFor(driver, Duration.ofMinutes(3));
    }

    /** 0..9 were each applied exactly once, none was dead-lettered ({@code why}), and the row is at 10. */
    private void assertNothingDeadLetteredAndEachAppliedOnce(TestDriver driver, String why) {
        assertAll(
                () -> assertEquals(List.of(), deadLettered(driver), why),
                () -> assertEquals(0, driver.deadLetters().size(), "dead letters published"),
                () -> assertEquals(range(0, 10), applied(), "each applied exactly once"),
                () -> assertEquals(OptionalLong.of(10), offsets.nextOffset(GROUP, TP), "row"));
    }

    /** Runs {@code lockingQuery} in a transaction of another connection, as a frozen one, until it rolls back. */
    private void holdLock(String lockingQuery) throws SQLException {
        lockHolder = database.getConnection();
        lockHolder.setAutoCommit(false);
        try (Statement s = lockHolder.createStatement()) {
            s.executeQuery(lockingQuery).close();
        }
    }

    /** A data source whose connections can be refused for a while, as during a database outage. */
    static final class FlakyDataSource extends DelegatingDataSource {
        private volatile boolean down;

        FlakyDataSource(DataSource delegate) {
            super(delegate);
        }

        void down(boolean down) {
            this.down = down;
        }

        @Override
        public Connection getConnection() throws SQLException {
            if (down) {
                throw new SQLException("connection refused (an outage injected by the test)", "08001");
            }
            return super.getConnection();
        }
    }
}
