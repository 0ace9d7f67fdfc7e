package io.sluice.filters;

import io.sluice.dsl.Batch;
import io.sluice.dsl.ConsumerContext;
import io.sluice.dsl.Message;
import io.sluice.dsl.OffsetAuthority;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.apache.kafka.common.TopicPartition;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store of consumed offsets for offset-managed topics: one database row per topic partition, the only truth
 * about how far a partition has been consumed (DESIGN §4). Kafka's committed offset is merely a copy.
 *
 * <h2>Table layout — format version 1</h2>
 * <pre>
 * CREATE TABLE IF NOT EXISTS "kafka_partitions" (   -- name configurable, always quoted
 *   "topic"       VARCHAR(255) NOT NULL,            -- Kafka topic name (at most 249 characters)
 *   "partition"   INTEGER      NOT NULL,            -- partition number
 *   "next_offset" BIGINT       NOT NULL,            -- next offset to consume, as Kafka commits it
 *   PRIMARY KEY ("topic", "partition")
 * )
 * </pre>
 * This layout is a persisted format ({@link #FORMAT_VERSION}): it changes only together with a migration that
 * converts existing tables, and a new version gets a new number here. The column is {@code next_offset}, not
 * {@code offset}, which H2 reserves. Because names are quoted, they are case-sensitive: query the table as
 * {@code "kafka_partitions"} (lower case), not {@code KAFKA_PARTITIONS}.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>The table is created when missing, idempotently (also when several members race to create it), on first
 *       use or by {@link #createTableIfMissing()}.</li>
 *   <li>A partition's row is created on first use with an upsert, seeded with the offset the caller gives (the
 *       offset the partition was fetched from); nobody seeds rows by hand.</li>
 *   <li>{@link #locked} runs its block in one transaction that holds the row's lock ({@code SELECT ... FOR
 *       UPDATE}), waiting at most the lock timeout for it ({@link OffsetLockTimeoutException} otherwise), and
 *       commits, or rolls back on any exception. Locked transactions run at {@code READ COMMITTED}, so a waiter
 *       that gets the lock reads the row as the previous holder committed it.</li>
 *   <li>The table name is validated as a plain identifier and always quoted; it is never spliced into SQL.</li>
 *   <li>Thread-safe: one store serves every partition of every topic.</li>
 * </ul>
 *
 * <h2>Dialects</h2>
 * H2 ({@code SET LOCK_TIMEOUT <ms>}, a session setting left on the connection; timeout SQLState {@code HYT00})
 * and PostgreSQL ({@code SET LOCAL lock_timeout}, transaction-scoped; timeout SQLState {@code 55P03}) are
 * supported. Any other dialect is rejected by {@link Builder#build()} unless
 * {@link Builder#lockTimeoutStatement} supplies its lock-timeout statement.
 */
public final class PartitionOffsets implements OffsetAuthority {

    /** The version of the table layout documented above. */
    public static final int FORMAT_VERSION = 1;

    /** The table name used unless {@link Builder#tableName} says otherwise. */
    public static final String DEFAULT_TABLE_NAME = "kafka_partitions";

    /** How long a locked transaction waits for a row lock unless {@link Builder#lockTimeout} says otherwise. */
    public static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofSeconds(5);

    private static final Logger LOG = LoggerFactory.getLogger(PartitionOffsets.class);
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final int MAX_IDENTIFIER_LENGTH = 63;
    private static final String H2_LOCK_TIMEOUT = "HYT00";
    private static final String POSTGRES_LOCK_NOT_AVAILABLE = "55P03";
    private static final String INTEGRITY_CONSTRAINT_VIOLATION_CLASS = "23";
    private static final int ROW_CREATION_ATTEMPTS = 3;

    private static final Field<String> TOPIC = DSL.field(DSL.name("topic"), SQLDataType.VARCHAR(255).notNull());
    private static final Field<Integer> PARTITION = DSL.field(DSL.name("partition"), SQLDataType.INTEGER.notNull());
    private static final Field<Long> NEXT_OFFSET = DSL.field(DSL.name("next_offset"), SQLDataType.BIGINT.notNull());

    private final DataSource dataSource;
    private final SQLDialect dialect;
    private final String tableName;
    private final Table<?> table;
    private final Field<String> topic;
    private final Field<Integer> partition;
    private final Field<Long> nextOffset;
    private final Duration lockTimeout;
    private final String lockTimeoutSql;
    private final Set<String> lockTimeoutSqlStates;
    private volatile boolean tableReady;

    private PartitionOffsets(Builder builder, String lockTimeoutSql, Set<String> lockTimeoutSqlStates) {
        this.dataSource = builder.dataSource;
        this.dialect = builder.dialect;
        this.tableName = builder.tableName;
        this.table = DSL.table(DSL.name(tableName));
        // qualified, or H2's MERGE emulation of the upsert finds "topic" ambiguous
        this.topic = DSL.field(DSL.name(tableName, "topic"), TOPIC.getDataType());
        this.partition = DSL.field(DSL.name(tableName, "partition"), PARTITION.getDataType());
        this.nextOffset = DSL.field(DSL.name(tableName, "next_offset"), NEXT_OFFSET.getDataType());
        this.lockTimeout = builder.lockTimeout;
        this.lockTimeoutSql = lockTimeoutSql;
        this.lockTimeoutSqlStates = lockTimeoutSqlStates;
    }

    /**
     * Starts building a store on {@code dataSource}, speaking {@code dialect}.
     *
     * @param dataSource where connections come from; each locked transaction takes one and gives it back
     * @param dialect    the database's dialect; H2 and PostgreSQL (any version) are supported
     */
    public static Builder builder(DataSource dataSource, SQLDialect dialect) {
        return new Builder(dataSource, dialect);
    }

    /** A store with the default table name and lock timeout; shorthand for {@code builder(...).build()}. */
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

    /**
     * Creates the table when it does not exist. Idempotent; safe when several processes race to do it. Called
     * on first use anyway; call it early to fail fast on a database that cannot be reached or written.
     *
     * @throws DataAccessException when the table is missing and cannot be created
     */
    public void createTableIfMissing() {
        if (tableReady) {
            return;
        }
        withConnection(ctx -> {
            try {
                ctx.createTableIfNotExists(table)
                        .column(TOPIC)
                        .column(PARTITION)
                        .column(NEXT_OFFSET)
                        .constraints(DSL.primaryKey(TOPIC, PARTITION))
                        .execute();
            } catch (DataAccessException e) {
                // two members racing on CREATE TABLE IF NOT EXISTS: PostgreSQL may fail the loser
                if (!tableExists(ctx)) {
                    throw e;
                }
                LOG.debug("offset table {} was created concurrently", tableName, e);
            }
            return null;
        });
        tableReady = true;
    }

    /**
     * The stored next offset of {@code topicPartition}, read without locking; empty when its row does not
     * exist yet. Creates nothing but the table.
     */
    public OptionalLong nextOffset(TopicPartition topicPartition) {
        Objects.requireNonNull(topicPartition, "topicPartition");
        createTableIfMissing();
        Long value = withConnection(ctx -> ctx.select(nextOffset).from(table)
                .where(rowOf(topicPartition))
                .fetchOne(nextOffset));
        return value == null ? OptionalLong.empty() : OptionalLong.of(value);
    }

    /**
     * Runs {@code work} in one transaction holding the row lock of {@code topicPartition}, creating the row
     * seeded with {@code seedOffset} if it does not exist yet.
     *
     * <p>The transaction sets the lock timeout, locks the row ({@code SELECT ... FOR UPDATE}), runs the block,
     * and commits when it returns (or rolls back if it called {@link LockedRow#setRollbackOnly()}). If anything
     * throws, it rolls back and the exception propagates: the block's own exception unchanged, a lock wait past
     * the timeout as {@link OffsetLockTimeoutException}, other database failures as jOOQ's
     * {@link DataAccessException}. The block runs at most once: when creating the row loses a race with another
     * transaction creating it, the transaction is started over before the block runs.
     *
     * @param topicPartition the partition, never {@code null}
     * @param seedOffset     the next offset of a row created now: the offset the partition was fetched from
     * @param work           the block; runs once, on this thread
     * @return what the block returned
     * @throws E                          what the block threw
     * @throws OffsetLockTimeoutException when another transaction held the row lock past the lock timeout
     * @throws DataAccessException        when the database fails
     */
    public <R, E extends Exception> R locked(TopicPartition topicPartition, long seedOffset, LockedWork<R, E> work)
            throws E {
        Objects.requireNonNull(topicPartition, "topicPartition");
        Objects.requireNonNull(work, "work");
        if (seedOffset < 0) {
            throw new IllegalArgumentException("seed offset must be >= 0, was " + seedOffset + " for "
                    + topicPartition);
        }
        createTableIfMissing();
        for (int attempt = 1; ; attempt++) {
            Connection connection = connect();
            try {
                return inTransaction(connection, topicPartition, seedOffset, work);
            } catch (RowCreatedConcurrently e) {
                // the block has not run: starting over finds the row the other transaction created
                if (attempt >= ROW_CREATION_ATTEMPTS) {
                    throw new DataAccessException("offset row of " + topicPartition + " could not be created or"
                            + " locked after " + attempt + " attempts", e.getCause());
                }
                LOG.debug("offset row of {} was created concurrently; locking it again", topicPartition);
            } finally {
                closeQuietly(connection);
            }
        }
    }

    /**
     * Durably moves the stored next offset of {@code topicPartition} up to {@code nextOffset} in a locked
     * transaction; never moves it back. A missing row is created at {@code nextOffset}.
     *
     * @throws OffsetLockTimeoutException when another transaction held the row lock past the lock timeout
     * @throws DataAccessException        when the database fails
     */
    @Override
    public OptionalLong read(String consumerGroup, TopicPartition topicPartition) {
        return nextOffset(topicPartition);
    }

    @Override
    public void advance(String consumerGroup, TopicPartition topicPartition, long nextOffset) {
        advance(topicPartition, nextOffset);
    }

    /** Durably moves the stored next offset of {@code topicPartition} up to {@code nextOffset}; never back. */
    public void advance(TopicPartition topicPartition, long nextOffset) {
        locked(topicPartition, nextOffset, row -> row.advanceTo(nextOffset));
    }

    /**
     * Applies a batch exactly once: the consumer's database work and the partition's next offset commit in one
     * transaction, and Kafka is marked only after that commit. Call it from {@code Consumer.consume} of an
     * offset-managed topic.
     *
     * <p>Inside {@link #locked}, seeded with the batch's fetch offset:
     * <ol>
     *   <li>if {@code context.revoked()}: roll back, apply nothing, mark nothing, return 0;</li>
     *   <li>drop every message below the row's next offset (<em>fencing</em>: a member that lost the partition
     *       without knowing can never apply a message twice, because the new owner moved the row past it);</li>
     *   <li>if nothing is left: write nothing, and after the transaction mark
     *       {@code min(row, batch.nextOffset())} in Kafka — everything below the row is applied already, so
     *       this only lets Kafka's copy catch up, and never covers more than this batch;</li>
     *   <li>otherwise run {@code work} on the messages left, set the row to
     *       {@code max(row, batch.nextOffset())} (the batch's settled end, which steps over compaction gaps and
     *       never moves the row back), commit, and only then {@code context.markAsConsumed(newNextOffset)}.</li>
     * </ol>
     * Any exception rolls back the work and the offset together, marks nothing, and propagates; the runtime
     * retries the batch with backoff. An empty batch does nothing.
     *
     * @param context the consumer's context for the batch's partition
     * @param batch   the batch the consumer received
     * @param work    the consumer's database work
     * @return how many messages {@code work} applied: 0 when revoked or all were applied before
     * @throws Exception                  what {@code work} threw
     * @throws OffsetLockTimeoutException when another transaction held the row lock past the lock timeout
     * @throws IllegalArgumentException   when the batch is of another partition than the context
     */
    public <K, V> int consume(ConsumerContext context, Batch<K, V> batch, TransactionalWork<K, V> work)
            throws Exception {
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(batch, "batch");
        Objects.requireNonNull(work, "work");
        TopicPartition tp = batch.topicPartition();
        if (!tp.equals(context.topicPartition())) {
            throw new IllegalArgumentException("batch of " + tp + " consumed with the context of "
                    + context.topicPartition());
        }
        if (batch.isEmpty()) {
            return 0;
        }
        TestHooks.beforeRowLock(tp, batch);
        boolean fencing = TestHooks.fencing();
        Consumed consumed = locked(tp, batch.fetchOffset(), row -> {
            if (fencing && context.revoked()) {
                row.setRollbackOnly();
                LOG.debug("{} revoked before its batch {} was applied: nothing applied", tp, batch);
                return new Consumed(0, OptionalLong.empty());
            }
            long stored = row.nextOffset();
            List<Message<K, V>> fresh = fencing
                    ? batch.stream().filter(m -> m.offset() >= stored).toList()
                    : batch.messages();
            if (fresh.isEmpty()) {
                LOG.debug("{}: every message of {} is below the stored next offset {}: nothing applied",
                        tp, batch, stored);
                return new Consumed(0, OptionalLong.of(Math.min(stored, batch.nextOffset())));
            }
            if (fresh.size() < batch.size()) {
                LOG.info("{}: fenced {} message(s) of {} below the stored next offset {}", tp,
                        batch.size() - fresh.size(), batch, stored);
            }
            work.apply(row.tx(), fresh);
            return new Consumed(fresh.size(), OptionalLong.of(row.advanceTo(batch.nextOffset())));
        });
        if (consumed.mark().isPresent()) {
            context.markAsConsumed(consumed.mark().getAsLong());
        }
        return consumed.applied();
    }

    @Override
    public String toString() {
        return "PartitionOffsets[" + dialect.getName() + " \"" + tableName + "\" lockTimeout=" + lockTimeout + "]";
    }

    void writeNextOffset(DSLContext tx, TopicPartition topicPartition, long nextOffset) {
        int updated = ownStatement(topicPartition, () -> tx.update(table)
                .set(this.nextOffset, nextOffset)
                .where(rowOf(topicPartition))
                .execute());
        if (updated != 1) {
            throw new IllegalStateException("offset row of " + topicPartition + " vanished while locked ("
                    + updated + " rows updated)");
        }
    }

    private <R, E extends Exception> R inTransaction(Connection connection, TopicPartition tp, long seedOffset,
                                                     LockedWork<R, E> work) throws E {
        Transaction transaction = Transaction.begin(connection);
        LockedRow row = null;
        try {
            DSLContext tx = DSL.using(connection, dialect);
            row = lockRow(tx, tp, seedOffset);
            R result = work.run(row);
            row.close();
            if (row.isRollbackOnly()) {
                transaction.rollback();
            } else {
                transaction.commit();
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

    private LockedRow lockRow(DSLContext tx, TopicPartition tp, long seedOffset) {
        ownStatement(tp, () -> tx.execute(lockTimeoutSql));
        Long stored = selectForUpdate(tx, tp);
        boolean created = false;
        if (stored == null) {
            try {
                created = ownStatement(tp, () -> tx.insertInto(table, topic, partition, nextOffset)
                        .values(tp.topic(), tp.partition(), seedOffset)
                        .onConflict(topic, partition)
                        .doNothing()
                        .execute()) == 1;
            } catch (DataAccessException e) {
                // H2's MERGE waits for a concurrent uncommitted insert of the row, then fails on the key
                if (hasSqlState(e, s -> s.startsWith(INTEGRITY_CONSTRAINT_VIOLATION_CLASS))) {
                    throw new RowCreatedConcurrently(e);
                }
                throw e;
            }
            stored = selectForUpdate(tx, tp);
            if (stored == null) {
                throw new IllegalStateException("offset row of " + tp + " missing right after its upsert into \""
                        + tableName + "\"");
            }
            if (created) {
                LOG.info("offset row of {} created at next offset {}", tp, stored);
            }
        }
        return new LockedRow(this, tx, tp, stored, created);
    }

    private Long selectForUpdate(DSLContext tx, TopicPartition tp) {
        return ownStatement(tp, () -> tx.select(nextOffset).from(table)
                .where(rowOf(tp))
                .forUpdate()
                .fetchOne(nextOffset));
    }

    /** Runs one of the store's own statements, telling a lock timeout apart from other failures. */
    private <T> T ownStatement(TopicPartition tp, Supplier<T> statement) {
        try {
            return statement.get();
        } catch (DataAccessException e) {
            if (isLockTimeout(e)) {
                throw new OffsetLockTimeoutException(tp, lockTimeout, e);
            }
            throw e;
        }
    }

    private boolean isLockTimeout(Throwable error) {
        return hasSqlState(error, lockTimeoutSqlStates::contains);
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

    private Condition rowOf(TopicPartition tp) {
        return topic.eq(tp.topic()).and(partition.eq(tp.partition()));
    }

    private boolean tableExists(DSLContext ctx) {
        try {
            ctx.selectOne().from(table).where(DSL.falseCondition()).fetch();
            return true;
        } catch (DataAccessException e) {
            return false;
        }
    }

    private <T> T withConnection(Function<DSLContext, T> action) {
        Connection connection = connect();
        try {
            return action.apply(DSL.using(connection, dialect));
        } finally {
            closeQuietly(connection);
        }
    }

    private Connection connect() {
        try {
            return dataSource.getConnection();
        } catch (SQLException e) {
            throw new DataAccessException("cannot connect to the offset store: " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.warn("closing an offset store connection failed", e);
        }
    }

    private record Consumed(int applied, OptionalLong mark) {
    }

    /** The upsert lost a race with another transaction creating the same row; before the block ran. */
    private static final class RowCreatedConcurrently extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RowCreatedConcurrently(DataAccessException cause) {
            super(cause.getMessage(), cause, false, false);
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
                throw new DataAccessException("cannot start an offset store transaction: " + e.getMessage(), e);
            }
        }

        void commit() {
            try {
                connection.commit();
            } catch (SQLException e) {
                throw new DataAccessException("committing an offset store transaction failed: " + e.getMessage(),
                        e);
            }
        }

        void rollback() {
            try {
                connection.rollback();
            } catch (SQLException e) {
                throw new DataAccessException("rolling back an offset store transaction failed: "
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
        private Function<Duration, String> customStatement;
        private Set<String> customSqlStates = Set.of();

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
         * {@link OffsetLockTimeoutException}; keep it well under the runtime's revocation grace period.
         * Default 5 s; between 1 ms and {@link Integer#MAX_VALUE} ms.
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
         * Supplies the lock-timeout strategy of a dialect this store does not know (or replaces a built-in one).
         * The statement runs first in every locked transaction and must bound how long the transaction waits
         * for a row lock; a failure carrying one of {@code timeoutSqlStates} becomes
         * {@link OffsetLockTimeoutException}.
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
         * Builds the store. Touches no database: the table is created on first use.
         *
         * @throws IllegalArgumentException when the dialect has no lock-timeout strategy
         */
        public PartitionOffsets build() {
            if (customStatement != null) {
                String sql = Objects.requireNonNull(customStatement.apply(lockTimeout),
                        "the lock-timeout statement function returned null");
                return new PartitionOffsets(this, sql, customSqlStates);
            }
            long ms = lockTimeout.toMillis();
            return switch (dialect.family()) {
                case H2 -> new PartitionOffsets(this, "SET LOCK_TIMEOUT " + ms, Set.of(H2_LOCK_TIMEOUT));
                case POSTGRES -> new PartitionOffsets(this, "SET LOCAL lock_timeout = '" + ms + "ms'",
                        Set.of(POSTGRES_LOCK_NOT_AVAILABLE));
                default -> throw new IllegalArgumentException("dialect " + dialect.getName()
                        + " is not supported by PartitionOffsets (supported: H2, POSTGRES); supply its"
                        + " lock-timeout statement with lockTimeoutStatement(...) to use it");
            };
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
