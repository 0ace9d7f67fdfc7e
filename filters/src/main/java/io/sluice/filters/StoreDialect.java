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
 * <p>Adding a database (MariaDB: {@code SELECT ... FOR UPDATE WAIT n} in whole seconds, lock wait timeout by vendor
 * code 1205, {@code partition} reserved — every name is quoted anyway) means one more subclass here.
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

    static StoreDialect of(SQLDialect dialect) {
        return switch (dialect.family()) {
            case H2 -> new H2();
            case POSTGRES -> new Postgres();
            default -> throw new IllegalArgumentException("dialect " + dialect.getName()
                    + " is not supported by PartitionOffsets (supported: H2, POSTGRES); supply its"
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
