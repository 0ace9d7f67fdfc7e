package io.sluice.filters;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.apache.kafka.common.TopicPartition;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What {@link PartitionOffsets} guarantees on a real database; run on H2 ({@code PartitionOffsetsH2Test}) and
 * PostgreSQL ({@code PartitionOffsetsPostgresIT}). Every test uses its own table.
 */
abstract class PartitionOffsetsContract {

    private static final AtomicInteger TABLES = new AtomicInteger();
    private static final Duration LONG_WAIT = Duration.ofSeconds(30);

    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final TopicPartition tp = new TopicPartition("orders", 3);

    abstract DataSource dataSource();

    abstract SQLDialect dialect();

    /** How many sessions of this database wait for a lock right now. */
    abstract int sessionsWaitingForLocks(DSLContext ctx);

    /**
     * Whether {@code thread}, inside a locked transaction, waits for another transaction: by default, some
     * session waits for a lock. An embedded database may override it with the thread's own state.
     */
    boolean waitsForAnotherTransaction(Thread thread) {
        return sessionsWaitingForLocks(db()) >= 1;
    }

    @AfterEach
    void stopThreads() throws InterruptedException {
        threads.shutdownNow();
        assertTrue(threads.awaitTermination(30, TimeUnit.SECONDS), "test threads did not end");
    }

    String newTableName() {
        return "offsets_" + getClass().getSimpleName().toLowerCase() + "_" + TABLES.incrementAndGet();
    }

    PartitionOffsets store(String table, Duration lockTimeout) {
        return PartitionOffsets.builder(dataSource(), dialect()).tableName(table).lockTimeout(lockTimeout).build();
    }

    DSLContext db() {
        return DSL.using(dataSource(), dialect());
    }

