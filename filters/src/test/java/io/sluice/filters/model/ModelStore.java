package io.sluice.filters.model;

import io.sluice.filters.PartitionOffsets;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.apache.kafka.common.TopicPartition;
import org.h2.jdbcx.JdbcConnectionPool;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;

/**
 * The model test's database wiring, in one place: one in-memory H2 database for the whole run (every schedule uses
 * its own topic name, so rows never collide), the offset store on a data source whose connections can be refused
 * (an outage, SQLState 08001), a second connection that can hold a row's lock (the store then times out, HYT00),
 * and a checker connection that reads rows and applied offsets behind the store's back, outage or not.
 *
 * <p>TODO(lead, table v2): when {@code PartitionOffsets} is keyed by consumer group, build a second store (another
 * group on the same table) here and let the model run two groups; {@link #row} and {@link #holdLock} then take the
 * group. On this branch the row is keyed by (topic, partition) only, so two groups cannot share a table.
 */
final class ModelStore {

    private static final String TABLE = PartitionOffsets.DEFAULT_TABLE_NAME;
    private static volatile ModelStore shared;

    private final JdbcConnectionPool pool;
    private final FlakyDataSource flaky;
    private final PartitionOffsets offsets;
    private final Connection checker;
    private final PreparedStatement readRow;
    private final PreparedStatement readApplied;
    private final Connection lockHolder;
    private boolean lockHeld;

    private ModelStore() throws SQLException {
        String url = "jdbc:h2:mem:sluice_model;DB_CLOSE_DELAY=-1";
        pool = JdbcConnectionPool.create(url, "sa", "");
        pool.setMaxConnections(16);
        flaky = new FlakyDataSource(pool);
        offsets = PartitionOffsets.builder(flaky, SQLDialect.H2).lockTimeout(Duration.ofMillis(1)).build();
        offsets.createTableIfMissing();
        checker = pool.getConnection();
        try (Statement s = checker.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS \"model_applied\" (\"topic\" VARCHAR(255) NOT NULL,"
                    + " \"part\" INT NOT NULL, \"off\" BIGINT NOT NULL)"); // no key: a second apply shows
            s.execute("CREATE INDEX IF NOT EXISTS \"model_applied_topic\" ON \"model_applied\" (\"topic\")");
        }
        readRow = checker.prepareStatement("SELECT \"next_offset\" FROM \"" + TABLE
                + "\" WHERE \"consumer_group\" = ? AND \"topic\" = ? AND \"partition\" = ?");
        readApplied = checker.prepareStatement("SELECT \"off\", COUNT(*) FROM \"model_applied\""
                + " WHERE \"topic\" = ? AND \"part\" = ? GROUP BY \"off\"");
        lockHolder = pool.getConnection();
        lockHolder.setAutoCommit(false);
    }

    /** The one store of this JVM's model runs. */
    static ModelStore shared() {
        if (shared == null) {
            synchronized (ModelStore.class) {
                if (shared == null) {
                    try {
                        shared = new ModelStore();
                    } catch (SQLException e) {
                        throw new IllegalStateException("cannot set up the model's H2 database", e);
                    }
                }
            }
        }
        return shared;
    }

    /** The offset store the topology uses (connections through the flaky data source). */
    PartitionOffsets offsets() {
        return offsets;
    }

    /** The consumer's work for one message, inside the offset transaction. */
    static void apply(DSLContext tx, TopicPartition tp, long offset) {
        tx.execute("INSERT INTO \"model_applied\" VALUES (?, ?, ?)", tp.topic(), tp.partition(), offset);
    }

    /** Starts or ends a database outage: the store's new connections are refused with SQLState 08001. */
    void down(boolean down) {
        flaky.down = down;
    }

    boolean isDown() {
        return flaky.down;
    }

    /** Holds the lock of {@code tp}'s row from another connection (nothing when the row does not exist yet). */
    void holdLock(TopicPartition tp) {
        releaseLock();
        try (PreparedStatement s = lockHolder.prepareStatement("SELECT \"next_offset\" FROM \"" + TABLE
                + "\" WHERE \"consumer_group\" = ? AND \"topic\" = ? AND \"partition\" = ? FOR UPDATE")) {
            s.setString(1, ModelWorld.GROUP);
            s.setString(2, tp.topic());
            s.setInt(3, tp.partition());
            s.executeQuery().close();
            lockHeld = true;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot lock the row of " + tp, e);
        }
    }

    /** Lets go of a row lock held by {@link #holdLock}. */
    void releaseLock() {
        if (lockHeld) {
            try {
                lockHolder.rollback();
            } catch (SQLException e) {
                throw new IllegalStateException("cannot release the row lock", e);
            }
            lockHeld = false;
        }
    }

    boolean lockHeld() {
        return lockHeld;
    }

    /** Ends every fault: the outage and the held lock. */
    void heal() {
        down(false);
        releaseLock();
    }

    /** {@code tp}'s row as committed, read without a lock; empty when it does not exist. */
    OptionalLong row(TopicPartition tp) {
        try {
            readRow.setString(1, ModelWorld.GROUP);
            readRow.setString(2, tp.topic());
            readRow.setInt(3, tp.partition());
            try (ResultSet rs = readRow.executeQuery()) {
                return rs.next() ? OptionalLong.of(rs.getLong(1)) : OptionalLong.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the row of " + tp, e);
        }
    }

    /** How many times each offset of {@code tp} was applied, as committed in the database. */
    Map<Long, Integer> applied(TopicPartition tp) {
        Map<Long, Integer> out = new HashMap<>();
        try {
            readApplied.setString(1, tp.topic());
            readApplied.setInt(2, tp.partition());
            try (ResultSet rs = readApplied.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getLong(1), rs.getInt(2));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read what was applied on " + tp, e);
        }
        return out;
    }

    /** A data source whose connections can be refused, as during a database outage. */
    private static final class FlakyDataSource implements DataSource {
        private final DataSource delegate;
        private volatile boolean down;

        FlakyDataSource(DataSource delegate) {
            this.delegate = delegate;
        }

        @Override
        public Connection getConnection() throws SQLException {
            if (down) {
                throw new SQLException("connection refused (an outage injected by the model test)", "08001");
            }
            return delegate.getConnection();
        }

        @Override
        public Connection getConnection(String user, String password) throws SQLException {
            return getConnection();
        }

        @Override
        public PrintWriter getLogWriter() throws SQLException {
            return delegate.getLogWriter();
        }

        @Override
        public void setLogWriter(PrintWriter out) throws SQLException {
            delegate.setLogWriter(out);
        }

        @Override
        public void setLoginTimeout(int seconds) throws SQLException {
            delegate.setLoginTimeout(seconds);
        }

        @Override
        public int getLoginTimeout() throws SQLException {
            return delegate.getLoginTimeout();
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            return delegate.getParentLogger();
        }

        @Override
        public <T> T unwrap(Class<T> type) throws SQLException {
            return delegate.unwrap(type);
        }

        @Override
        public boolean isWrapperFor(Class<?> type) throws SQLException {
            return delegate.isWrapperFor(type);
        }
    }
}
