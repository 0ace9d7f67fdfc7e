package io.sluice.filters;

import io.sluice.testing.DelegatingDataSource;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.InfrastructureFailure;
import io.sluice.dsl.OffsetRefusedException;
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
 * What {@link PartitionOffsets} guarantees on a real database; run on H2 ({@code PartitionOffsetsH2Test}),
 * PostgreSQL ({@code PartitionOffsetsPostgresIT}) and MariaDB ({@code PartitionOffsetsMariaDbIT}). Every test uses its own table.
 */
abstract class PartitionOffsetsContract {

    private static final String GROUP = Databases.GROUP;

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
        first.advance(GROUP, tp, 7);
        PartitionOffsets second = store(table, LONG_WAIT);
        second.createTableIfMissing();
        assertEquals(OptionalLong.of(7), second.nextOffset(GROUP, tp), "a second store on the table sees the row");
        Table<?> t = DSL.table(DSL.name(table));
        assertEquals(1, db().fetchCount(t), "one row, table kept");
        assertEquals(List.of("consumer_group", "topic", "partition", "next_offset", "epoch"),
                db().select().from(t).fetch().fieldsRow().fieldStream().map(f -> f.getName().toLowerCase()).toList());
    }

    @Test
    void mixedCaseTableNameIsQuotedEverywhere() {
        String table = "Mixed_" + newTableName();
        PartitionOffsets store = store(table, LONG_WAIT);
        store.advance(GROUP, tp, 11);
        assertEquals(OptionalLong.of(11), store.nextOffset(GROUP, tp));
        assertEquals(1, db().fetchCount(DSL.table(DSL.name(table))));
    }

    @Test
    void rowAppearsOnFirstUseSeededWithTheGivenOffset() {
        PartitionOffsets store = store(newTableName(), LONG_WAIT);
        assertEquals(OptionalLong.empty(), store.nextOffset(GROUP, tp), "no row before first use");
        AtomicBoolean created = new AtomicBoolean();
        long seen = store.locked(GROUP, tp, 42, row -> {
            created.set(row.created());
            return row.nextOffset();
        });
        assertEquals(42, seen);
        assertTrue(created.get());
        assertEquals(OptionalLong.of(42), store.nextOffset(GROUP, tp));
        long again = store.locked(GROUP, tp, 7, row -> {
            created.set(row.created());
            return row.nextOffset();
        });
        assertEquals(42, again, "an existing row ignores the seed");
        assertFalse(created.get());
        assertEquals(OptionalLong.empty(), store.nextOffset(GROUP, new TopicPartition("orders", 4)), "other partitions");
    }

    @Test
    void advanceNeverMovesTheRowBack() {
        PartitionOffsets store = store(newTableName(), LONG_WAIT);
        store.advance(GROUP, tp, 10);
        store.advance(GROUP, tp, 5);
        assertEquals(OptionalLong.of(10), store.nextOffset(GROUP, tp));
        store.advance(GROUP, tp, 20);
        assertEquals(OptionalLong.of(20), store.nextOffset(GROUP, tp));
    }

    @Test
    void theBlockCommitsWithTheUsersRows() {
        PartitionOffsets store = store(newTableName(), LONG_WAIT);
        Table<?> effects = createEffectsTable();
        store.locked(GROUP, tp, 0, row -> {
            row.tx().insertInto(effects).columns(DSL.field(DSL.name("off"))).values(1L).execute();
            return row.advanceTo(2);
        });
        assertEquals(1, db().fetchCount(effects));
        assertEquals(OptionalLong.of(2), store.nextOffset(GROUP, tp));
    }

    @Test
    void aThrowingBlockRollsBackTheUsersRowsAndTheOffset() {
        PartitionOffsets store = store(newTableName(), LONG_WAIT);
        store.advance(GROUP, tp, 3);
        Table<?> effects = createEffectsTable();
        IllegalStateException boom = new IllegalStateException("boom");
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> store.locked(GROUP, tp, 0, row -> {
            row.tx().insertInto(effects).columns(DSL.field(DSL.name("off"))).values(3L).execute();
            row.advanceTo(4);
            throw boom;
        }));
        assertSame(boom, thrown, "the block's exception propagates unchanged");
        assertEquals(0, db().fetchCount(effects));
        assertEquals(OptionalLong.of(3), store.nextOffset(GROUP, tp));
    }

    @Test
    void aCheckedExceptionPropagatesUnchanged() {
        PartitionOffsets store = store(newTableName(), LONG_WAIT);
        assertThrows(IOException.class, () -> store.locked(GROUP, tp, 0, row -> {
            row.moveTo(9);
            throw new IOException("disk");
        }));
        assertEquals(OptionalLong.of(0), store.nextOffset(GROUP, tp),
                "the row was created at its seed in a transaction of its own; the block's move is rolled back");
    }

    @Test
    void rollbackOnlyDiscardsWrites() {
        PartitionOffsets store = store(newTableName(), LONG_WAIT);
        store.advance(GROUP, tp, 1);
        store.locked(GROUP, tp, 0, row -> {
            row.advanceTo(100);
            row.setRollbackOnly();
            return null;
        });
        assertEquals(OptionalLong.of(1), store.nextOffset(GROUP, tp));
    }

    @Test
    void theRowCannotBeUsedAfterItsTransaction() {
        PartitionOffsets store = store(newTableName(), LONG_WAIT);
        LockedRow leaked = store.locked(GROUP, tp, 0, row -> row);
        assertThrows(IllegalStateException.class, () -> leaked.moveTo(5));
        assertThrows(IllegalStateException.class, leaked::tx);
    }

    @Test
    void aSecondLockerBlocksUntilTheFirstCommitsThenSeesTheNewOffset() throws Exception {
        PartitionOffsets store = store(newTableName(), LONG_WAIT);
        store.advance(GROUP, tp, 10);
        CountDownLatch firstHolds = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        Future<Long> first = threads.submit(() -> store.locked(GROUP, tp, 0, row -> {
            row.advanceTo(100);
            firstHolds.countDown();
            assertTrue(releaseFirst.await(60, TimeUnit.SECONDS));
            return row.nextOffset();
        }));
        assertTrue(firstHolds.await(30, TimeUnit.SECONDS));
        AtomicReference<Long> secondSaw = new AtomicReference<>();
        Future<?> second = threads.submit(() -> store.locked(GROUP, tp, 0, row -> {
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
        assertEquals(OptionalLong.of(101), store.nextOffset(GROUP, tp));
    }

    @Test
    void aLockHeldPastTheTimeoutFailsTheSecondWithTheLockTimeoutException() throws Exception {
        Duration timeout = Duration.ofMillis(300);
        String table = newTableName();
        PartitionOffsets holder = store(table, LONG_WAIT);
        PartitionOffsets impatient = store(table, timeout);
        holder.advance(GROUP, tp, 10);
        CountDownLatch firstHolds = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        Future<Long> first = threads.submit(() -> holder.locked(GROUP, tp, 0, row -> {
            row.advanceTo(50);
            firstHolds.countDown();
            assertTrue(releaseFirst.await(60, TimeUnit.SECONDS));
            return row.nextOffset();
        }));
        assertTrue(firstHolds.await(30, TimeUnit.SECONDS));
        AtomicBoolean secondRan = new AtomicBoolean();
        OffsetLockTimeoutException e = assertThrows(OffsetLockTimeoutException.class,
                () -> impatient.locked(GROUP, tp, 0, row -> {
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
        assertEquals(OptionalLong.of(50), impatient.nextOffset(GROUP, tp));
        long after = impatient.locked(GROUP, tp, 0, row -> row.advanceTo(51));
        assertEquals(51L, after, "the store works after a timeout");
    }

    @Test
    void twoFirstUsersOfOnePartitionCreateOneRowAndTheSecondWaits() throws Exception {
        PartitionOffsets store = store(newTableName(), LONG_WAIT);
        store.createTableIfMissing();
        CountDownLatch firstHolds = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        Future<Boolean> first = threads.submit(() -> store.locked(GROUP, tp, 5, row -> {
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
            return store.locked(GROUP, tp, 9, row -> {
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
        store.advance(GROUP, tp, 1);
        store.advance(GROUP, other, 1);
        CountDownLatch firstHolds = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        Future<Long> first = threads.submit(() -> store.locked(GROUP, tp, 0, row -> {
            firstHolds.countDown();
            assertTrue(releaseFirst.await(60, TimeUnit.SECONDS));
            return row.nextOffset();
        }));
        assertTrue(firstHolds.await(30, TimeUnit.SECONDS));
        try {
            long otherRow = store.locked(GROUP, other, 0, row -> row.advanceTo(2));
            assertEquals(2L, otherRow);
            // a brand-new partition's row is inserted while another row is locked
            assertEquals(5L, store.locked(GROUP, new TopicPartition("orders", 5), 5, LockedRow::nextOffset));
        } finally {
            releaseFirst.countDown();
        }
        assertEquals(1L, first.get(30, TimeUnit.SECONDS));
    }

    // ---------------------------------------------------------------- format 2: groups, epochs, schema

    @Test
    void twoGroupsOnOneTableNeverSeeOrMoveEachOthersRows() throws Exception {
        PartitionOffsets store = store(newTableName(), LONG_WAIT);
        store.advance("billing", tp, 10);
        assertEquals(OptionalLong.empty(), store.nextOffset("audit", tp), "another group has no row yet");
        assertEquals(OptionalLong.empty(), store.read("audit", tp));
        assertEquals(3L, store.locked("audit", tp, 3, LockedRow::nextOffset), "seeded on its own, not from billing");
        store.advance("audit", tp, 4);
        assertEquals(OptionalLong.of(10), store.nextOffset("billing", tp));
        assertEquals(OptionalLong.of(4), store.nextOffset("audit", tp));
        // one group's row lock does not block the other group's row
        PartitionOffsets impatient = store(store.tableName(), Duration.ofMillis(500));
        CountDownLatch holds = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Future<?> holder = threads.submit(() -> store.locked("billing", tp, 0, row -> {
            holds.countDown();
            assertTrue(release.await(60, TimeUnit.SECONDS));
            return null;
        }));
        assertTrue(holds.await(30, TimeUnit.SECONDS));
        try {
            long audit = impatient.locked("audit", tp, 0, row -> row.advanceTo(5));
            assertEquals(5, audit);
        } finally {
            release.countDown();
        }
        holder.get(30, TimeUnit.SECONDS);
        assertEquals(2, db().fetchCount(DSL.table(DSL.name(store.tableName()))));
    }

    @Test
    void movingARowBackBumpsItsEpochAndAZombieAdvanceWithTheOldEpochIsRefused() {
        String table = newTableName();
        PartitionOffsets zombie = store(table, LONG_WAIT);
        PartitionOffsets operator = store(table, LONG_WAIT);
        zombie.advance(GROUP, tp, 50);
        assertEquals(OptionalLong.of(50), zombie.read(GROUP, tp), "the zombie observes epoch 0 at assignment");
        long epoch = operator.locked(GROUP, tp, 0, row -> {
            row.advanceTo(60);
            assertEquals(0, row.epoch(), "forward moves keep the epoch");
            row.moveTo(20);
            return row.epoch();
        });
        assertEquals(1, epoch, "a backwards move bumps the epoch");
        OffsetRefusedException e = assertThrows(OffsetRefusedException.class, () -> zombie.advance(GROUP, tp, 70));
        assertTrue(InfrastructureFailure.isInfrastructure(e));
        assertTrue(e.getMessage().contains("epoch"), e.getMessage());
        assertEquals(OptionalLong.of(20), operator.nextOffset(GROUP, tp), "the refused advance wrote nothing");
        assertEquals(OptionalLong.of(20), zombie.read(GROUP, tp), "reading again observes the new epoch");
        zombie.advance(GROUP, tp, 70);
        assertEquals(OptionalLong.of(70), operator.nextOffset(GROUP, tp));
        // the other group's row is not affected by this group's epoch
        zombie.advance("other", tp, 1);
        assertEquals(OptionalLong.of(1), zombie.nextOffset("other", tp));
    }

    @Test
    void aFormat1TableIsRefusedNamingTheMigrationThenMigratedWithTheGivenGroup() throws Exception {
        String table = newTableName();
        createFormat1Table(table);
        Table<?> t = DSL.table(DSL.name(table));
        db().insertInto(t).columns(DSL.field(DSL.name("topic")), DSL.field(DSL.name("partition")),
                DSL.field(DSL.name("next_offset"))).values("orders", 3, 42L).values("orders", 4, 7L).execute();
        PartitionOffsets store = store(table, LONG_WAIT);
        OffsetTableException refused = assertThrows(OffsetTableException.class, store::createTableIfMissing);
        assertTrue(refused.getMessage().contains("migrateToV2") && refused.getMessage().contains("format 1"),
                refused.getMessage());
        assertTrue(InfrastructureFailure.isInfrastructure(refused), "retried, never a message's fault");
        assertThrows(OffsetTableException.class, () -> store.nextOffset(GROUP, tp), "first use refuses too");
        assertThrows(OffsetTableException.class, () -> store.advance(GROUP, tp, 50));
        assertEquals(2, db().fetchCount(t), "nothing was written to the format-1 table");

        assertEquals(2, store.migrateToV2("billing"));
        assertEquals(0, store.migrateToV2("billing"), "idempotent");
        assertEquals(OptionalLong.of(42), store.nextOffset("billing", tp));
        assertEquals(OptionalLong.of(7), store.nextOffset("billing", new TopicPartition("orders", 4)));
        assertEquals(OptionalLong.empty(), store.nextOffset("audit", tp));
        store.advance("billing", tp, 43);
        store.advance("audit", tp, 1);
        assertEquals(OptionalLong.of(43), store(table, LONG_WAIT).nextOffset("billing", tp));
        long migratedEpoch = store.locked("billing", tp, 0, LockedRow::epoch);
        assertEquals(0, migratedEpoch, "migrated rows start at epoch 0");
        assertEquals(OptionalLong.of(1), store.nextOffset("audit", tp));
    }

    @Test
    void theShippedSqlMigrationsBuildAFormat2TableAndMigrateFormat1Rows() throws Exception {
        // the files name the default table; run them verbatim, the placeholder filled in as Flyway would
        runMigration("V1__kafka_partitions.sql", "billing");
        db().insertInto(DSL.table(DSL.name(PartitionOffsets.DEFAULT_TABLE_NAME)))
                .columns(DSL.field(DSL.name("topic")), DSL.field(DSL.name("partition")),
                        DSL.field(DSL.name("next_offset")))
                .values("orders", 3, 42L).execute();
        runMigration("V2__group_and_epoch.sql", "billing");
        PartitionOffsets store = PartitionOffsets.builder(dataSource(), dialect())
                .schemaManagement(PartitionOffsets.SchemaManagement.NONE).build();
        store.createTableIfMissing();
        assertEquals(OptionalLong.of(42), store.nextOffset("billing", tp));
        store.advance("audit", tp, 5);
        assertEquals(OptionalLong.of(5), store.nextOffset("audit", tp));
        assertEquals(OptionalLong.of(42), store.nextOffset("billing", tp));
    }

    @Test
    void schemaManagementNoneCreatesNothingAndFailsClearlyOnAMissingOrFormat1Table() {
        String table = newTableName();
        PartitionOffsets store = PartitionOffsets.builder(dataSource(), dialect()).tableName(table)
                .schemaManagement(PartitionOffsets.SchemaManagement.NONE).build();
        OffsetTableException missing = assertThrows(OffsetTableException.class, () -> store.advance(GROUP, tp, 1));
        assertTrue(missing.getMessage().contains("does not exist") && missing.getMessage().contains("NONE")
                && missing.getMessage().contains("V2__group_and_epoch.sql"), missing.getMessage());
        assertFalse(tableExists(table), "nothing was created");
        createFormat1Table(table);
        OffsetTableException old = assertThrows(OffsetTableException.class, store::createTableIfMissing);
        assertTrue(old.getMessage().contains("migrateToV2"), old.getMessage());
        store.migrateToV2(GROUP);
        store.advance(GROUP, tp, 3);
        assertEquals(OptionalLong.of(3), store.nextOffset(GROUP, tp));
    }

    @Test
    void aForeignTableOfTheSameNameIsRefused() {
        String table = newTableName();
        db().createTable(DSL.table(DSL.name(table))).column(DSL.field(DSL.name("x"), SQLDataType.INTEGER)).execute();
        OffsetTableException e = assertThrows(OffsetTableException.class,
                () -> store(table, LONG_WAIT).advance(GROUP, tp, 1));
        assertTrue(e.getMessage().contains("not a Sluice offset table"), e.getMessage());
    }

    @Test
    void failuresOfTheStoresOwnStatementsAreInfrastructureFailures() {
        DataSource down = new DelegatingDataSource(dataSource()) {
            @Override
            public java.sql.Connection getConnection() throws java.sql.SQLException {
                throw new java.sql.SQLTransientConnectionException("connection refused", "08001");
            }
        };
        PartitionOffsets store = PartitionOffsets.builder(down, dialect()).tableName(newTableName()).build();
        OffsetStoreUnavailableException e = assertThrows(OffsetStoreUnavailableException.class,
                () -> store.advance(GROUP, tp, 1));
        assertTrue(InfrastructureFailure.isInfrastructure(e));
        assertThrows(OffsetStoreUnavailableException.class, () -> store.read(GROUP, tp));
        assertThrows(OffsetStoreUnavailableException.class,
                () -> store.locked(GROUP, tp, 0, row -> row.advanceTo(3)));
    }

    @Test
    void aUsersOwnFailingStatementInTheBlockPropagatesUnchanged() {
        PartitionOffsets store = store(newTableName(), LONG_WAIT);
        Table<?> effects = createEffectsTable();
        db().createUniqueIndex(DSL.name(effects.getName() + "_unique")).on(effects, DSL.field(DSL.name("off")))
                .execute();
        db().insertInto(effects).columns(DSL.field(DSL.name("off"))).values(1L).execute();
        org.jooq.exception.DataAccessException e = assertThrows(org.jooq.exception.DataAccessException.class,
                () -> store.locked(GROUP, tp, 0, row -> row.tx().insertInto(effects)
                        .columns(DSL.field(DSL.name("off"))).values(1L).execute()));
        assertFalse(OffsetStoreException.class.isInstance(e), "the user's statement is not the store's");
        assertFalse(InfrastructureFailure.isInfrastructure(e), "a unique violation is the message's failure");
    }

    void createFormat1Table(String table) {
        // the DDL of format 1, as the store of Sluice 0.1 created it
        db().createTableIfNotExists(DSL.table(DSL.name(table)))
                .column(DSL.field(DSL.name("topic"), SQLDataType.VARCHAR(255).notNull()))
                .column(DSL.field(DSL.name("partition"), SQLDataType.INTEGER.notNull()))
                .column(DSL.field(DSL.name("next_offset"), SQLDataType.BIGINT.notNull()))
                .constraints(DSL.primaryKey(DSL.field(DSL.name("topic")), DSL.field(DSL.name("partition"))))
                .execute();
    }

    boolean tableExists(String table) {
        try {
            db().selectOne().from(DSL.table(DSL.name(table))).where(DSL.falseCondition()).fetch();
            return true;
        } catch (org.jooq.exception.DataAccessException e) {
            return false;
        }
    }

    abstract String migrationDirectory();

    void runMigration(String file, String group) throws IOException {
        String path = "db/sluice/" + migrationDirectory() + "/" + file;
        String sql;
        try (java.io.InputStream in = PartitionOffsets.class.getClassLoader().getResourceAsStream(path)) {
            assertTrue(in != null, "shipped migration " + path);
            sql = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        sql = sql.replace("${sluice_consumer_group}", group);
        StringBuilder withoutComments = new StringBuilder();
        for (String line : sql.split("\n")) {
            if (!line.strip().startsWith("--")) {
                withoutComments.append(line).append('\n');
            }
        }
        for (String statement : withoutComments.toString().split(";")) {
            if (!statement.isBlank()) {
                db().execute(statement.strip());
            }
        }
    }

    Table<?> createEffectsTable() {
        Table<?> effects = DSL.table(DSL.name("effects_" + TABLES.incrementAndGet()));
        db().createTable(effects).column(DSL.field(DSL.name("off"), SQLDataType.BIGINT)).execute();
        return effects;
    }
}
