package io.sluice.filters;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.SelectForUpdateStep;
import org.jooq.impl.DSL;

/**
 * What the offset store does differently per database: how the row-lock statement gets its timeout (and how the
 * previous value is restored right after it, so the timeout never reaches the user's statements), what a lock
 * timeout looks like, per-transaction settings, and schema details of the migration. One instance per store.
 *
 * <p>Adding a database means one more subclass here. Every name the store renders is quoted by jOOQ in the
 * dialect's own way (double quotes, or backticks on MariaDB and MySQL, where {@code partition} is reserved).
 */
abstract class StoreDialect {

    /** The directory of the shipped SQL migrations, under {@code db/sluice/}. */
    abstract String directory();

    /** Runs at the start of each of the store's transactions. */
    void begin(DSLContext tx, Duration idleInTransactionTimeout) {
    }

    /**
     * Runs {@code statement} (inside a transaction on {@code tx}) so that its lock waits last at most
     * {@code timeout}; the timeout ends with it.
     */
    abstract <T> T withLockTimeout(DSLContext tx, Duration timeout, Supplier<T> statement);

    /** Locks the row selected by {@code select}, waiting at most {@code timeout}; the timeout ends with it. */
    <R extends Record> R lockRow(DSLContext tx, SelectForUpdateStep<R> select, Duration timeout) {
        return withLockTimeout(tx, timeout, () -> select.forUpdate().fetchOne());
    }

    /** Whether {@code e} reports a lock wait that timed out. */
    abstract boolean isLockTimeout(SQLException e);

    /** Drops the primary key of {@code table} (a v1 table being migrated). */
    abstract void dropPrimaryKey(DSLContext ctx, String table);

    /** Makes {@code column} of {@code table}, of SQL type {@code type}, NOT NULL (a v1 table being migrated). */
    void setNotNull(DSLContext ctx, String table, String column, String type) {
        ctx.execute("ALTER TABLE " + ctx.render(DSL.name(table)) + " ALTER COLUMN " + ctx.render(DSL.name(column))
                + " SET NOT NULL");
    }

    static StoreDialect of(SQLDialect dialect) {
        return switch (dialect.family()) {
            case H2 -> new H2();
            case POSTGRES -> new Postgres();
            case MARIADB -> new MariaDb(true);
            case MYSQL -> new MariaDb(false);
            default -> throw new IllegalArgumentException("dialect " + dialect.getName()
                    + " is not supported by PartitionOffsets (supported: H2, POSTGRES, MARIADB; MYSQL accepted,"
                    + " not tested); supply its"
                    + " lock-timeout statement with lockTimeoutStatement(...) to use it");
        };
    }

    static StoreDialect custom(SQLDialect dialect, Function<Duration, String> statement, Set<String> timeoutStates) {
        return new Custom(dialect, statement, timeoutStates);
    }

    /** H2: {@code SET LOCK_TIMEOUT} is a session setting; it is set before the lock and restored after it. */
    static final class H2 extends StoreDialect {
        @Override
        String directory() {
            return "h2";
        }

        @Override
        <T> T withLockTimeout(DSLContext tx, Duration timeout, Supplier<T> statement) {
            Object previous = tx.fetchValue("SELECT LOCK_TIMEOUT()");
            long restore = previous instanceof Number n ? n.longValue() : Long.parseLong(String.valueOf(previous));
            tx.execute("SET LOCK_TIMEOUT " + timeout.toMillis());
            try {
                return statement.get();
            } finally {
                // the session outlives the transaction (pools): restore even when the lock failed
                tx.execute("SET LOCK_TIMEOUT " + restore);
            }
        }

        @Override
        boolean isLockTimeout(SQLException e) {
            return "HYT00".equals(e.getSQLState());
        }

        @Override
        void dropPrimaryKey(DSLContext ctx, String table) {
            ctx.execute("ALTER TABLE " + ctx.render(DSL.name(table)) + " DROP PRIMARY KEY");
        }
    }

    /**
     * PostgreSQL: {@code lock_timeout} set transaction-locally right before the lock and set back to its previous
     * value right after; {@code idle_in_transaction_session_timeout} set transaction-locally at the start.
     */
    static final class Postgres extends StoreDialect {
        @Override
        String directory() {
            return "postgresql";
        }

        @Override
        void begin(DSLContext tx, Duration idleInTransactionTimeout) {
            if (!idleInTransactionTimeout.isZero()) {
                tx.fetch("SELECT set_config('idle_in_transaction_session_timeout', ?, true)",
                        idleInTransactionTimeout.toMillis() + "ms");
            }
        }

        @Override
        <T> T withLockTimeout(DSLContext tx, Duration timeout, Supplier<T> statement) {
            String previous = String.valueOf(tx.fetchValue("SELECT current_setting('lock_timeout')"));
            tx.fetch("SELECT set_config('lock_timeout', ?, true)", timeout.toMillis() + "ms");
            T row = statement.get();
            // a failed lock aborts the transaction, and the local setting ends with it: restore only on success
            tx.fetch("SELECT set_config('lock_timeout', ?, true)", previous);
            return row;
        }