    @Test
    void tableCreationIsIdempotentAcrossStoresAndRaces() throws Exception {
        String table = newTableName();
        int racers = 4;
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < racers; i++) {
            futures.add(threads.submit(() -> {
                go.await();
                PartitionOffsets store = store(table, LONG_WAIT);
                store.createTableIfMissing();
                store.createTableIfMissing();
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : futures) {
            f.get(60, TimeUnit.SECONDS);
        }
        PartitionOffsets first = store(table, LONG_WAIT);
        first.createTableIfMissing();
        first.advance(tp, 7);
        PartitionOffsets second = store(table, LONG_WAIT);
        second.createTableIfMissing();
        assertEquals(OptionalLong.of(7), second.nextOffset(tp), "a second store on the table sees the row");
        Table<?> t = DSL.table(DSL.name(table));
        assertEquals(1, db().fetchCount(t), "one row, table kept");
        assertEquals(List.of("topic", "partition", "next_offset"),
                db().select().from(t).fetch().fieldsRow().fieldStream().map(f -> f.getName().toLowerCase()).toList());
    }

    @Test
    void mixedCaseTableNameIsQuotedEverywhere() {
        String table = "Mixed_" + newTableName();
        PartitionOffsets store = store(table, LONG_WAIT);
        store.advance(tp, 11);
        assertEquals(OptionalLong.of(11), store.nextOffset(tp));
        assertEquals(1, db().fetchCount(DSL.table(DSL.name(table))));
    }

    @Test
    void rowAppearsOnFirstUseSeededWithTheGivenOffset() {
        PartitionOffsets store = store(newTableName(), LONG_WAIT);
        assertEquals(OptionalLong.empty(), store.nextOffset(tp), "no row before first use");
        AtomicBoolean created = new AtomicBoolean();
        long seen = store.locked(tp, 42, row -> {
            created.set(row.created());
            return row.nextOffset();
        });
        assertEquals(42, seen);
        assertTrue(created.get());
        assertEquals(OptionalLong.of(42), store.nextOffset(tp));
        long again = store.locked(tp, 7, row -> {
            created.set(row.created());
            return row.nextOffset();
        });
        assertEquals(42, again, "an existing row ignores the seed");
        assertFalse(created.get());
        assertEquals(OptionalLong.empty(), store.nextOffset(new TopicPartition("orders", 4)), "other partitions");
    }

    @Test
    void advanceNeverMovesTheRowBack() {
        PartitionOffsets store = store(newTableName(), LONG_WAIT);
        store.advance(tp, 10);
        store.advance(tp, 5);
        assertEquals(OptionalLong.of(10), store.nextOffset(tp));
        store.advance(tp, 20);
        assertEquals(OptionalLong.of(20), store.nextOffset(tp));
    }

    @Test
    void theBlockCommitsWithTheUsersRows() {
        PartitionOffsets store = store(newTableName(), LONG_WAIT);
        Table<?> effects = createEffectsTable();
        store.locked(tp, 0, row -> {
            row.tx().insertInto(effects).columns(DSL.field(DSL.name("off"))).values(1L).execute();
            return row.advanceTo(2);
        });
        assertEquals(1, db().fetchCount(effects));
        assertEquals(OptionalLong.of(2), store.nextOffset(tp));
    }

    @Test
    void aThrowingBlockRollsBackTheUsersRowsAndTheOffset() {
        PartitionOffsets store = store(newTableName(), LONG_WAIT);
        store.advance(tp, 3);
        Table<?> effects = createEffectsTable();
        IllegalStateException boom = new IllegalStateException("boom");
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> store.locked(tp, 0, row -> {
            row.tx().insertInto(effects).columns(DSL.field(DSL.name("off"))).values(3L).execute();
            row.advanceTo(4);
            throw boom;
        }));
        assertSame(boom, thrown, "the block's exception propagates unchanged");
        assertEquals(0, db().fetchCount(effects));
        assertEquals(OptionalLong.of(3), store.nextOffset(tp));
    }

    @Test
    void aCheckedExceptionPropagatesUnchanged() {
        PartitionOffsets store = store(newTableName(), LONG_WAIT);
        assertThrows(IOException.class, () -> store.locked(tp, 0, row -> {
            row.moveTo(9);
            throw new IOException("disk");
        }));
        assertTrue(store.nextOffset(tp).isEmpty(), "the row created in the rolled-back transaction is gone too");
    }

    @Test
    void rollbackOnlyDiscardsWrites() {
        PartitionOffsets store = store(newTableName(), LONG_WAIT);
        store.advance(tp, 1);
        store.locked(tp, 0, row -> {
            row.advanceTo(100);
            row.setRollbackOnly();
            return null;
        });
        assertEquals(OptionalLong.of(1), store.nextOffset(tp));
    }

    @Test
    void theRowCannotBeUsedAfterItsTransaction() {
        PartitionOffsets store = store(newTableName(), LONG_WAIT);
        LockedRow leaked = store.locked(tp, 0, row -> row);
        assertThrows(IllegalStateException.class, () -> leaked.moveTo(5));
        assertThrows(IllegalStateException.class, leaked::tx);
    }

    @Test
    void aSecondLockerBlocksUntilTheFirstCommitsThenSeesTheNewOffset() throws Exception {
        PartitionOffsets store = store(newTableName(), LONG_WAIT);
        store.advance(tp, 10);
        CountDownLatch firstHolds = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        Future<Long> first = threads.submit(() -> store.locked(tp, 0, row -> {
            row.advanceTo(100);
            firstHolds.countDown();
            assertTrue(releaseFirst.await(60, TimeUnit.SECONDS));
            return row.nextOffset();
        }));
        assertTrue(firstHolds.await(30, TimeUnit.SECONDS));
        AtomicReference<Long> secondSaw = new AtomicReference<>();
        Future<?> second = threads.submit(() -> store.locked(tp, 0, row -> {
            secondSaw.set(row.nextOffset());
            return row.advanceTo(row.nextOffset() + 1);
        }));
        // positive evidence that the second one waits on the row lock, not merely that it is slow
        await().atMost(LONG_WAIT).until(() -> sessionsWaitingForLocks(db()) >= 1);
        assertFalse(second.isDone());
        assertEquals(null, secondSaw.get(), "the second block must not run while the first holds the lock");
        releaseFirst.countDown();
        assertEquals(100L, first.get(30, TimeUnit.SECONDS));
        second.get(30, TimeUnit.SECONDS);
        assertEquals(100L, secondSaw.get(), "the waiter reads the row as the first committed it");
        assertEquals(OptionalLong.of(101), store.nextOffset(tp));
    }

    @Test
    void aLockHeldPastTheTimeoutFailsTheSecondWithTheLockTimeoutException() throws Exception {
        Duration timeout = Duration.ofMillis(300);
        String table = newTableName();
        PartitionOffsets holder = store(table, LONG_WAIT);
        PartitionOffsets impatient = store(table, timeout);
        holder.advance(tp, 10);
        CountDownLatch firstHolds = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        Future<Long> first = threads.submit(() -> holder.locked(tp, 0, row -> {
            row.advanceTo(50);
            firstHolds.countDown();
            assertTrue(releaseFirst.await(60, TimeUnit.SECONDS));
            return row.nextOffset();
        }));
        assertTrue(firstHolds.await(30, TimeUnit.SECONDS));
        AtomicBoolean secondRan = new AtomicBoolean();
        OffsetLockTimeoutException e = assertThrows(OffsetLockTimeoutException.class,
                () -> impatient.locked(tp, 0, row -> {
                    secondRan.set(true);
                    return row.advanceTo(999);
                }));
        assertFalse(secondRan.get(), "the block never runs without the lock");
        assertEquals(tp, e.topicPartition());
        assertEquals(timeout, e.timeout());
        assertTrue(e.getMessage().contains(tp.toString()), e.getMessage());
        assertInstanceOf(org.jooq.exception.DataAccessException.class, e.getCause());
        releaseFirst.countDown();
        assertEquals(50L, first.get(30, TimeUnit.SECONDS));
        assertEquals(OptionalLong.of(50), impatient.nextOffset(tp));
        long after = impatient.locked(tp, 0, row -> row.advanceTo(51));
        assertEquals(51L, after, "the store works after a timeout");
    }

    @Test
    void twoFirstUsersOfOnePartitionCreateOneRowAndTheSecondWaits() throws Exception {
        PartitionOffsets store = store(newTableName(), LONG_WAIT);
        store.createTableIfMissing();
        CountDownLatch firstHolds = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        Future<Boolean> first = threads.submit(() -> store.locked(tp, 5, row -> {
            firstHolds.countDown();
            assertTrue(releaseFirst.await(60, TimeUnit.SECONDS));
            row.advanceTo(6);
            return row.created();
        }));
        assertTrue(firstHolds.await(30, TimeUnit.SECONDS));
        AtomicReference<Long> secondSaw = new AtomicReference<>();
        AtomicBoolean secondCreated = new AtomicBoolean(true);
        AtomicReference<Thread> secondThread = new AtomicReference<>();
        Future<?> second = threads.submit(() -> {
            secondThread.set(Thread.currentThread());
            return store.locked(tp, 9, row -> {
                secondSaw.set(row.nextOffset());
                secondCreated.set(row.created());
                return null;
            });
        });
        await().atMost(LONG_WAIT).until(() -> secondThread.get() != null
                && waitsForAnotherTransaction(secondThread.get()));
        assertFalse(second.isDone());
        releaseFirst.countDown();
        assertTrue(first.get(30, TimeUnit.SECONDS), "the first user created the row");
        second.get(30, TimeUnit.SECONDS);
        assertEquals(6L, secondSaw.get(), "the second one waited for the first's row instead of seeding its own");
        assertFalse(secondCreated.get());
        assertEquals(1, db().fetchCount(DSL.table(DSL.name(store.tableName()))));
    }

    @Test
    void differentPartitionsDoNotBlockEachOther() throws Exception {
        PartitionOffsets store = store(newTableName(), Duration.ofMillis(500));
        TopicPartition other = new TopicPartition("orders", 4);
        store.advance(tp, 1);
        store.advance(other, 1);
        CountDownLatch firstHolds = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        Future<Long> first = threads.submit(() -> store.locked(tp, 0, row -> {
            firstHolds.countDown();
            assertTrue(releaseFirst.await(60, TimeUnit.SECONDS));
            return row.nextOffset();
        }));
        assertTrue(firstHolds.await(30, TimeUnit.SECONDS));
        try {
            long otherRow = store.locked(other, 0, row -> row.advanceTo(2));
            assertEquals(2L, otherRow);
            // a brand-new partition's row is inserted while another row is locked
            assertEquals(5L, store.locked(new TopicPartition("orders", 5), 5, LockedRow::nextOffset));
        } finally {
            releaseFirst.countDown();
        }
        assertEquals(1L, first.get(30, TimeUnit.SECONDS));
    }

    Table<?> createEffectsTable() {
        Table<?> effects = DSL.table(DSL.name("effects_" + TABLES.incrementAndGet()));
        db().createTable(effects).column(DSL.field(DSL.name("off"), SQLDataType.BIGINT)).execute();
        return effects;
    }
}
