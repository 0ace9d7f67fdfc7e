package io.sluice.filters;

import io.sluice.testing.TestContext;
import static io.sluice.filters.Batches.batch;
import static io.sluice.filters.Batches.range;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.sluice.dsl.Batch;
import io.sluice.dsl.InfrastructureFailure;
import io.sluice.dsl.OffsetRefusedException;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import io.sluice.dsl.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.apache.kafka.common.TopicPartition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What {@link PartitionOffsets#consume} guarantees on a real database; run on H2, PostgreSQL and MariaDB. The user's work
 * inserts one row per message into an effects table without a unique key, so a duplicate would show.
 */
abstract class TransactionalConsumeContract {

    private static final String GROUP = Databases.GROUP;

    private static final AtomicInteger TABLES = new AtomicInteger();
    static final Field<Long> OFF = DSL.field(DSL.name("off"), SQLDataType.BIGINT);

    final TopicPartition tp = new TopicPartition("payments", 0);
    PartitionOffsets store;
    Table<?> effects;
    TestContext context;

    abstract DataSource dataSource();

    abstract SQLDialect dialect();

    final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() throws InterruptedException {
        threads.shutdownNow();
        assertTrue(threads.awaitTermination(30, TimeUnit.SECONDS), "test threads did not end");
    }

    @BeforeEach
    void freshTables() {
        int n = TABLES.incrementAndGet();
        store = PartitionOffsets.builder(dataSource(), dialect())
                .tableName("consume_offsets_" + n)
                .lockTimeout(Duration.ofSeconds(10))
                .build();
        effects = DSL.table(DSL.name("consume_effects_" + n));
        db().createTable(effects).column(OFF).execute();
        context = new TestContext(tp);
    }

    DSLContext db() {
        return DSL.using(dataSource(), dialect());
    }

    TransactionalWork<String, String> insertEach() {
        return (tx, messages) -> {
            for (Message<String, String> m : messages) {
                tx.insertInto(effects).columns(OFF).values(m.offset()).execute();
            }
        };
    }

    List<Long> applied() {
        return db().select(OFF).from(effects).orderBy(OFF).fetch(OFF);
    }

    @Test
    void appliesTheBatchMovesTheRowAndMarksAfterCommit() throws Exception {
        assertEquals(5, store.consume(context, range(tp, 0, 5), insertEach()));
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), applied());
        assertEquals(OptionalLong.of(5), store.nextOffset(GROUP, tp));
        assertEquals(List.of(5L), context.marks());
    }

    @Test
    void theMarkComesOnlyAfterTheCommit() throws Exception {
        List<OptionalLong> rowWhenMarked = new ArrayList<>();
        TestContext observing = new TestContext(tp) {
            @Override
            public boolean markAsConsumed(long nextOffset) {
                // read through another connection: only committed data is visible there
                rowWhenMarked.add(store.nextOffset(GROUP, tp));
                return super.markAsConsumed(nextOffset);
            }
        };
        store.consume(observing, range(tp, 0, 3), insertEach());
        assertEquals(List.of(OptionalLong.of(3)), rowWhenMarked);
    }

    @Test
    void revokedAppliesNothingMarksNothingAndLeavesTheRow() throws Exception {
        store.advance(GROUP, tp, 2);
        context.revoked(true);
        AtomicInteger calls = new AtomicInteger();
        assertEquals(0, store.consume(context, range(tp, 2, 6), (tx, ms) -> calls.incrementAndGet()));
        assertEquals(0, calls.get());
        assertEquals(List.of(), applied());
        assertEquals(List.of(), context.marks());
        assertEquals(OptionalLong.of(2), store.nextOffset(GROUP, tp));
    }

    @Test
    void revokedOnFirstUseCreatesNoRow() throws Exception {
        context.revoked(true);
        store.consume(context, range(tp, 0, 2), insertEach());
        assertEquals(OptionalLong.empty(), store.nextOffset(GROUP, tp));
    }

    @Test
    void messagesBelowTheStoredOffsetAreNotApplied() throws Exception {
        store.advance(GROUP, tp, 3);
        List<Long> handed = new ArrayList<>();
        assertEquals(2, store.consume(context, range(tp, 0, 5), (tx, messages) -> {
            messages.forEach(m -> handed.add(m.offset()));
            insertEach().apply(tx, messages);
        }));
        assertEquals(List.of(3L, 4L), handed);
        assertEquals(List.of(3L, 4L), applied());
        assertEquals(OptionalLong.of(5), store.nextOffset(GROUP, tp));
        assertEquals(List.of(5L), context.marks());
    }

    @Test
    void aBatchAllBelowTheStoredOffsetWritesNothingAndCannotMoveTheRowBack() throws Exception {
        store.advance(GROUP, tp, 10);
        context.logRange(0, 20);
        AtomicInteger calls = new AtomicInteger();
        assertEquals(0, store.consume(context, range(tp, 0, 5), (tx, ms) -> calls.incrementAndGet()));
        assertEquals(0, calls.get());
        assertEquals(List.of(), applied());
        assertEquals(OptionalLong.of(10), store.nextOffset(GROUP, tp));
        assertEquals(List.of(5L), context.marks(), "Kafka catches up, but only to the end of this batch");
    }

    @Test
    void aThrowingBlockRollsBackBothTheUsersRowsAndTheOffset() {
        store.advance(GROUP, tp, 1);
        IllegalStateException boom = new IllegalStateException("user work failed");
        IllegalStateException thrown = assertThrows(IllegalStateException.class,
                () -> store.consume(context, range(tp, 1, 4), (tx, messages) -> {
                    insertEach().apply(tx, messages);
                    throw boom;
                }));
        assertSame(boom, thrown);
        assertEquals(List.of(), applied());
        assertEquals(OptionalLong.of(1), store.nextOffset(GROUP, tp));
        assertEquals(List.of(), context.marks());
    }

    @Test
    void aFailingStatementInTheWorkRollsBackToo() {
        store.advance(GROUP, tp, 0);
        assertThrows(org.jooq.exception.DataAccessException.class,
                () -> store.consume(context, range(tp, 0, 3), (tx, messages) -> {
                    insertEach().apply(tx, messages);
                    tx.execute("SELECT * FROM \"no_such_table\"");
                }));
        assertEquals(List.of(), applied());
        assertEquals(OptionalLong.of(0), store.nextOffset(GROUP, tp));
    }

    @Test
    void theRowMovesToTheSettledEndAcrossCompactionGaps() throws Exception {
        Batch<String, String> compacted = batch(tp, 0, 8, 0, 2, 5);
        assertEquals(3, store.consume(context, compacted, insertEach()));
        assertEquals(List.of(0L, 2L, 5L), applied());
        assertEquals(OptionalLong.of(8), store.nextOffset(GROUP, tp));
        assertEquals(List.of(8L), context.marks());
    }

    @Test
    void redeliveryAfterALostKafkaCommitIsFenced() throws Exception {
        store.consume(context, range(tp, 0, 4), insertEach());
        // Kafka's commit was lost: the same batch comes again, to the same or a new owner
        TestContext newOwner = new TestContext(tp);
        assertEquals(0, store.consume(newOwner, range(tp, 0, 4), insertEach()));
        assertEquals(List.of(0L, 1L, 2L, 3L), applied());
        assertEquals(2, store.consume(newOwner, range(tp, 2, 6), insertEach()));
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), applied());
    }

    @Test
    void twoGroupsConsumeOneTopicThroughOneTableAndEachAppliesEverythingOnce() throws Exception {
        Table<?> audit = DSL.table(DSL.name(effects.getName() + "_audit"));
        db().createTable(audit).column(OFF).execute();
        TestContext billing = new TestContext(tp).consumerGroup("billing");
        TestContext auditing = new TestContext(tp).consumerGroup("audit");
        TransactionalWork<String, String> intoAudit = (tx, messages) -> {
            for (Message<String, String> m : messages) {
                tx.insertInto(audit).columns(OFF).values(m.offset()).execute();
            }
        };
        assertEquals(4, store.consume(billing, range(tp, 0, 4), insertEach()));
        // the second group starts from the beginning: billing's row must not fence it
        assertEquals(2, store.consume(auditing, range(tp, 0, 2), intoAudit));
        assertEquals(2, store.consume(billing, range(tp, 4, 6), insertEach()));
        assertEquals(0, store.consume(auditing, range(tp, 0, 2), intoAudit), "redelivery fenced by audit's row");
        assertEquals(4, store.consume(auditing, range(tp, 2, 6), intoAudit));
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), applied());
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), db().select(OFF).from(audit).orderBy(OFF).fetch(OFF));
        assertEquals(OptionalLong.of(6), store.nextOffset("billing", tp));
        assertEquals(OptionalLong.of(6), store.nextOffset("audit", tp));
        assertEquals(List.of(4L, 6L), billing.marks());
        assertEquals(List.of(2L, 2L, 6L), auditing.marks());
    }

    @Test
    void aBatchFetchedFromAboveTheRowIsRefusedWritingAndMarkingNothing() {
        store.advance(GROUP, tp, 3);
        AtomicInteger calls = new AtomicInteger();
        OffsetRefusedException e = assertThrows(OffsetRefusedException.class,
                () -> store.consume(context, range(tp, 5, 8), (tx, ms) -> calls.incrementAndGet()));
        assertEquals(3, e.storedOffset());
        assertEquals(5, e.fetchOffset());
        assertTrue(InfrastructureFailure.isInfrastructure(e));
        assertEquals(0, calls.get(), "the work never ran");
        assertEquals(List.of(), applied());
        assertEquals(List.of(), context.marks());
        assertEquals(OptionalLong.of(3), store.nextOffset(GROUP, tp));
    }

    @Test
    void aRowBeyondTheObservedLogEndIsRefusedWritingAndMarkingNothing() throws Exception {
        store.advance(GROUP, tp, 1_000);
        context.logRange(0, 5); // the topic was recreated: the log ends far below the row
        AtomicInteger calls = new AtomicInteger();
        OffsetRefusedException e = assertThrows(OffsetRefusedException.class,
                () -> store.consume(context, range(tp, 0, 5), (tx, ms) -> calls.incrementAndGet()));
        assertTrue(e.getMessage().contains("log end"), e.getMessage());
        assertEquals(0, calls.get());
        assertEquals(List.of(), context.marks(), "not even Kafka's copy is moved");
        assertEquals(OptionalLong.of(1_000), store.nextOffset(GROUP, tp));
        // a row inside the log is no refusal: everything below it is fenced, as before
        context.logRange(0, 2_000);
        assertEquals(0, store.consume(context, range(tp, 0, 5), (tx, ms) -> calls.incrementAndGet()));
        assertEquals(List.of(5L), context.marks());
    }

    @Test
    void aZombieConsumeAfterTheRowWasMovedBackIsRefused() throws Exception {
        PartitionOffsets zombie = PartitionOffsets.builder(dataSource(), dialect()).tableName(store.tableName())
                .build();
        assertEquals(5, zombie.consume(context, range(tp, 0, 5), insertEach()));
        // another member's offset manager resets the row backwards (RESET_TO_LOG_START): the epoch grows
        store.locked(GROUP, tp, 0, row -> {
            row.moveTo(2);
            return null;
        });
        OffsetRefusedException e = assertThrows(OffsetRefusedException.class,
                () -> zombie.consume(context, range(tp, 5, 8), insertEach()));
        assertTrue(e.getMessage().contains("epoch"), e.getMessage());
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), applied(), "nothing written");
        assertEquals(List.of(5L), context.marks(), "nothing marked");
        assertEquals(OptionalLong.of(2), store.nextOffset(GROUP, tp));
        assertEquals(OptionalLong.of(2), zombie.read(GROUP, tp), "the runtime re-reads the row");
        assertEquals(3, zombie.consume(context, range(tp, 2, 5), insertEach()));
    }

    @Test
    void plainJdbcWorkCommitsWithTheOffset() throws Exception {
        assertEquals(3, store.consumeJdbc(context, range(tp, 0, 3), (connection, messages) -> {
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO " + db().render(effects) + " (" + db().render(OFF) + ") VALUES (?)")) {
                for (Message<String, String> m : messages) {
                    insert.setLong(1, m.offset());
                    insert.executeUpdate();
                }
            }
        }));
        assertEquals(List.of(0L, 1L, 2L), applied());
        assertEquals(OptionalLong.of(3), store.nextOffset(GROUP, tp));
        assertEquals(List.of(3L), context.marks());
    }

    @Test
    void plainJdbcWorkThatThrowsRollsBackWithTheOffset() {
        store.advance(GROUP, tp, 0);
        IllegalStateException boom = new IllegalStateException("jdbc work failed");
        IllegalStateException thrown = assertThrows(IllegalStateException.class,
                () -> store.consumeJdbc(context, range(tp, 0, 3), (connection, messages) -> {
                    try (Statement st = connection.createStatement()) {
                        st.executeUpdate("INSERT INTO " + db().render(effects) + " (" + db().render(OFF) + ") VALUES (0)");
                    }
                    throw boom;
                }));
        assertSame(boom, thrown);
        assertEquals(List.of(), applied());
        assertEquals(OptionalLong.of(0), store.nextOffset(GROUP, tp));
        assertEquals(List.of(), context.marks());
    }

    @Test
    void theRowLockTimeoutNeverCutsOffTheWorksOwnLockWaits() throws Exception {
        PartitionOffsets impatient = PartitionOffsets.builder(dataSource(), dialect()).tableName(store.tableName())
                .lockTimeout(Duration.ofMillis(100)).build();
        db().insertInto(effects).columns(OFF).values(-1L).execute();
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Future<?> blocker = threads.submit(() -> {
            db().transaction(cfg -> {
                DSL.using(cfg).update(effects).set(OFF, -2L).where(OFF.eq(-1L)).execute();
                held.countDown();
                assertTrue(release.await(60, TimeUnit.SECONDS));
            });
            return null;
        });
        assertTrue(held.await(30, TimeUnit.SECONDS));
        Future<Integer> consuming = threads.submit(() -> impatient.consume(context, range(tp, 0, 2), (tx, ms) -> {
            // waits for the blocker's row lock, far longer than the store's 100 ms lock timeout
            tx.update(effects).set(OFF, -3L).where(OFF.lt(0L)).execute();
            insertEach().apply(tx, ms);
        }));
        try {
            await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(5)).until(() -> !consuming.isDone());
        } finally {
            release.countDown();
        }
        blocker.get(30, TimeUnit.SECONDS);
        assertEquals(2, consuming.get(30, TimeUnit.SECONDS));
        assertEquals(List.of(-3L, 0L, 1L), applied());
        assertEquals(OptionalLong.of(2), store.nextOffset(GROUP, tp));
    }

    @Test
    void aUniqueViolationInTheWorkPropagatesUnchangedAsNoInfrastructureFailure() {
        db().createUniqueIndex(DSL.name(effects.getName() + "_unique")).on(effects, DSL.field(DSL.name("off")))
                .execute();
        db().insertInto(effects).columns(OFF).values(1L).execute();
        org.jooq.exception.DataAccessException e = assertThrows(org.jooq.exception.DataAccessException.class,
                () -> store.consume(context, range(tp, 0, 3), insertEach()));
        assertFalse(OffsetStoreException.class.isInstance(e));
        assertFalse(InfrastructureFailure.isInfrastructure(e), "the runtime counts it against the message");
        assertEquals(List.of(1L), applied());
        assertEquals(List.of(), context.marks());
    }

    // ---------------------------------------------------------------- consumeJoined: a transaction the caller owns

    JdbcWork<String, String> insertEachJdbc() {
        return (connection, messages) -> {
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO " + db().render(effects) + " (" + db().render(OFF) + ") VALUES (?)")) {
                for (Message<String, String> m : messages) {
                    insert.setLong(1, m.offset());
                    insert.executeUpdate();
                }
            }
        };
    }

    @Test
    void joinedWorkCommitsWithTheOwnersCommitAndIsMarkedOnlyWhenTold() throws Exception {
        store.advance(GROUP, tp, 0);
        try (java.sql.Connection owner = dataSource().getConnection()) {
            owner.setAutoCommit(false);
            JoinedBatch joined = store.consumeJoined(owner, context, range(tp, 0, 4), insertEachJdbc());
            assertEquals(4, joined.applied());
            assertEquals(OptionalLong.of(4), joined.mark());
            assertEquals(List.of(), context.marks(), "nothing marked before the owner commits");
            assertEquals(OptionalLong.of(0), store.nextOffset(GROUP, tp), "uncommitted: other sessions see the old row");
            assertTrue(!owner.getAutoCommit(), "the store left the owner's transaction open");
            owner.commit();
            joined.committed();
            joined.committed();
        }
        assertEquals(List.of(0L, 1L, 2L, 3L), applied());
        assertEquals(OptionalLong.of(4), store.nextOffset(GROUP, tp));
        assertEquals(List.of(4L), context.marks(), "marked once, after the commit");
    }

    @Test
    void aJoinedTransactionRolledBackByItsOwnerLeavesTheRowAndMarksNothing() throws Exception {
        store.advance(GROUP, tp, 0);
        try (java.sql.Connection owner = dataSource().getConnection()) {
            owner.setAutoCommit(false);
            JoinedBatch joined = store.consumeJoined(owner, context, range(tp, 0, 3), insertEachJdbc());
            owner.rollback();
            joined.rolledBack();
            joined.committed();
            owner.setAutoCommit(true);
        }
        assertEquals(List.of(), applied());
        assertEquals(OptionalLong.of(0), store.nextOffset(GROUP, tp));
        assertEquals(List.of(), context.marks());
        // the runtime believed the batch done: the next one, fetched past the row, is refused
        assertThrows(OffsetRefusedException.class, () -> store.consume(context, range(tp, 3, 5), insertEach()));
    }

    @Test
    void joinedRefusesAnAutoCommitConnectionAndARevokedPartition() throws Exception {
        try (java.sql.Connection autoCommit = dataSource().getConnection()) {
            autoCommit.setAutoCommit(true);
            assertThrows(IllegalStateException.class,
                    () -> store.consumeJoined(autoCommit, context, range(tp, 0, 2), insertEachJdbc()));
        }
        context.revoked(true);
        try (java.sql.Connection owner = dataSource().getConnection()) {
            owner.setAutoCommit(false);
            PartitionRevokedException e = assertThrows(PartitionRevokedException.class,
                    () -> store.consumeJoined(owner, context, range(tp, 0, 2), insertEachJdbc()));
            assertEquals(tp, e.topicPartition());
            assertTrue(InfrastructureFailure.isInfrastructure(e));
            owner.rollback();
            owner.setAutoCommit(true);
        }
        assertEquals(List.of(), applied());
        assertEquals(List.of(), context.marks());
        assertEquals(OptionalLong.empty(), store.nextOffset(GROUP, tp), "nothing touched, not even the row");
    }

    @Test
    void aBatchOfAnotherPartitionIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> store.consume(context, range(new TopicPartition("payments", 1), 0, 2), insertEach()));
    }

    @Test
    void anEmptyBatchDoesNothing() throws Exception {
        assertEquals(0, store.consume(context, batch(tp, 4, 4), insertEach()));
        assertEquals(OptionalLong.empty(), store.nextOffset(GROUP, tp));
        assertTrue(context.marks().isEmpty());
    }
}
