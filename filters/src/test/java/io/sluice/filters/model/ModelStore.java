package io.sluice.filters.model;

import io.sluice.testing.DelegatingDataSource;
import io.sluice.filters.PartitionOffsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.apache.kafka.common.TopicPartition;
import org.h2.jdbcx.JdbcConnectionPool;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;

/**
 * The model test's database wiring, in one place: one in-memory H2 database per runner thread (worlds on different
 * threads share nothing; a world wipes its topic's rows when it starts, so schedules replay identically), offset
 * stores on a data source whose connections can be refused (an outage, SQLState 08001), a second connection that
 * can hold a row's lock (the store then times out, HYT00), and a checker connection that reads rows and applied
 * offsets behind the store's back, outage or not. Not thread-safe: one thread uses one store.
 */
final class ModelStore implements AutoCloseable {

    private static final String TABLE = PartitionOffsets.DEFAULT_TABLE_NAME;
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private final JdbcConnectionPool pool;
    private final FlakyDataSource flaky;
    private final Connection checker;
    private final PreparedStatement readRow;
    private final PreparedStatement readApplied;
    private final PreparedStatement wipeRows;
    private final PreparedStatement wipeApplied;
    private final PreparedStatement wipeVirtual;
    private final PreparedStatement readVirtual;
    private final Connection lockHolder;
    private boolean lockHeld;

