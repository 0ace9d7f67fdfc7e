package io.sluice.filters;

import io.sluice.dsl.Batch;
import io.sluice.dsl.ConsumerContext;
import io.sluice.dsl.InfrastructureFailure;
import io.sluice.dsl.Message;
import io.sluice.dsl.OffsetAuthority;
import io.sluice.dsl.OffsetMove;
import io.sluice.dsl.OffsetRefusedException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.apache.kafka.common.TopicPartition;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record2;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store of consumed offsets for offset-managed topics: one database row per consumer group and topic
 * partition, the only truth about how far that group has consumed the partition. Kafka's committed offset is
 * merely a copy. See {@code docs/architecture.md}, "Offset flow and table format".
 *
 * <h2>Table layout — format version 2</h2>
 * <pre>
 * CREATE TABLE IF NOT EXISTS "kafka_partitions" (   -- name configurable, always quoted
 *   "consumer_group" VARCHAR(255) NOT NULL,         -- the Kafka consumer group (group.id) keeping the offset
 *   "topic"          VARCHAR(255) NOT NULL,         -- Kafka topic name (at most 249 characters)
 *   "partition"      INTEGER      NOT NULL,         -- partition number
 *   "next_offset"    BIGINT       NOT NULL,         -- next offset to consume, as Kafka commits it
 *   "epoch"          BIGINT       NOT NULL DEFAULT 0, -- grows by one each time the row moves backwards
 *   PRIMARY KEY ("consumer_group", "topic", "partition")
 * )
 * </pre>
 * This layout is a persisted format ({@link #FORMAT_VERSION}): it changes only together with a migration that
 * converts existing tables. Format 1 had no {@code consumer_group} and no {@code epoch}; a format-1 table is
 * refused (with {@link OffsetTableException} naming the migration) until {@link #migrateToV2(String)} or the
 * shipped SQL migration converts it. The DDL also ships as SQL migrations, for tools such as Flyway, under
 * {@code db/sluice/<database>/} ({@code h2}, {@code postgresql}, {@code mariadb}): {@code V1__kafka_partitions.sql}
 * (format 1) and {@code V2__group_and_epoch.sql}, whose placeholder {@code ${sluice_consumer_group}} names the
 * group the existing rows belong to. The column is {@code next_offset}, not {@code offset}, which H2 reserves.
 * Because names are quoted, they are case-sensitive: query the table as {@code "kafka_partitions"} (lower case).
 * MariaDB and MySQL quote with backticks ({@code `partition`} is a reserved word there).
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Every operation is keyed by a consumer group: two groups on one table never see or move each other's
 *       rows.</li>
 *   <li>The table is created when missing, idempotently (also when several members race to create it), on first
 *       use or by {@link #createTableIfMissing()} — unless {@link Builder#schemaManagement} is
 *       {@link SchemaManagement#NONE}, in which case the store only checks, at first use, that the table exists
 *       with the format-2 columns. Either way a format-1 or foreign table is refused.</li>
 *   <li>A partition's row is created on first use by an upsert in a short transaction of its own, before the
 *       locking transaction begins, seeded with the offset the caller gives (the offset the partition was fetched
 *       from); nobody seeds rows by hand.</li>
 *   <li>{@link #locked} runs its block in one transaction that holds the row's lock ({@code SELECT ... FOR
 *       UPDATE}), waiting at most the lock timeout for it ({@link OffsetLockTimeoutException} otherwise), and
 *       commits, or rolls back on any exception. The lock timeout applies to the row-lock statement only: the
 *       previous value is restored right after it, so the block's own statements never inherit it. Locked
 *       transactions run at {@code READ COMMITTED}, so a waiter that gets the lock reads the row as the previous
 *       holder committed it.</li>
 *   <li>Failures of the store's own statements (connecting, beginning, locking, reading or writing the row,
 *       committing, finding the table) are {@link OffsetStoreException}s, which are
 *       {@link InfrastructureFailure}s; exceptions of the caller's block or work propagate unchanged.</li>
 *   <li><b>Epochs.</b> Any backwards move of a row bumps its {@code epoch}. The store remembers, per group and
 *       partition in this process, the epoch it observed when the {@link OffsetManager} decided, when
 *       {@link #read} was called, or at the first write; a {@link #consume} or {@link #advance} that finds another
 *       epoch in the row refuses with {@link OffsetRefusedException} and writes nothing.</li>
 *   <li>The table name is validated as a plain identifier and always quoted; it is never spliced into SQL.</li>
 *   <li>Thread-safe: one store serves every partition of every topic and group.</li>
 * </ul>
 *
 * <h2>Dialects</h2>
 * H2 ({@code SET LOCK_TIMEOUT <ms>}, a session setting: the store reads the previous value, sets its own right
 * before the row lock and sets the previous one back right after, also when the lock fails; timeout SQLState
 * {@code HYT00}) and PostgreSQL ({@code lock_timeout}, set transaction-locally right before the row lock and set
 * back right after; timeout SQLState {@code 55P03}) are supported. On PostgreSQL every store transaction also sets
 * {@code idle_in_transaction_session_timeout} locally ({@link Builder#idleInTransactionTimeout}, default 30 s), so
 * a lock holder that froze mid-transaction (a stopped process, a hung call) cannot wedge its partition: the server
 * ends its session and the row lock is released. <b>H2 has no such timeout</b>: there a frozen holder keeps the
 * lock until its connection closes. MariaDB ({@link SQLDialect#MARIADB}) locks the row with {@code SELECT ... FOR
 * UPDATE WAIT n}, a timeout that belongs to that one statement, in whole seconds (the lock timeout rounded up, at
 * least 1 s); the row's upsert ({@code INSERT IGNORE}) runs with the session's {@code innodb_lock_wait_timeout} set
 * right before it and set back right after; a lock wait timeout is vendor code 1205. The store sets no idle timeout
 * on MariaDB (the server's {@code idle_transaction_timeout} is the operator's choice). MySQL
 * ({@link SQLDialect#MYSQL}) is accepted with the same code, but <b>not tested</b>: it has no {@code WAIT n}, so
 * there the row lock, too, runs with {@code innodb_lock_wait_timeout} set and restored around it. Any other dialect
 * is rejected by {@link Builder#build()} unless {@link Builder#lockTimeoutStatement} supplies its lock-timeout
 * statement.
 */
public final class PartitionOffsets implements io.sluice.dsl.VirtualOffsetAuthority {

    /** The version of the table layout documented above. */
    public static final int FORMAT_VERSION = 2;

    /** The table name used unless {@link Builder#tableName} says otherwise. */
    public static final String DEFAULT_TABLE_NAME = "kafka_partitions";
    /** The audit table of operators' moves beside the default offset table. */
    public static final String DEFAULT_MOVES_TABLE_NAME = "kafka_partition_moves";

    /** How long a locked transaction waits for a row lock unless {@link Builder#lockTimeout} says otherwise. */
    public static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofSeconds(5);

    /** PostgreSQL's idle-in-transaction timeout of the store's transactions unless the builder says otherwise. */
    public static final Duration DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT = Duration.ofSeconds(30);

    /** The longest consumer group name a row can hold. */
    public static final int MAX_CONSUMER_GROUP_LENGTH = 255;

    private static final Logger LOG = LoggerFactory.getLogger(PartitionOffsets.class);
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final int MAX_IDENTIFIER_LENGTH = 63;
    private static final String INTEGRITY_CONSTRAINT_VIOLATION_CLASS = "23";
    private static final String IDLE_IN_TRANSACTION_TIMEOUT = "25P03";
    private static final int ROW_ATTEMPTS = 3;

    private static final Field<String> GROUP =
            DSL.field(DSL.name("consumer_group"), SQLDataType.VARCHAR(MAX_CONSUMER_GROUP_LENGTH).notNull());
    private static final Field<String> TOPIC = DSL.field(DSL.name("topic"), SQLDataType.VARCHAR(255).notNull());
    private static final Field<Integer> PARTITION = DSL.field(DSL.name("partition"), SQLDataType.INTEGER.notNull());
    private static final Field<Long> NEXT_OFFSET = DSL.field(DSL.name("next_offset"), SQLDataType.BIGINT.notNull());
    private static final Field<Integer> VP = DSL.field(DSL.name("vp"), SQLDataType.INTEGER.notNull());
    private static final Field<Long> MOVED_FROM = DSL.field(DSL.name("from_offset"), SQLDataType.BIGINT.notNull());
    private static final Field<Long> MOVED_TO = DSL.field(DSL.name("to_offset"), SQLDataType.BIGINT.notNull());
    private static final Field<String> MOVED_BY = DSL.field(DSL.name("operator"), SQLDataType.VARCHAR(255).notNull());
    private static final Field<String> MOVE_COMMAND =
            DSL.field(DSL.name("command_id"), SQLDataType.VARCHAR(64).notNull());
    private static final Field<java.time.LocalDateTime> MOVED_AT =
            DSL.field(DSL.name("moved_at"), SQLDataType.LOCALDATETIME.notNull());
    private static final Field<String> MAPPING = DSL.field(DSL.name("mapping"), SQLDataType.VARCHAR(300).notNull());
    private static final Field<Long> EPOCH =
            DSL.field(DSL.name("epoch"), SQLDataType.BIGINT.notNull().defaultValue(0L));

    /**
     * Whether the store creates its table. The table's format is checked either way, at first use.
     */
    public enum SchemaManagement {
        /** Create the table when it is missing (the default). */
        CREATE_IF_MISSING,
        /**
         * Never create or alter anything: the table is managed elsewhere (e.g. with the shipped SQL migrations); the
         * store only checks at first use that it exists with the format-2 columns, failing with
         * {@link OffsetTableException} otherwise.
         */
        NONE
    }

    private final DataSource dataSource;
    private final SQLDialect dialect;
    private final StoreDialect storeDialect;
    private final String tableName;
    private final Table<?> table;
    private final Field<String> group;
    private final Field<String> topic;
    private final Field<Integer> partition;
    private final Field<Long> nextOffset;
    private final Field<Long> epoch;
    private final Duration lockTimeout;
    private final Duration idleInTransactionTimeout;
    private final SchemaManagement schemaManagement;
    private final Optional<String> poolWarning;
    private final Set<RowKey> knownRows = ConcurrentHashMap.newKeySet();
    private final Map<RowKey, Long> observedEpochs = new ConcurrentHashMap<>();
    /**
     * The row each key had when this process last committed it through {@link #consume} or {@link #advance}; an
     * {@code advance} to no further than that needs no transaction. Any other locked work forgets the key first, so
     * a row this process moved backwards is never vouched for.
     */
    private final Map<RowKey, Long> committedRows = new ConcurrentHashMap<>();
    /** What the store last read or wrote of each row, and when (see {@link #lastSeen}). */
    private final Map<RowKey, SeenOffset> seen = new ConcurrentHashMap<>();
    private volatile boolean tableReady;
    private volatile boolean virtualTableReady;
    private volatile boolean movesTableReady;
    private final Table<?> virtualTable;
    private final Field<String> vGroup;
    private final Field<String> vTopic;
    private final Field<Integer> vPartition;
    private final Field<Integer> vIndex;
    private final Field<Long> vNext;
    private final Field<String> vMapping;

    private PartitionOffsets(Builder builder, StoreDialect storeDialect) {
        this.dataSource = builder.dataSource;
        this.dialect = builder.dialect;
        this.storeDialect = storeDialect;
        this.tableName = builder.tableName;
        this.table = DSL.table(DSL.name(tableName));
        // qualified, or H2's MERGE emulation of the upsert finds "topic" ambiguous
        this.group = DSL.field(DSL.name(tableName, "consumer_group"), GROUP.getDataType());
        this.topic = DSL.field(DSL.name(tableName, "topic"), TOPIC.getDataType());
        this.partition = DSL.field(DSL.name(tableName, "partition"), PARTITION.getDataType());
        this.nextOffset = DSL.field(DSL.name(tableName, "next_offset"), NEXT_OFFSET.getDataType());
        this.epoch = DSL.field(DSL.name(tableName, "epoch"), SQLDataType.BIGINT.notNull());
        String virtualName = tableName + "_virtual";
        this.virtualTable = DSL.table(DSL.name(virtualName));
        this.vGroup = DSL.field(DSL.name(virtualName, "consumer_group"), GROUP.getDataType());
        this.vTopic = DSL.field(DSL.name(virtualName, "topic"), TOPIC.getDataType());
        this.vPartition = DSL.field(DSL.name(virtualName, "partition"), PARTITION.getDataType());
        this.vIndex = DSL.field(DSL.name(virtualName, "vp"), VP.getDataType());
        this.vNext = DSL.field(DSL.name(virtualName, "next_offset"), NEXT_OFFSET.getDataType());
        this.vMapping = DSL.field(DSL.name(virtualName, "mapping"), MAPPING.getDataType());
        this.lockTimeout = builder.lockTimeout;
        this.idleInTransactionTimeout = builder.idleInTransactionTimeout;
        this.schemaManagement = builder.schemaManagement;
        this.poolWarning = PoolSize.warning(dataSource, builder.expectedConcurrency);
        poolWarning.ifPresent(LOG::warn);
    }

    /**
     * Starts building a store on {@code dataSource}, speaking {@code dialect}.
     *
     * @param dataSource where connections come from; each transaction takes one and gives it back
     * @param dialect    the database's dialect; H2, PostgreSQL and MariaDB (any version) are supported and tested,
     *                   MySQL is accepted but not tested
     */
    public static Builder builder(DataSource dataSource, SQLDialect dialect) {
        return new Builder(dataSource, dialect);
    }

    /** A store with the default settings; shorthand for {@code builder(...).build()}. */
    public static PartitionOffsets create(DataSource dataSource, SQLDialect dialect) {
        return builder(dataSource, dialect).build();
    }

    /** The unquoted table name; quoted in every statement. */
    public String tableName() {
        return tableName;
    }

    /** The dialect statements are rendered for. */
    public SQLDialect dialect() {
        return dialect;
    }

    /** How long a locked transaction waits for a row lock. */
    public Duration lockTimeout() {
        return lockTimeout;
    }

    /** PostgreSQL's idle-in-transaction timeout of the store's transactions; zero when not set. */
    public Duration idleInTransactionTimeout() {
        return idleInTransactionTimeout;
    }

    /** Whether the store creates its table when missing. */
    public SchemaManagement schemaManagement() {
        return schemaManagement;
    }

    /**
     * Makes sure the table is usable: creates it when missing (unless {@link SchemaManagement#NONE}) and checks that
     * it has the format-2 columns. Idempotent; safe when several processes race. Called on first use anyway; call it
     * early to fail fast.
     *
     * @throws OffsetTableException            when the table is missing under {@code NONE}, is of format 1 (the
     *                                         message names the migration), or lacks format-2 columns
     * @throws OffsetStoreUnavailableException when the database cannot be reached or the table cannot be created
     */
    public void createTableIfMissing() {
        if (tableReady) {
            return;
        }
        withConnection("prepare the offset table", ctx -> {
            TableFormat format = format(ctx);
            if (format == TableFormat.MISSING) {
                if (schemaManagement == SchemaManagement.NONE) {
                    throw new OffsetTableException("offset table \"" + tableName + "\" does not exist and schema"
                            + " management is NONE: create it with the SQL migrations db/sluice/"
                            + storeDialect.directory() + "/V1__kafka_partitions.sql and V2__group_and_epoch.sql"
                            + " (or use SchemaManagement.CREATE_IF_MISSING)", null);
                }
                create(ctx);
                format = format(ctx);
            }
            requireCurrent(format);
            return null;
        });
        tableReady = true;
    }

    /**
     * Migrates a format-1 table (keyed by topic and partition only) to format 2 in place: adds
     * {@code consumer_group}, assigning {@code consumerGroup} to every existing row, adds {@code epoch} (0), and
     * re-keys the table by (group, topic, partition). Run it once, while no consumer uses the table. Does nothing
     * when the table is already of format 2. On PostgreSQL the migration is one transaction; on H2 and MariaDB
     * each DDL statement commits on its own.
     *
     * @param consumerGroup the group the existing rows belong to (the {@code group.id} that consumed with them)
     * @return how many rows were assigned to {@code consumerGroup}; 0 when the table was already of format 2
     * @throws OffsetTableException            when the table is missing or of an unknown format
     * @throws OffsetStoreUnavailableException when the database fails
     */
    public int migrateToV2(String consumerGroup) {
        String g = validateGroup(consumerGroup);
        Connection connection = connect();
        try {
            DSLContext ctx = DSL.using(connection, dialect);
            TableFormat format = format(ctx);
            if (format == TableFormat.V2) {
                LOG.info("offset table \"{}\" is already of format 2: nothing to migrate", tableName);
                tableReady = true;
                return 0;
            }
            if (format != TableFormat.V1) {
                requireCurrent(format);
            }
            Transaction transaction = Transaction.begin(connection);
            try {
                String t = ctx.render(DSL.name(tableName));
                String groupColumn = ctx.render(DSL.name("consumer_group"));
                String groupType = "VARCHAR(" + MAX_CONSUMER_GROUP_LENGTH + ")";
                ctx.execute("ALTER TABLE " + t + " ADD COLUMN " + groupColumn + " " + groupType);
                int rows = ctx.execute("UPDATE " + t + " SET " + groupColumn + " = ?", g);
                storeDialect.setNotNull(ctx, tableName, "consumer_group", groupType);
                ctx.execute("ALTER TABLE " + t + " ADD COLUMN " + ctx.render(DSL.name("epoch"))
                        + " BIGINT DEFAULT 0 NOT NULL");
                storeDialect.dropPrimaryKey(ctx, tableName);
                ctx.execute("ALTER TABLE " + t + " ADD PRIMARY KEY (" + groupColumn + ", "
                        + ctx.render(DSL.name("topic")) + ", " + ctx.render(DSL.name("partition")) + ")");
                transaction.commit();
                LOG.warn("offset table \"{}\" migrated to format 2: {} row(s) assigned to consumer group '{}'",
                        tableName, rows, g);
                requireCurrent(format(ctx));
                tableReady = true;
                return rows;
            } catch (RuntimeException e) {
                transaction.rollbackAfter(e);
                if (e instanceof OffsetStoreException) {
                    throw e;
                }
                throw new OffsetStoreUnavailableException("migrating offset table \"" + tableName
                        + "\" to format 2 failed: " + e.getMessage(), e);
            } finally {
                transaction.restore();
            }
        } finally {
            closeQuietly(connection);
        }
    }

    /**
     * The stored next offset of {@code topicPartition} for {@code consumerGroup}, read without locking; empty when
     * its row does not exist yet. Creates no row, and does not change what the store remembers (unlike
     * {@link #read}): meant for dashboards and tools.
     *
     * @throws OffsetStoreException when the table is unusable or the database fails
     */
    public OptionalLong nextOffset(String consumerGroup, TopicPartition topicPartition) {
        Record2<Long, Long> row = readRow(new RowKey(validateGroup(consumerGroup), topicPartition));
        return row == null ? OptionalLong.empty() : OptionalLong.of(row.value1());
    }

    /**
     * The stored next offset of {@code topicPartition} for {@code consumerGroup}, read without locking and without
     * creating a row; empty when nothing is stored yet. The runtime calls it when the partition is assigned: the
     * store remembers the row's epoch it read, so a later {@link #consume} or {@link #advance} after someone moved
     * the row backwards is refused.
     *
     * @throws OffsetStoreException when the table is unusable or the database fails
     */
    @Override
    public OptionalLong read(String consumerGroup, TopicPartition topicPartition) {
        RowKey key = new RowKey(validateGroup(consumerGroup), topicPartition);
        Record2<Long, Long> row = readRow(key);
        if (row == null) {
            observedEpochs.remove(key);
            return OptionalLong.empty();
        }
        observedEpochs.put(key, row.value2());
        seen.put(key, new SeenOffset(row.value1(), Instant.now()));
        return OptionalLong.of(row.value1());
    }

    /**
     * A row's next offset as this store last read it or wrote it — under the row lock, or in the enforcement read —
     * and when; empty when this process has not touched the row. Never queries the database, so a report or a page
     * may call it as often as it likes (the console's reporter does: {@code ReporterSettings.withDatabaseOffsets}).
     */
    public Optional<SeenOffset> lastSeen(String consumerGroup, TopicPartition topicPartition) {
        return Optional.ofNullable(seen.get(new RowKey(validateGroup(consumerGroup), topicPartition)));
    }

    /**
     * A row's next offset as the store saw it, and when.
     *
     * @param nextOffset the row's next offset
     * @param at         when it was read or written
     */
    public record SeenOffset(long nextOffset, Instant at) {
    }

    /**
     * Durably moves the stored next offset of {@code topicPartition} for {@code consumerGroup} up to
     * {@code nextOffset} in a locked transaction; never moves it back. A missing row is created at
     * {@code nextOffset}.
     *
     * @throws OffsetRefusedException     when the row's epoch is not the one this process observed (someone moved
     *                                    the row backwards since); nothing is written
     * @throws OffsetLockTimeoutException when another transaction held the row lock past the lock timeout
     * @throws OffsetStoreException       when the table is unusable or the database fails
     */
    @Override
    public void advance(String consumerGroup, TopicPartition topicPartition, long nextOffset) {
        RowKey key = new RowKey(validateGroup(consumerGroup), topicPartition);
        Long committed = committedRows.get(key);
        if (committed != null && nextOffset <= committed) {
            return; // this process's own transaction already moved the row at least that far
        }
        long[] seen = new long[2];
        locked(consumerGroup, topicPartition, nextOffset, row -> {
            refuseOnEpoch(key, row, nextOffset);
            seen[0] = row.advanceTo(nextOffset);
            seen[1] = row.epoch();
            return null;
        });
        observedEpochs.putIfAbsent(key, seen[1]);
        committedRows.merge(key, seen[0], Math::max);
    }

    /**
     * Runs {@code work} in one transaction holding the row lock of {@code topicPartition} for
     * {@code consumerGroup}, creating the row seeded with {@code seedOffset} first if it does not exist yet.
     *
     * <p>A missing row is created by an upsert in a short transaction of its own, before the locking transaction
     * begins. The locking transaction locks the row ({@code SELECT ... FOR UPDATE}, with the lock timeout on that
     * statement only), runs the block, and commits when it returns (or rolls back if it called
     * {@link LockedRow#setRollbackOnly()}). If anything throws, it rolls back and the exception propagates: the
     * block's own exception unchanged, a lock wait past the timeout as {@link OffsetLockTimeoutException}, other
     * failures of the store's statements as {@link OffsetStoreException}. The block runs at most once.
     *
     * @param consumerGroup  the consumer group whose row it is, never {@code null}
     * @param topicPartition the partition, never {@code null}
     * @param seedOffset     the next offset of a row created now: the offset the partition was fetched from
     * @param work           the block; runs once, on this thread
     * @return what the block returned
     * @throws E                          what the block threw
     * @throws OffsetLockTimeoutException when another transaction held the row lock past the lock timeout
     * @throws OffsetStoreException       when the table is unusable or the database fails
     */
    public <R, E extends Exception> R locked(String consumerGroup, TopicPartition topicPartition, long seedOffset,
                                             LockedWork<R, E> work) throws E {
        RowKey key = new RowKey(validateGroup(consumerGroup), topicPartition);
        Objects.requireNonNull(work, "work");
        if (seedOffset < 0) {
            throw new IllegalArgumentException("seed offset must be >= 0, was " + seedOffset + " for "
                    + topicPartition);
        }
        createTableIfMissing();
        committedRows.remove(key);
        for (int attempt = 1; ; attempt++) {
            boolean created = false;
            if (!knownRows.contains(key)) {
                created = createRow(key, seedOffset);
                knownRows.add(key);
            }
            Connection connection = connect();
            try {
                return inTransaction(connection, key, created, work);
            } catch (RowMissing e) {
                // deleted between its upsert and the lock (by hand): the block has not run; create it again
                knownRows.remove(key);
                if (attempt >= ROW_ATTEMPTS) {
                    throw new OffsetStoreUnavailableException("offset row of " + key + " could not be created and"
                            + " locked after " + attempt + " attempts", null);
                }
                LOG.warn("offset row of {} vanished before it was locked; creating it again", key);
            } finally {
                closeQuietly(connection);
            }
        }
    }

    /**
     * Applies a batch exactly once, the user's work written with jOOQ: the work and the partition's next offset
     * commit in one transaction, and Kafka is marked only after that commit. Call it from {@code Consumer.consume}
     * of an offset-managed topic. The row is the one of {@code context.consumerGroup()}.
     *
     * <p>If {@code context.revoked()}: nothing is done, nothing marked, and 0 returned. Otherwise, inside
     * {@link #locked}, seeded with the batch's fetch offset:
     * <ol>
     *   <li>if {@code context.revoked()}: roll back, apply nothing, mark nothing, return 0;</li>
     *   <li><b>refuse</b> — roll back, mark nothing, throw {@link OffsetRefusedException} — when the row's epoch is
     *       not the one this process observed (the row was moved backwards since), when the batch was fetched from
     *       above the row ({@code batch.fetchOffset() > row}: the offsets between would be skipped), or when the row
     *       lies beyond the log end observed with this fetch, when known ({@code context.logEndOffset()}; the
     *       fetch itself shows the log reaches at least the batch's next offset);</li>
     *   <li>drop every message below the row's next offset (<em>fencing</em>: a member that lost the partition
     *       without knowing can never apply a message twice, because the new owner moved the row past it);</li>
     *   <li>if nothing is left: run no work; when the batch's settled end lies above the row, move the row there
     *       (what lies between reached no consumer: the chain dropped it or it holds no record) and mark it after
     *       the commit; otherwise write nothing and mark {@code min(row, batch.nextOffset())} — everything below
     *       the row is applied already, so this only lets Kafka's copy catch up, and never covers more than this
     *       batch;</li>
     *   <li>otherwise run {@code work} on the messages left, set the row to
     *       {@code max(row, batch.nextOffset())} (the batch's settled end, which steps over compaction gaps and
     *       never moves the row back), commit, and only then {@code context.markAsConsumed(newNextOffset)}.</li>
     * </ol>
     * Any exception rolls back the work and the offset together, marks nothing, and propagates: the work's own
     * exceptions unchanged (the runtime decides by their kind whether they are the message's fault), the store's
     * as {@link OffsetStoreException}s. An empty batch does nothing.
     *
     * @param context the consumer's context for the batch's partition
     * @param batch   the batch the consumer received
     * @param work    the consumer's database work
     * @return how many messages {@code work} applied: 0 when revoked or all were applied before
     * @throws Exception                  what {@code work} threw
     * @throws OffsetRefusedException     when the batch does not continue from the row (see above)
     * @throws OffsetLockTimeoutException when another transaction held the row lock past the lock timeout
     * @throws OffsetStoreException       when the table is unusable or the database fails
     * @throws IllegalArgumentException   when the batch is of another partition than the context
     */
    public <K, V> int consume(ConsumerContext context, Batch<K, V> batch, TransactionalWork<K, V> work)
            throws Exception {
        Objects.requireNonNull(work, "work");
        return consumeLocked(context, batch, (row, messages) -> work.apply(row.tx(), messages));
    }

    /**
     * Applies a batch exactly once, the user's work written with plain JDBC on the transaction's
     * {@link Connection}; otherwise exactly like {@link #consume}. (A separate name, not an overload of
     * {@code consume}, so that implicitly typed lambdas {@code (tx, messages) -> ...} stay unambiguous.)
     *
     * @param context the consumer's context for the batch's partition
     * @param batch   the batch the consumer received
     * @param work    the consumer's database work on the transaction's connection
     * @return how many messages {@code work} applied: 0 when revoked or all were applied before
     * @throws Exception                  what {@code work} threw
     * @throws OffsetRefusedException     when the batch does not continue from the row
     * @throws OffsetLockTimeoutException when another transaction held the row lock past the lock timeout
     * @throws OffsetStoreException       when the table is unusable or the database fails
     * @throws IllegalArgumentException   when the batch is of another partition than the context
     */
    public <K, V> int consumeJdbc(ConsumerContext context, Batch<K, V> batch, JdbcWork<K, V> work)
            throws Exception {
        Objects.requireNonNull(work, "work");
        return consumeLocked(context, batch, (row, messages) -> work.apply(row.connection(), messages));
    }

    // ------------------------------------------------------------------------------------ virtual partitions

    /**
     * The name of the table of virtual-partition rows: the offset table's name with {@code _virtual} appended. Its
     * rows are keyed by {@code (consumer_group, topic, partition, vp)} and hold {@code next_offset} (every message of
     * that virtual partition below it is applied) and {@code mapping} (the count and partitioner id they belong to).
     */
    public String virtualTableName() {
        return tableName + "_virtual";
    }

    /**
     * The name of the audit table of operators' moves: {@value #DEFAULT_MOVES_TABLE_NAME} beside the default offset
     * table, else the offset table's name with {@code _moves} appended. A row per move: group, topic, partition, from
     * and to offsets, the operator, the command id and the time. Created on the first move (unless schema
     * management is {@code NONE}).
     */
    public String movesTableName() {
        return tableName.equals(DEFAULT_TABLE_NAME) ? DEFAULT_MOVES_TABLE_NAME : tableName + "_moves";
    }

    /**
     * Moves the row for an operator ({@link OffsetMove}): under the row lock, only while the row's next offset is
     * still {@code expected}; the move and its audit row commit together. A backwards move bumps the row's epoch,
     * so every writer that saw the row before — this process's own jobs included — is refused until the partition
     * is enforced again. A missing row is not created: the move is {@code PREVENTED}.
     *
     * @throws OffsetLockTimeoutException when another transaction held the row lock past the lock timeout
     * @throws OffsetStoreException       when the table is unusable or the database fails
     */
    @Override
    public OffsetMove.Outcome move(OffsetMove move) {
        RowKey key = new RowKey(validateGroup(move.consumerGroup()), move.topicPartition());
        if (nextOffset(move.consumerGroup(), move.topicPartition()).isEmpty()) {
            return OffsetMove.Outcome.PREVENTED;
        }
        createMovesTableIfMissing();
        long[] epochBefore = new long[1];
        OffsetMove.Outcome outcome = locked(move.consumerGroup(), move.topicPartition(), move.expected(), row -> {
            if (row.nextOffset() != move.expected()) {
                return OffsetMove.Outcome.PREVENTED;
            }
            epochBefore[0] = row.epoch();
            row.moveTo(move.target());
            row.tx().insertInto(DSL.table(DSL.name(movesTableName())))
                    .columns(GROUP, TOPIC, PARTITION, MOVED_FROM, MOVED_TO, MOVED_BY, MOVE_COMMAND, MOVED_AT)
                    .values(key.group(), key.topicPartition().topic(), key.topicPartition().partition(),
                            move.expected(), move.target(), move.operator(), move.commandId(),
                            java.time.LocalDateTime.now(java.time.ZoneOffset.UTC))
                    .execute();
            return OffsetMove.Outcome.MOVED;
        });
        if (outcome == OffsetMove.Outcome.MOVED) {
            // what this process remembers of the row is void: the next enforcement reads it (and its epoch) anew.
            // Until then this process's own writers hold the epoch from before the move, so that a job launched
            // before it (a batch, a dead letter's or an idle advance) is refused rather than undo a rewind.
            committedRows.remove(key);
            observedEpochs.put(key, epochBefore[0]);
            LOG.info("operator {} moved the offset row of {} from {} to {} (command {})", move.operator(), key,
                    move.expected(), move.target(), move.commandId());
        }
        return outcome;
    }

    private void createMovesTableIfMissing() {
        if (movesTableReady) {
            return;
        }
        withConnection("prepare the moves table", ctx -> {
            if (schemaManagement == SchemaManagement.NONE) {
                return null;
            }
            ctx.createTableIfNotExists(DSL.table(DSL.name(movesTableName())))
                    .column(GROUP).column(TOPIC).column(PARTITION).column(MOVED_FROM).column(MOVED_TO)
                    .column(MOVED_BY).column(MOVE_COMMAND).column(MOVED_AT)
                    .execute();
            return null;
        });
        movesTableReady = true;
    }

    private void createVirtualTableIfMissing() {
        createTableIfMissing();
        if (virtualTableReady) {
            return;
        }
        withConnection("prepare the virtual-partition table", ctx -> {
            if (!probeVirtual(ctx)) {
                if (schemaManagement == SchemaManagement.NONE) {
                    throw new OffsetTableException("virtual-partition table \"" + virtualTableName() + "\" does not"
                            + " exist and schema management is NONE", null);
                }
                try {
                    ctx.createTableIfNotExists(virtualTable)
                            .column(GROUP).column(TOPIC).column(PARTITION).column(VP).column(NEXT_OFFSET)
                            .column(MAPPING)
                            .constraints(DSL.primaryKey(GROUP, TOPIC, PARTITION, VP))
                            .execute();
                    LOG.info("virtual-partition table \"{}\" created", virtualTableName());
                } catch (DataAccessException e) {
                    if (!probeVirtual(ctx)) {
                        throw e;
                    }
                }
            }
            return null;
        });
        virtualTableReady = true;
    }

    private boolean probeVirtual(DSLContext ctx) {
        try {
            ctx.select(vGroup, vTopic, vPartition, vIndex, vNext, vMapping).from(virtualTable)
                    .where(DSL.falseCondition()).fetch();
            return true;
        } catch (DataAccessException e) {
            if (InfrastructureFailure.isInfrastructure(e)) {
                throw new OffsetStoreUnavailableException("offset store: cannot inspect table \""
                        + virtualTableName() + "\": " + e.getMessage(), e);
            }
            return false;
        }
    }

    private Condition virtualRowsOf(RowKey key) {
        return vGroup.eq(key.group())
                .and(vTopic.eq(key.topicPartition().topic()))
                .and(vPartition.eq(key.topicPartition().partition()));
    }

    @Override
    public Stored readVirtual(String consumerGroup, TopicPartition topicPartition) {
        RowKey key = new RowKey(validateGroup(consumerGroup), topicPartition);
        createVirtualTableIfMissing();
        OptionalLong w = read(consumerGroup, topicPartition);
        return withConnection("read the virtual-partition rows of " + key, ctx -> {
            Map<Integer, Long> rows = new java.util.HashMap<>();
            Optional<String> mapping = Optional.empty();
            for (var r : ctx.select(vIndex, vNext, vMapping).from(virtualTable).where(virtualRowsOf(key)).fetch()) {
                rows.put(r.value1(), r.value2());
                mapping = Optional.of(r.value3());
            }
            return new Stored(w, mapping, rows);
        });
    }

    @Override
    public Optional<String> advanceWatermark(String consumerGroup, TopicPartition topicPartition, long watermark,
                                             String mapping, int count, boolean drained) {
        RowKey key = new RowKey(validateGroup(consumerGroup), topicPartition);
        createVirtualTableIfMissing();
        long[] seen = new long[2];
        Optional<String> after = locked(consumerGroup, topicPartition, watermark, row -> {
            refuseOnEpoch(key, row, watermark);
            long w = row.advanceTo(watermark);
            seen[0] = w;
            seen[1] = row.epoch();
            DSLContext tx = row.tx();
            // lock order: W (above), then every virtual-partition row in ascending order
            var rows = ownStatement(key, "lock the virtual-partition rows", () -> storeDialect.withLockTimeout(tx,
                    lockTimeout, () -> tx.select(vIndex, vNext, vMapping).from(virtualTable)
                            .where(virtualRowsOf(key)).orderBy(vIndex.asc()).forUpdate().fetch()));
            Optional<String> stored = rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0).value3());
            if (stored.equals(Optional.of(mapping)) || !drained) {
                return stored;
            }
            for (var r : rows) {
                if (r.value2() > w) {
                    LOG.info("{}: virtual partition {} is at {} above the watermark {}: not a drain point yet", key,
                            r.value1(), r.value2(), w);
                    return stored;
                }
            }
            ownStatement(key, "replace the virtual-partition rows", () -> {
                tx.deleteFrom(virtualTable).where(virtualRowsOf(key)).execute();
                for (int v = 0; v < count; v++) {
                    tx.insertInto(virtualTable, vGroup, vTopic, vPartition, vIndex, vNext, vMapping)
                            .values(key.group(), topicPartition.topic(), topicPartition.partition(), v, w, mapping)
                            .execute();
                }
                return null;
            });
            LOG.info("{}: virtual-partition rows {} at {} (mapping {}, was {})", key,
                    stored.isEmpty() ? "created" : "replaced", w, mapping, stored.orElse("none"));
            return Optional.of(mapping);
        });
        observedEpochs.putIfAbsent(key, seen[1]);
        committedRows.merge(key, seen[0], Math::max);
        return after;
    }

    @Override
    public void advanceVirtual(String consumerGroup, TopicPartition topicPartition, int virtualPartition,
                               String mapping, long next) throws Exception {
        RowKey key = new RowKey(validateGroup(consumerGroup), topicPartition);
        createVirtualTableIfMissing();
        inVirtualRow(key, virtualPartition, mapping, next, (tx, connection, stored) -> {
            if (next > stored) {
                writeVirtual(tx, key, virtualPartition, next);
            }
            return null;
        });
    }

    /** What runs under one virtual-partition row's lock. */
    @FunctionalInterface
    private interface VirtualWork<R> {
        R run(DSLContext tx, Connection connection, long stored) throws Exception;
    }

    /**
     * Runs {@code work} in one transaction holding the lock of virtual partition {@code v}'s row; refuses when the
     * row is missing (rows are created only at a drain point, never by a group) or belongs to another mapping.
     */
    private <R> R inVirtualRow(RowKey key, int v, String mapping, long offset, VirtualWork<R> work) throws Exception {
        Connection connection = connect();
        try {
            Transaction transaction = Transaction.begin(connection);
            try {
                DSLContext tx = DSL.using(connection, dialect);
                ownStatement(key, "begin", () -> {
                    storeDialect.begin(tx, idleInTransactionTimeout);
                    return null;
                });
                var row = ownStatement(key, "lock virtual partition " + v, () -> storeDialect.lockRow(tx,
                        tx.select(vNext, vMapping).from(virtualTable).where(virtualRowsOf(key).and(vIndex.eq(v))),
                        lockTimeout));
                if (row == null) {
                    throw refused(key, -1, offset, "virtual partition " + v + " has no row (rows are created at a"
                            + " drain point of the partition's mapping)");
                }
                if (!row.value2().equals(mapping)) {
                    throw refused(key, row.value1(), offset, "virtual partition " + v + " belongs to mapping "
                            + row.value2() + ", this member runs " + mapping);
                }
                R result = work.run(tx, connection, row.value1());
                transaction.commit(this, key);
                return result;
            } catch (Throwable t) {
                transaction.rollbackAfter(t);
                throw t;
            } finally {
                transaction.restore();
            }
        } finally {
            closeQuietly(connection);
        }
    }

    /**
     * Where a partition with virtual partitions resumes, under its W lock: {@code max(W, min over all n of r_v)},
     * n being the stored mapping's count (else {@code ownCount}), a missing row counting as nothing applied.
     */
    long virtualStart(LockedRow row, int ownCount) {
        createVirtualTableIfMissing();
        RowKey key = new RowKey(row.consumerGroup(), row.topicPartition());
        DSLContext tx = row.tx();
        Map<Integer, Long> rows = new java.util.HashMap<>();
        String mapping = null;
        for (var r : ownStatement(key, "read the virtual-partition rows", () -> tx.select(vIndex, vNext, vMapping)
                .from(virtualTable).where(virtualRowsOf(key)).fetch())) {
            rows.put(r.value1(), r.value2());
            mapping = r.value3();
        }
        int count = mapping == null ? ownCount : Integer.parseInt(mapping.substring(0, mapping.indexOf(':')));
        return new Stored(OptionalLong.of(row.nextOffset()), Optional.ofNullable(mapping), rows).start(count)
                .orElse(row.nextOffset());
    }

    private void writeVirtual(DSLContext tx, RowKey key, int v, long next) {
        ownStatement(key, "write virtual partition " + v, () -> tx.update(virtualTable).set(vNext, next)
                .where(virtualRowsOf(key).and(vIndex.eq(v))).execute());
    }

    /**
     * {@link #consume} for a group of one virtual partition: its own row only. Refuses as the whole-partition
     * consume does, against {@code max(r_v, W)} (W read without a lock), and fences below it.
     */
    private <K, V> int consumeVirtual(RowKey key, ConsumerContext context, Batch<K, V> batch, RowWork<K, V> work,
                                      boolean fencing) throws Exception {
        int v = context.virtualPartition().getAsInt();
        String mapping = context.virtualMapping().orElseThrow(
                () -> new IllegalStateException("a virtual partition's context names no mapping"));
        createVirtualTableIfMissing();
        long[] mark = {-1};
        int applied = inVirtualRow(key, v, mapping, batch.fetchOffset(), (tx, connection, stored) -> {
            if (fencing && context.revoked()) {
                return 0;
            }
            Long w = ownStatement(key, "read", () -> tx.select(nextOffset).from(table).where(rowOf(key))
                    .fetchOne(nextOffset));
            long floor = Math.max(stored, w == null ? -1 : w);
            if (fencing && batch.fetchOffset() > floor) {
                throw refused(key, floor, batch.fetchOffset(), "the group of virtual partition " + v + " was"
                        + " fetched from above max(r_v, W): offsets " + floor + ".." + (batch.fetchOffset() - 1)
                        + " would be skipped");
            }
            List<Message<K, V>> fresh = fencing
                    ? batch.stream().filter(m -> m.offset() >= floor).toList()
                    : batch.messages();
            if (fresh.size() < batch.size()) {
                LOG.debug("{}: fenced {} message(s) of the group {} of virtual partition {} below the stored next"
                        + " offset max(r_v, W) {}", key, batch.size() - fresh.size(), batch, v, floor);
            }
            if (!fresh.isEmpty()) {
                work.apply(new LockedRow(this, tx, connection, key.group(), key.topicPartition(), stored, 0, false),
                        fresh);
            }
            if (batch.nextOffset() > stored) {
                writeVirtual(tx, key, v, batch.nextOffset());
            }
            mark[0] = Math.max(stored, batch.nextOffset());
            return fresh.size();
        });
        if (mark[0] >= 0 && !context.markAsConsumed(mark[0])) {
            LOG.debug("{} revoked after the group of virtual partition {} committed", key, v);
        }
        return applied;
    }

    /** The warning {@link Builder#expectedConcurrency} logged at build time, if any (for tests). */
    Optional<String> poolWarning() {
        return poolWarning;
    }

    @Override
    public String toString() {
        return "PartitionOffsets[" + dialect.getName() + " \"" + tableName + "\" lockTimeout=" + lockTimeout + "]";
    }

    /** Records the epoch the offset manager saw when it decided, committed. */
    void observedEpoch(String consumerGroup, TopicPartition topicPartition, long observed) {
        observedEpochs.put(new RowKey(consumerGroup, topicPartition), observed);
    }

    void writeRow(DSLContext tx, String consumerGroup, TopicPartition topicPartition, long next, long newEpoch) {
        RowKey key = new RowKey(consumerGroup, topicPartition);
        int updated = ownStatement(key, "write", () -> tx.update(table)
                .set(this.nextOffset, next)
                .set(this.epoch, newEpoch)
                .where(rowOf(key))
                .execute());
        if (updated != 1) {
            throw new OffsetStoreUnavailableException("offset row of " + key + " vanished while locked (" + updated
                    + " rows updated)", null);
        }
    }

    /** The work of {@link #consume} or {@link #consumeJdbc} on the locked row. */
    @FunctionalInterface
    private interface RowWork<K, V> {
        void apply(LockedRow row, List<Message<K, V>> messages) throws Exception;
    }

    private <K, V> int consumeLocked(ConsumerContext context, Batch<K, V> batch, RowWork<K, V> work)
            throws Exception {
        TopicPartition tp = checkBatch(context, batch);
        if (batch.isEmpty()) {
            return 0;
        }
        RowKey key = new RowKey(validateGroup(context.consumerGroup()), tp);
        TestHooks.beforeRowLock(tp, batch);
        boolean fencing = TestHooks.fencing();
        if (fencing && context.revoked()) {
            LOG.debug("{} revoked before its batch {} was applied: nothing applied", tp, batch);
            return 0;
        }
        if (context.virtualPartition().isPresent()) {
            return consumeVirtual(key, context, batch, work, fencing);
        }
        Consumed consumed = locked(key.group(), tp, batch.fetchOffset(),
                row -> applyLocked(key, row, context, batch, work, fencing, false));
        observedEpochs.putIfAbsent(key, consumed.epoch());
        if (consumed.mark().isPresent()) {
            committedRows.merge(key, consumed.mark().getAsLong(), Math::max);
            if (!context.markAsConsumed(consumed.mark().getAsLong())) {
                // revoked after the commit: the row is the truth, the next owner enforces it
                LOG.debug("{} revoked after its batch {} was committed: Kafka's copy is not marked", tp, batch);
            }
        }
        return consumed.applied();
    }

    private static TopicPartition checkBatch(ConsumerContext context, Batch<?, ?> batch) {
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(batch, "batch");
        TopicPartition tp = batch.topicPartition();
        if (!tp.equals(context.topicPartition())) {
            throw new IllegalArgumentException("batch of " + tp + " consumed with the context of "
                    + context.topicPartition());
        }
        return tp;
    }

    /**
     * What {@link #consume} does under the row lock: the revoked check, the refuse rule, fencing, the work, the row's
     * advance. A revoked partition rolls back (own transaction) or throws (a joined transaction, whose owner must
     * roll back).
     */
    private <K, V> Consumed applyLocked(RowKey key, LockedRow row, ConsumerContext context, Batch<K, V> batch,
                                        RowWork<K, V> work, boolean fencing, boolean joined) throws Exception {
        TopicPartition tp = key.topicPartition();
        if (fencing && context.revoked()) {
            LOG.debug("{} revoked before its batch {} was applied: nothing applied", tp, batch);
            if (joined) {
                throw new PartitionRevokedException(tp);
            }
            row.setRollbackOnly();
            return new Consumed(0, OptionalLong.empty(), row.epoch());
        }
        long stored = row.nextOffset();
        if (fencing) {
            refuse(key, row, batch, context);
        }
        List<Message<K, V>> fresh = fencing
                ? batch.stream().filter(m -> m.offset() >= stored).toList()
                : batch.messages();
        if (fresh.isEmpty()) {
            LOG.debug("{}: every message of {} is below the stored next offset {}: nothing applied",
                    key, batch, stored);
            if (fencing && batch.nextOffset() > stored) {
                // what lies between the row and the batch's settled end reached no consumer: the chain dropped it,
                // or it holds no record; the row steps over it as it would after applying (docs/architecture.md,
                // "One batch, transactionally")
                return new Consumed(0, OptionalLong.of(row.advanceTo(batch.nextOffset())), row.epoch());
            }
            return new Consumed(0, OptionalLong.of(Math.min(stored, batch.nextOffset())), row.epoch());
        }
        if (fresh.size() < batch.size()) {
            LOG.info("{}: fenced {} message(s) of {} below the stored next offset {}", key,
                    batch.size() - fresh.size(), batch, stored);
        }
        work.apply(row, fresh);
        return new Consumed(fresh.size(), OptionalLong.of(row.advanceTo(batch.nextOffset())), row.epoch());
    }

    /**
     * Applies a batch exactly once inside a transaction <b>the caller owns</b> and has already begun on
     * {@code connection}: the integration seam for transaction managers such as Spring's (the
     * {@code sluice-spring-tx} module uses it); applications call {@link #consume} or {@link #consumeJdbc}
     * instead, or that module.
     *
     * <p>It does what {@link #consume} does, with these differences. The partition's row is created, when missing,
     * by an upsert in a short transaction of the store's own on another connection of the store's data source,
     * before anything happens on {@code connection}. On {@code connection} the row is locked with the lock timeout
     * set right before the lock and set back right after it (PostgreSQL and H2) or bound to the lock statement
     * alone (MariaDB's {@code WAIT n}), so that no timeout of the store reaches the caller's statements; no idle
     * timeout is set, and the transaction's isolation and auto-commit are left alone. The store never commits,
     * rolls back or closes {@code connection}. When the partition is revoked it throws
     * {@link PartitionRevokedException}, so that the owner rolls back; every other failure propagates as from
     * {@link #consume}, and the owner must roll back then too. Kafka is not marked here: the caller calls
     * {@link JoinedBatch#committed()} once the transaction has committed (and
     * {@link JoinedBatch#rolledBack()} when it did not).
     *
     * <p>Under REPEATABLE READ or SERIALIZABLE a row created after the transaction's snapshot may be invisible to it
     * (PostgreSQL); that, and serialization failures and deadlocks of the lock, fail with
     * {@link OffsetStoreException}, an infrastructure failure, and a retry in a new transaction succeeds.
     *
     * @param connection the connection of the caller's transaction: auto-commit off
     * @param context    the consumer's context for the batch's partition
     * @param batch      the batch the consumer received
     * @param work       the consumer's database work on {@code connection}
     * @return what was applied and what to mark once the transaction commits
     * @throws Exception                  what {@code work} threw
     * @throws PartitionRevokedException  when {@code context.revoked()}: nothing was applied
     * @throws OffsetRefusedException     when the batch does not continue from the row
     * @throws OffsetLockTimeoutException when another transaction held the row lock past the lock timeout
     * @throws OffsetStoreException       when the table is unusable or the database fails
     * @throws IllegalStateException      when {@code connection} is in auto-commit mode (no transaction would hold
     *                                    the row lock)
     * @throws IllegalArgumentException   when the batch is of another partition than the context
     * @throws UnsupportedOperationException for a group of a virtual partition (not supported yet)
     */
    public <K, V> JoinedBatch consumeJoined(Connection connection, ConsumerContext context, Batch<K, V> batch,
                                            JdbcWork<K, V> work) throws Exception {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(work, "work");
        TopicPartition tp = checkBatch(context, batch);
        if (context.virtualPartition().isPresent()) {
            // a group's transaction must lock only its own virtual-partition row, which a joined transaction cannot
            // do yet: refuse rather than move the partition's watermark from a group
            throw new UnsupportedOperationException("consumeJoined does not support virtual partitions yet ("
                    + tp + ", virtual partition " + context.virtualPartition().getAsInt() + "); use consume or"
                    + " consumeJdbc");
        }
        requireTransaction(connection);
        if (batch.isEmpty()) {
            return new JoinedBatch(this, context, 0, OptionalLong.empty(), 0);
        }
        RowKey key = new RowKey(validateGroup(context.consumerGroup()), tp);
        TestHooks.beforeRowLock(tp, batch);
        boolean fencing = TestHooks.fencing();
        if (fencing && context.revoked()) {
            LOG.debug("{} revoked before its batch {} was applied: nothing applied", tp, batch);
            throw new PartitionRevokedException(tp);
        }
        createTableIfMissing();
        boolean created = false;
        if (!knownRows.contains(key)) {
            created = createRow(key, batch.fetchOffset());
            knownRows.add(key);
        }
        DSLContext tx = DSL.using(connection, dialect);
        LockedRow row;
        try {
            row = lockRow(tx, connection, key, created);
        } catch (RowMissing e) {
            knownRows.remove(key);
            throw new OffsetStoreUnavailableException("offset row of " + key + " is not visible to the joined"
                    + " transaction (deleted, or created after the snapshot of a REPEATABLE READ or SERIALIZABLE"
                    + " transaction); a retry in a new transaction sees it", null);
        }
        Consumed consumed;
        try {
            consumed = applyLocked(key, row, context, batch,
                    (locked, messages) -> work.apply(locked.connection(), messages), fencing, true);
        } finally {
            row.close();
        }
        return new JoinedBatch(this, context, consumed.applied(), consumed.mark(), consumed.epoch());
    }

    private static void requireTransaction(Connection connection) {
        boolean autoCommit;
        try {
            autoCommit = connection.getAutoCommit();
        } catch (SQLException e) {
            throw new OffsetStoreUnavailableException("cannot inspect the joined transaction's connection: "
                    + e.getMessage(), e);
        }
        if (autoCommit) {
            throw new IllegalStateException("consumeJoined needs a connection inside a transaction (auto-commit off):"
                    + " in auto-commit mode the row lock would be released at once, and fencing with it");
        }
    }

    /** After the joined transaction of {@code joined} committed: remember the epoch it saw. */
    void joinedCommitted(ConsumerContext context, long epoch) {
        observedEpochs.putIfAbsent(new RowKey(context.consumerGroup(), context.topicPartition()), epoch);
    }

    /** The refuse rule of {@link #consume}, under the row lock. */
    private void refuse(RowKey key, LockedRow row, Batch<?, ?> batch, ConsumerContext context) {
        long stored = row.nextOffset();
        refuseOnEpoch(key, row, batch.fetchOffset());
        if (batch.fetchOffset() > stored) {
            throw refused(key, stored, batch.fetchOffset(), "the batch was fetched from above the stored next"
                    + " offset: offsets " + stored + ".." + (batch.fetchOffset() - 1) + " would be skipped");
        }
        OptionalLong observedEnd = context.logEndOffset();
        // the fetch itself proves the log reaches the batch's next offset
        long logEnd = Math.max(observedEnd.orElse(-1), batch.nextOffset());
        if (observedEnd.isPresent() && stored > logEnd) {
            throw refused(key, stored, batch.fetchOffset(), "the stored next offset lies beyond the log end "
                    + logEnd + " observed with this fetch (topic recreated, or the database restored ahead of the"
                    + " log?)");
        }
    }

    private void refuseOnEpoch(RowKey key, LockedRow row, long offset) {
        Long seen = observedEpochs.get(key);
        if (seen != null && seen != row.epoch()) {
            throw refused(key, row.nextOffset(), offset, "the row's epoch is " + row.epoch() + " but this process"
                    + " last observed epoch " + seen + ": the row was moved backwards since (a reset or a rewind);"
                    + " read it again before writing");
        }
    }

    private OffsetRefusedException refused(RowKey key, long stored, long offset, String reason) {
        LOG.warn("{}: refused (stored next offset {}, offset {}): {}", key, stored, offset, reason);
        return new OffsetRefusedException(key.topicPartition(), stored, offset,
                "consumer group '" + key.group() + "': " + reason);
    }

    private Record2<Long, Long> readRow(RowKey key) {
        createTableIfMissing();
        return withConnection("read the offset row of " + key, ctx -> ctx.select(nextOffset, epoch).from(table)
                .where(rowOf(key))
                .fetchOne());
    }

    /**
     * Creates the row, when a plain read does not find it, by an upsert in a short transaction of its own (its lock
     * waits bounded by the lock timeout: a concurrent creator may hold the new row); whether this call inserted it.
     */
    private boolean createRow(RowKey key, long seedOffset) {
        Connection connection = connect();
        try {
            DSLContext ctx = DSL.using(connection, dialect);
            boolean exists = ownStatement(key, "read", () -> ctx.fetchExists(ctx.selectOne().from(table)
                    .where(rowOf(key))));
            if (exists) {
                return false;
            }
            Transaction transaction = Transaction.begin(connection);
            try {
                boolean created = ownStatement(key, "create", () -> storeDialect.withLockTimeout(ctx, lockTimeout,
                        () -> upsert(ctx, key, seedOffset)));
                transaction.commit(this, key);
                if (created) {
                    LOG.info("offset row of {} created at next offset {}", key, seedOffset);
                }
                return created;
            } catch (RuntimeException e) {
                transaction.rollbackAfter(e);
                throw e;
            } finally {
                transaction.restore();
            }
        } finally {
            closeQuietly(connection);
        }
    }

    private boolean upsert(DSLContext ctx, RowKey key, long seedOffset) {
        try {
            return ctx.insertInto(table, group, topic, partition, nextOffset, epoch)
                    .values(key.group(), key.topicPartition().topic(), key.topicPartition().partition(),
                            seedOffset, 0L)
                    .onConflict(group, topic, partition)
                    .doNothing()
                    .execute() == 1;
        } catch (DataAccessException e) {
            // H2's MERGE may wait for a concurrent insert of the row, then fail on the key: it exists
            if (hasSqlState(e, s -> s.startsWith(INTEGRITY_CONSTRAINT_VIOLATION_CLASS))) {
                return false;
            }
            throw e;
        }
    }

    private <R, E extends Exception> R inTransaction(Connection connection, RowKey key, boolean created,
                                                     LockedWork<R, E> work) throws E {
        Transaction transaction = Transaction.begin(connection);
        LockedRow row = null;
        try {
            DSLContext tx = DSL.using(connection, dialect);
            ownStatement(key, "begin", () -> {
                storeDialect.begin(tx, idleInTransactionTimeout);
                return null;
            });
            row = lockRow(tx, connection, key, created);
            long lockedAt = row.nextOffset();
            R result = work.run(row);
            long written = row.nextOffset();
            row.close();
            if (row.isRollbackOnly()) {
                transaction.rollback();
                seen.put(key, new SeenOffset(lockedAt, Instant.now()));
            } else {
                transaction.commit(this, key);
                seen.put(key, new SeenOffset(written, Instant.now()));
            }
            return result;
        } catch (Throwable t) {
            if (row != null) {
                row.close();
            }
            transaction.rollbackAfter(t);
            throw t;
        } finally {
            transaction.restore();
        }
    }

    private LockedRow lockRow(DSLContext tx, Connection connection, RowKey key, boolean created) {
        Record2<Long, Long> stored = ownStatement(key, "lock", () -> storeDialect.lockRow(tx,
                tx.select(nextOffset, epoch).from(table).where(rowOf(key)), lockTimeout));
        if (stored == null) {
            throw new RowMissing();
        }
        return new LockedRow(this, tx, connection, key.group(), key.topicPartition(), stored.value1(),
                stored.value2(), created);
    }

    /** Runs one of the store's own statements: its failures become {@link OffsetStoreException}s. */
    private <T> T ownStatement(RowKey key, String what, Supplier<T> statement) {
        try {
            return statement.get();
        } catch (DataAccessException e) {
            throw storeFailure(key, what, e);
        }
    }

    private OffsetStoreException storeFailure(RowKey key, String what, Exception e) {
        if (isLockTimeout(e)) {
            return new OffsetLockTimeoutException(key.topicPartition(), lockTimeout, e);
        }
        return new OffsetStoreUnavailableException("offset store: " + what + " of the row of " + key + " failed: "
                + describe(e), e);
    }

    /** The failure's message; for PostgreSQL's idle-in-transaction timeout, naming the setting. */
    private String describe(Throwable e) {
        if (hasSqlState(e, IDLE_IN_TRANSACTION_TIMEOUT::equals)) {
            return "the transaction stayed idle longer than idle_in_transaction_session_timeout ("
                    + idleInTransactionTimeout.toMillis() + " ms, PartitionOffsets.Builder"
                    + ".idleInTransactionTimeout) and the server ended it: " + e.getMessage();
        }
        return e.getMessage();
    }

    private boolean isLockTimeout(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql) {
                for (SQLException s = sql; s != null; s = s.getNextException()) {
                    if (storeDialect.isLockTimeout(s)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static boolean hasSqlState(Throwable error, Predicate<String> matches) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql) {
                for (SQLException s = sql; s != null; s = s.getNextException()) {
                    if (s.getSQLState() != null && matches.test(s.getSQLState())) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private Condition rowOf(RowKey key) {
        return group.eq(key.group())
                .and(topic.eq(key.topicPartition().topic()))
                .and(partition.eq(key.topicPartition().partition()));
    }

    private void create(DSLContext ctx) {
        try {
            ctx.createTableIfNotExists(table)
                    .column(GROUP)
                    .column(TOPIC)
                    .column(PARTITION)
                    .column(NEXT_OFFSET)
                    .column(EPOCH)
                    .constraints(DSL.primaryKey(GROUP, TOPIC, PARTITION))
                    .execute();
            LOG.info("offset table \"{}\" created (format {})", tableName, FORMAT_VERSION);
        } catch (DataAccessException e) {
            // two members racing on CREATE TABLE IF NOT EXISTS: PostgreSQL may fail the loser
            if (format(ctx) == TableFormat.MISSING) {
                throw e;
            }
            LOG.debug("offset table {} was created concurrently", tableName, e);
        }
    }

    private enum TableFormat { MISSING, V1, V2, UNKNOWN }

    /** Which format the table has, by probing its columns. */
    private TableFormat format(DSLContext ctx) {
        if (probe(ctx, GROUP, TOPIC, PARTITION, NEXT_OFFSET, EPOCH)) {
            return TableFormat.V2;
        }
        if (!probe(ctx)) {
            return TableFormat.MISSING;
        }
        if (probe(ctx, GROUP, TOPIC, PARTITION, NEXT_OFFSET, EPOCH)) {
            return TableFormat.V2; // created by another member between the probes
        }
        return probe(ctx, TOPIC, PARTITION, NEXT_OFFSET) ? TableFormat.V1 : TableFormat.UNKNOWN;
    }

    private boolean probe(DSLContext ctx, Field<?>... columns) {
        try {
            if (columns.length == 0) {
                ctx.selectOne().from(table).where(DSL.falseCondition()).fetch();
            } else {
                ctx.select(columns).from(table).where(DSL.falseCondition()).fetch();
            }
            return true;
        } catch (DataAccessException e) {
            if (InfrastructureFailure.isInfrastructure(e)) {
                throw new OffsetStoreUnavailableException("offset store: cannot inspect table \"" + tableName
                        + "\": " + e.getMessage(), e);
            }
            return false;
        }
    }

    private void requireCurrent(TableFormat format) {
        switch (format) {
            case V2 -> {
            }
            case MISSING -> throw new OffsetTableException("offset table \"" + tableName + "\" does not exist", null);
            case V1 -> throw new OffsetTableException("offset table \"" + tableName + "\" is of format 1 (keyed by"
                    + " topic and partition only); this version needs format 2, keyed by consumer group. Migrate it"
                    + " once, with the consumers stopped: PartitionOffsets.migrateToV2(\"<group.id>\"), or the SQL"
                    + " migration db/sluice/" + storeDialect.directory() + "/V2__group_and_epoch.sql", null);
            case UNKNOWN -> throw new OffsetTableException("table \"" + tableName + "\" is not a Sluice offset"
                    + " table of format 2: it lacks some of the columns consumer_group, topic, partition,"
                    + " next_offset, epoch", null);
        }
    }

    private <T> T withConnection(String what, Function<DSLContext, T> action) {
        Connection connection = connect();
        try {
            return action.apply(DSL.using(connection, dialect));
        } catch (DataAccessException e) {
            throw new OffsetStoreUnavailableException("offset store: " + what + " failed: " + describe(e), e);
        } finally {
            closeQuietly(connection);
        }
    }

    private Connection connect() {
        try {
            return dataSource.getConnection();
        } catch (SQLException | RuntimeException e) {
            throw new OffsetStoreUnavailableException("cannot connect to the offset store: " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.warn("closing an offset store connection failed", e);
        }
    }

    private static String validateGroup(String consumerGroup) {
        Objects.requireNonNull(consumerGroup, "consumerGroup");
        if (consumerGroup.length() > MAX_CONSUMER_GROUP_LENGTH) {
            throw new IllegalArgumentException("consumer group '" + consumerGroup + "' is longer than "
                    + MAX_CONSUMER_GROUP_LENGTH + " characters, which the offset table cannot hold");
        }
        return consumerGroup;
    }

    /** A row's key. */
    private record RowKey(String group, TopicPartition topicPartition) {
        RowKey {
            Objects.requireNonNull(group, "consumerGroup");
            Objects.requireNonNull(topicPartition, "topicPartition");
        }

        @Override
        public String toString() {
            return topicPartition + " (group '" + group + "')";
        }
    }

    private record Consumed(int applied, OptionalLong mark, long epoch) {
    }

    /** The row was missing when it was to be locked; before the block ran. */
    private static final class RowMissing extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RowMissing() {
            super("offset row missing", null, false, false);
        }
    }

    /** One JDBC transaction on a borrowed connection; restores the connection's autocommit and isolation. */
    private static final class Transaction {
        private final Connection connection;
        private final boolean autoCommit;
        private final int isolation;

        private Transaction(Connection connection, boolean autoCommit, int isolation) {
            this.connection = connection;
            this.autoCommit = autoCommit;
            this.isolation = isolation;
        }

        static Transaction begin(Connection connection) {
            try {
                Transaction t = new Transaction(connection, connection.getAutoCommit(),
                        connection.getTransactionIsolation());
                if (t.isolation != Connection.TRANSACTION_READ_COMMITTED) {
                    connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
                }
                if (t.autoCommit) {
                    connection.setAutoCommit(false);
                }
                return t;
            } catch (SQLException e) {
                throw new OffsetStoreUnavailableException("cannot start an offset store transaction: "
                        + e.getMessage(), e);
            }
        }

        void commit() {
            try {
                connection.commit();
            } catch (SQLException e) {
                throw new OffsetStoreUnavailableException("committing an offset store transaction failed: "
                        + e.getMessage(), e);
            }
        }

        void commit(PartitionOffsets store, RowKey key) {
            try {
                connection.commit();
            } catch (SQLException e) {
                throw new OffsetStoreUnavailableException("committing the offset transaction of " + key
                        + " failed (its outcome is unknown; the stored row decides): " + store.describe(e), e);
            }
        }

        void rollback() {
            try {
                connection.rollback();
            } catch (SQLException e) {
                throw new OffsetStoreUnavailableException("rolling back an offset store transaction failed: "
                        + e.getMessage(), e);
            }
        }

        void rollbackAfter(Throwable cause) {
            try {
                connection.rollback();
            } catch (SQLException | RuntimeException e) {
                cause.addSuppressed(e);
            }
        }

        void restore() {
            try {
                if (autoCommit) {
                    connection.setAutoCommit(true);
                }
                if (isolation != Connection.TRANSACTION_READ_COMMITTED) {
                    connection.setTransactionIsolation(isolation);
                }
            } catch (SQLException e) {
                LOG.warn("restoring an offset store connection's settings failed", e);
            }
        }
    }

    /**
     * Configures a {@link PartitionOffsets}. Not thread-safe; {@link #build()} validates everything and may be
     * called more than once.
     */
    public static final class Builder {
        private final DataSource dataSource;
        private final SQLDialect dialect;
        private String tableName = DEFAULT_TABLE_NAME;
        private Duration lockTimeout = DEFAULT_LOCK_TIMEOUT;
        private Duration idleInTransactionTimeout = DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT;
        private SchemaManagement schemaManagement = SchemaManagement.CREATE_IF_MISSING;
        private Function<Duration, String> customStatement;
        private Set<String> customSqlStates = Set.of();
        private int expectedConcurrency;

        private Builder(DataSource dataSource, SQLDialect dialect) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
            this.dialect = Objects.requireNonNull(dialect, "dialect");
        }

        /**
         * The table's name: a plain SQL identifier ({@code [A-Za-z_][A-Za-z0-9_]*}, at most 63 characters),
         * always quoted, so case matters. Default {@value PartitionOffsets#DEFAULT_TABLE_NAME}.
         *
         * @throws IllegalArgumentException when {@code name} is not such an identifier
         */
        public Builder tableName(String name) {
            this.tableName = validateIdentifier(name);
            return this;
        }

        /**
         * How long a locked transaction waits for a row lock before failing with
         * {@link OffsetLockTimeoutException}; keep it well under the runtime's revocation grace period. It applies
         * to the row-lock statement only, never to the statements of the user's work. Default 5 s; between 1 ms
         * and {@link Integer#MAX_VALUE} ms.
         */
        public Builder lockTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.toMillis() < 1 || timeout.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("lock timeout must be between 1 ms and " + Integer.MAX_VALUE
                        + " ms, was " + timeout);
            }
            this.lockTimeout = timeout;
            return this;
        }

        /**
         * PostgreSQL only: the {@code idle_in_transaction_session_timeout} set (transaction-locally) on each of
         * the store's transactions, so that a holder of a row lock that stops talking to the server (a frozen
         * process) loses its session and the lock instead of wedging the partition. It must exceed the longest
         * pause between two statements of the user's work. Default 30 s; {@link Duration#ZERO} leaves the
         * server's setting alone. H2 has no such timeout, and ignores this.
         */
        public Builder idleInTransactionTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.toMillis() > Integer.MAX_VALUE
                    || (!timeout.isZero() && timeout.toMillis() < 1)) {
                throw new IllegalArgumentException("idle-in-transaction timeout must be zero or between 1 ms and "
                        + Integer.MAX_VALUE + " ms, was " + timeout);
            }
            this.idleInTransactionTimeout = timeout;
            return this;
        }

        /**
         * Whether the store creates its table when missing ({@link SchemaManagement#CREATE_IF_MISSING}, the
         * default) or leaves the schema to the operator ({@link SchemaManagement#NONE}: only checked at first use).
         */
        public Builder schemaManagement(SchemaManagement management) {
            this.schemaManagement = Objects.requireNonNull(management, "management");
            return this;
        }

        /**
         * Supplies the lock-timeout strategy of a dialect this store does not know (or replaces a built-in one).
         * The statement runs right before the row-lock statement and must bound how long it waits; a failure
         * carrying one of {@code timeoutSqlStates} becomes {@link OffsetLockTimeoutException}. The store cannot
         * restore a setting it does not know, so with such a statement the timeout may stay in force for the rest
         * of the transaction (or the session): the built-in dialects do not have this limitation.
         *
         * @param statement        the SQL for a timeout, e.g. {@code t -> "SET innodb_lock_wait_timeout = "
         *                         + t.toSeconds()}; its result is executed verbatim
         * @param timeoutSqlStates the SQLStates the database reports a lock wait timeout with
         */
        public Builder lockTimeoutStatement(Function<Duration, String> statement, Set<String> timeoutSqlStates) {
            this.customStatement = Objects.requireNonNull(statement, "statement");
            this.customSqlStates = Set.copyOf(timeoutSqlStates);
            return this;
        }

        /**
         * How many jobs may use the store at once: the runtime's worker threads
         * ({@code RuntimeSettings.workerThreads()}), as each job holds a connection for its whole transaction. When
         * the data source is a connection pool whose maximum size can be read (HikariCP, Commons DBCP 2, H2's
         * {@code JdbcConnectionPool}, Tomcat JDBC or c3p0, found by their public getters, without a dependency on
         * any of them) and it is smaller, {@link #build()} logs a warning. Nothing else changes. Default: not
         * given, no check.
         *
         * @param jobs at least 1
         */
        public Builder expectedConcurrency(int jobs) {
            if (jobs < 1) {
                throw new IllegalArgumentException("expected concurrency must be >= 1, was " + jobs);
            }
            this.expectedConcurrency = jobs;
            return this;
        }

        /**
         * Builds the store. Touches no database: the table is created or checked on first use (or by
         * {@link PartitionOffsets#createTableIfMissing()}). Logs a warning when the connection pool is smaller than
         * the {@linkplain #expectedConcurrency expected concurrency}.
         *
         * @throws IllegalArgumentException when the dialect has no lock-timeout strategy
         */
        public PartitionOffsets build() {
            if (customStatement != null) {
                Objects.requireNonNull(customStatement.apply(lockTimeout),
                        "the lock-timeout statement function returned null");
                return new PartitionOffsets(this, StoreDialect.custom(dialect, customStatement, customSqlStates));
            }
            return new PartitionOffsets(this, StoreDialect.of(dialect));
        }

        private static String validateIdentifier(String name) {
            Objects.requireNonNull(name, "table name");
            if (name.length() > MAX_IDENTIFIER_LENGTH || !IDENTIFIER.matcher(name).matches()) {
                throw new IllegalArgumentException("offset table name '" + name + "' is not a plain SQL identifier:"
                        + " use letters, digits and '_', not starting with a digit, at most "
                        + MAX_IDENTIFIER_LENGTH + " characters");
            }
            return name;
        }
    }
}