        @Override
        boolean isLockTimeout(SQLException e) {
            return "55P03".equals(e.getSQLState());
        }

        @Override
        void dropPrimaryKey(DSLContext ctx, String table) {
            Record found = ctx.fetchOne("SELECT conname FROM pg_constraint WHERE contype = 'p'"
                    + " AND conrelid = to_regclass(?)", ctx.render(DSL.name(table)));
            String name = found == null ? null : found.get(0, String.class);
            if (name == null) {
                throw new IllegalStateException("table \"" + table + "\" has no primary key to replace");
            }
            ctx.execute("ALTER TABLE " + ctx.render(DSL.name(table)) + " DROP CONSTRAINT "
                    + ctx.render(DSL.name(name)));
        }
    }

    /**
     * MariaDB, and MySQL (accepted with the same code, not tested). The row lock is {@code SELECT ... FOR UPDATE WAIT
     * n} on MariaDB: the timeout belongs to that one statement, in whole seconds (rounded up, at least 1). MySQL has
     * no {@code WAIT n}: there, and for the row's upsert on both, the session's {@code innodb_lock_wait_timeout} is
     * read, set right before the statement and set back right after it, also when it fails. A lock wait timeout is
     * vendor code 1205 (its SQLState is the generic {@code HY000}); a deadlock (1213) is no lock timeout but an
     * ordinary infrastructure failure.
     */
    static final class MariaDb extends StoreDialect {
        static final int LOCK_WAIT_TIMEOUT = 1205;

        private final boolean mariaDb;

        MariaDb(boolean mariaDb) {
            this.mariaDb = mariaDb;
        }

        @Override
        String directory() {
            return "mariadb";
        }

        /** Whole seconds, rounded up, at least 1: the unit of {@code WAIT n} and {@code innodb_lock_wait_timeout}. */
        static long seconds(Duration timeout) {
            long seconds = timeout.getSeconds() + (timeout.getNano() > 0 ? 1 : 0);
            return Math.max(1, seconds);
        }

        @Override
        <T> T withLockTimeout(DSLContext tx, Duration timeout, Supplier<T> statement) {
            Object previous = tx.fetchValue("SELECT @@SESSION.innodb_lock_wait_timeout");
            long restore = previous instanceof Number n ? n.longValue() : Long.parseLong(String.valueOf(previous));
            tx.execute("SET SESSION innodb_lock_wait_timeout = " + seconds(timeout));
            try {
                return statement.get();
            } finally {
                // a session setting: the pooled connection outlives the transaction
                tx.execute("SET SESSION innodb_lock_wait_timeout = " + restore);
            }
        }

        @Override
        <R extends Record> R lockRow(DSLContext tx, SelectForUpdateStep<R> select, Duration timeout) {
            if (mariaDb) {
                return select.forUpdate().wait((int) Math.min(Integer.MAX_VALUE, seconds(timeout))).fetchOne();
            }
            return withLockTimeout(tx, timeout, () -> select.forUpdate().fetchOne());
        }

        @Override
        boolean isLockTimeout(SQLException e) {
            return e.getErrorCode() == LOCK_WAIT_TIMEOUT;
        }

        @Override
        void dropPrimaryKey(DSLContext ctx, String table) {
            ctx.execute("ALTER TABLE " + ctx.render(DSL.name(table)) + " DROP PRIMARY KEY");
        }

        @Override
        void setNotNull(DSLContext ctx, String table, String column, String type) {
            ctx.execute("ALTER TABLE " + ctx.render(DSL.name(table)) + " MODIFY COLUMN " + ctx.render(DSL.name(column))
                    + " " + type + " NOT NULL");
        }
    }

    /**
     * A dialect the store does not know, with the caller's lock-timeout statement: it runs right before the lock,
     * and since the store cannot know how to restore an unknown setting, it may stay in force afterwards.
     */
    static final class Custom extends StoreDialect {
        private final SQLDialect dialect;
        private final Function<Duration, String> statement;
        private final Set<String> timeoutStates;

        Custom(SQLDialect dialect, Function<Duration, String> statement, Set<String> timeoutStates) {
            this.dialect = dialect;
            this.statement = statement;
            this.timeoutStates = Set.copyOf(timeoutStates);
        }

        @Override
        String directory() {
            return dialect.family().name().toLowerCase(Locale.ROOT);
        }

        @Override
        <T> T withLockTimeout(DSLContext tx, Duration timeout, Supplier<T> lockingStatement) {
            String sql = statement.apply(timeout);
            if (sql == null) {
                throw new IllegalStateException("the lock-timeout statement function returned null");
            }
            tx.execute(sql);
            return lockingStatement.get();
        }

        @Override
        boolean isLockTimeout(SQLException e) {
            return e.getSQLState() != null && timeoutStates.contains(e.getSQLState());
        }

        @Override
        void dropPrimaryKey(DSLContext ctx, String table) {
            ctx.execute("ALTER TABLE " + ctx.render(DSL.name(table)) + " DROP PRIMARY KEY");
        }
    }
}