    ModelStore() {
        try {
            String url = "jdbc:h2:mem:sluice_model_" + DATABASES.incrementAndGet() + ";DB_CLOSE_DELAY=-1";
            pool = JdbcConnectionPool.create(url, "sa", "");
            pool.setMaxConnections(16);
            flaky = new FlakyDataSource(pool);
            PartitionOffsets setup = newOffsets();
            setup.createTableIfMissing();
            setup.readVirtual("model-setup", new TopicPartition("model-setup", 0)); // creates the virtual table
            checker = pool.getConnection();
            try (Statement s = checker.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS \"model_applied\" (\"grp\" VARCHAR(255) NOT NULL,"
                        + " \"topic\" VARCHAR(255) NOT NULL, \"part\" INT NOT NULL,"
                        + " \"off\" BIGINT NOT NULL)"); // no key: a second apply shows
            }
            readRow = checker.prepareStatement("SELECT \"next_offset\" FROM \"" + TABLE
                    + "\" WHERE \"consumer_group\" = ? AND \"topic\" = ? AND \"partition\" = ?");
            readApplied = checker.prepareStatement("SELECT \"off\", COUNT(*) FROM \"model_applied\""
                    + " WHERE \"grp\" = ? AND \"topic\" = ? AND \"part\" = ? GROUP BY \"off\"");
            wipeRows = checker.prepareStatement("DELETE FROM \"" + TABLE + "\" WHERE \"topic\" = ?");
            wipeApplied = checker.prepareStatement("DELETE FROM \"model_applied\" WHERE \"topic\" = ?");
            wipeVirtual = checker.prepareStatement("DELETE FROM \"" + TABLE + "_virtual\" WHERE \"topic\" = ?");
            readVirtual = checker.prepareStatement("SELECT \"vp\", \"next_offset\", \"mapping\" FROM \"" + TABLE
                    + "_virtual\" WHERE \"consumer_group\" = ? AND \"topic\" = ? AND \"partition\" = ?");
            lockHolder = pool.getConnection();
            lockHolder.setAutoCommit(false);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot set up the model's H2 database", e);
        }
    }

    /**
     * A new offset store on this database, as a new process would build it (nothing remembered), with a lock timeout
     * of 1 ms so that a row lock held elsewhere fails fast.
     */
    PartitionOffsets newOffsets() {
        return PartitionOffsets.builder(flaky, SQLDialect.H2).lockTimeout(Duration.ofMillis(1)).build();
    }

    /** Forgets everything of {@code topic}: its rows and what was applied (a world starts with this). */
    void wipe(String topic) {
        heal();
        try {
            wipeRows.setString(1, topic);
            wipeRows.executeUpdate();
            wipeApplied.setString(1, topic);
            wipeApplied.executeUpdate();
            wipeVirtual.setString(1, topic);
            wipeVirtual.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot wipe " + topic, e);
        }
    }

    /** The virtual-partition rows of {@code tp}: r_v by virtual partition, and their mapping (null: none). */
    record VirtualRows(Map<Integer, Long> rows, String mapping) {
    }

    /** Reads the virtual-partition rows behind the store's back. */
    VirtualRows virtualRows(String group, TopicPartition tp) {
        try {
            readVirtual.setString(1, group);
            readVirtual.setString(2, tp.topic());
            readVirtual.setInt(3, tp.partition());
            Map<Integer, Long> rows = new java.util.TreeMap<>();
            String mapping = null;
            try (java.sql.ResultSet rs = readVirtual.executeQuery()) {
                while (rs.next()) {
                    rows.put(rs.getInt(1), rs.getLong(2));
                    if (mapping != null && !mapping.equals(rs.getString(3))) {
                        throw new ModelViolation("safety: mixed mappings", tp + " has rows of " + mapping + " and "
                                + rs.getString(3));
                    }
                    mapping = rs.getString(3);
                }
            }
            return new VirtualRows(rows, mapping);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the virtual rows of " + tp, e);
        }
    }

    /** The consumer's work for one message, inside the offset transaction. */
    static void apply(DSLContext tx, String group, TopicPartition tp, long offset) {
        // plain JDBC on the transaction's connection: cheaper than rendering the statement with jOOQ each time
        tx.connection(c -> {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO \"model_applied\" VALUES (?, ?, ?, ?)")) {
                s.setString(1, group);
                s.setString(2, tp.topic());
                s.setInt(3, tp.partition());
                s.setLong(4, offset);
                s.executeUpdate();
            }
        });
    }

    /** Starts or ends a database outage: the store's new connections are refused with SQLState 08001. */
    void down(boolean down) {
        flaky.down = down;
    }

    /** Holds the lock of {@code group}'s row of {@code tp} from another connection (nothing when there is none). */
    void holdLock(String group, TopicPartition tp) {
        releaseLock();
        try (PreparedStatement s = lockHolder.prepareStatement("SELECT \"next_offset\" FROM \"" + TABLE
                + "\" WHERE \"consumer_group\" = ? AND \"topic\" = ? AND \"partition\" = ? FOR UPDATE")) {
            s.setString(1, group);
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

    /** Ends every fault: the outage and the held lock. */
    void heal() {
        down(false);
        releaseLock();
    }

    /** {@code group}'s row of {@code tp} as committed, read without a lock; empty when it does not exist. */
    OptionalLong row(String group, TopicPartition tp) {
        try {
            readRow.setString(1, group);
            readRow.setString(2, tp.topic());
            readRow.setInt(3, tp.partition());
            try (ResultSet rs = readRow.executeQuery()) {
                return rs.next() ? OptionalLong.of(rs.getLong(1)) : OptionalLong.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the row of " + tp, e);
        }
    }

    /** How many times {@code group} applied each offset of {@code tp}, as committed in the database. */
    Map<Long, Integer> applied(String group, TopicPartition tp) {
        Map<Long, Integer> out = new HashMap<>();
        try {
            readApplied.setString(1, group);
            readApplied.setString(2, tp.topic());
            readApplied.setInt(3, tp.partition());
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

    @Override
    public void close() {
        heal();
        try {
            try (Statement s = checker.createStatement()) {
                s.execute("SHUTDOWN");
            }
        } catch (SQLException e) {
            // the database is gone either way
        }
        pool.dispose();
    }

    /** A data source whose connections can be refused, as during a database outage. */
    private static final class FlakyDataSource extends DelegatingDataSource {
        private volatile boolean down;

        FlakyDataSource(DataSource delegate) {
            super(delegate);
        }

        @Override
        public Connection getConnection() throws SQLException {
            if (down) {
                throw new SQLException("connection refused (an outage injected by the model test)", "08001");
            }
            return super.getConnection();
        }
    }
}
