package io.sluice.testing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransactionRollbackException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The MariaDB fixture against a real server: skipped, visibly, when Debian's {@code mariadb-server} is not
 * installed.
 */
@ExtendWith(MariaDbExtension.class)
class MariaDbServerIT {

    private static final int LOCK_WAIT_TIMEOUT = 1205;
    private static final int DEADLOCK = 1213;

    @Test
    void oneServerPerJvmAndOneDatabasePerClass(MariaDbServer server, MariaDbDatabase database, MariaDbServer again,
                                               MariaDbDatabase sameDatabase) {
        assertSame(server, again);
        assertSame(database, sameDatabase);
        assertSame(server, database.server());
        assertTrue(database.name().startsWith("mariadbserverit_"), database.name());
        assertTrue(server.isRunning());
        Path target = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).resolve("target");
        assertTrue(server.dataDirectory().startsWith(target.toAbsolutePath()), server.dataDirectory().toString());
        assertTrue(Files.isDirectory(server.dataDirectory().resolve("mysql")), "system tables installed");
    }

    @Test
    void jdbcUrlAndDataSourceReachTheServerOnLoopback(MariaDbServer server, MariaDbDatabase database)
            throws Exception {
        try (Connection c = DriverManager.getConnection(database.jdbcUrl());
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(
                     "SELECT DATABASE(), @@port, @@bind_address, @@socket, @@character_set_server, VERSION()")) {
            assertTrue(rs.next());
            assertEquals(database.name(), rs.getString(1));
            assertEquals(server.port(), rs.getInt(2));
            assertEquals("127.0.0.1", rs.getString(3));
            assertEquals(server.socket().toString(), rs.getString(4));
            assertEquals("utf8mb4", rs.getString(5));
            assertTrue(rs.getString(6).contains("MariaDB"), rs.getString(6));
        }
        try (Connection c = server.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT DATABASE(), CURRENT_USER()")) {
            assertTrue(rs.next());
            assertEquals(null, rs.getString(1));
            assertEquals("root@127.0.0.1", rs.getString(2));
        }
    }

    @Test
    void freshDatabasesAreSeparateAndCloseDropsOneStillInUse(MariaDbServer server) throws Exception {
        MariaDbDatabase a = server.createDatabase("fresh");
        try (MariaDbDatabase b = server.createDatabase("fresh")) {
            assertNotEquals(a.name(), b.name());
            execute(a.dataSource(), "CREATE TABLE only_in_a (x INT)");
            assertEquals(0, count(b.dataSource(), "SELECT COUNT(*) FROM information_schema.tables"
                    + " WHERE table_schema = DATABASE() AND table_name = 'only_in_a'"));
            // an open transaction holds a metadata lock on the table, which a plain DROP DATABASE would wait for
            try (Connection user = a.dataSource().getConnection()) {
                user.setAutoCommit(false);
                try (Statement s = user.createStatement()) {
                    s.executeQuery("SELECT * FROM only_in_a").close();
                }
                a.close();
                assertEquals(0, count(server.dataSource(), "SELECT COUNT(*) FROM information_schema.schemata"
                        + " WHERE schema_name = '" + a.name() + "'"));
                assertThrows(SQLException.class, () -> {
                    try (Statement s = user.createStatement()) {
                        s.executeQuery("SELECT 1").close();
                    }
                }, "the connection using the dropped database was ended");
            }
        } finally {
            a.close();
        }
    }

    @Test
    void lockWaitTimeoutIsVendorCode1205(MariaDbDatabase database) throws Exception {
        DataSource ds = database.dataSource();
        execute(ds, "CREATE TABLE lock_wait (id INT PRIMARY KEY, v INT) ENGINE=InnoDB");
        execute(ds, "INSERT INTO lock_wait VALUES (1, 0)");
        try (Connection holder = ds.getConnection(); Connection waiter = ds.getConnection()) {
            holder.setAutoCommit(false);
            waiter.setAutoCommit(false);
            try (Statement h = holder.createStatement(); Statement w = waiter.createStatement()) {
                h.executeQuery("SELECT v FROM lock_wait WHERE id = 1 FOR UPDATE").close();
                w.execute("SET SESSION innodb_lock_wait_timeout = 1");
                long started = System.nanoTime();
                SQLException e = assertThrows(SQLException.class,
                        () -> w.executeQuery("SELECT v FROM lock_wait WHERE id = 1 FOR UPDATE").close());
                assertEquals(LOCK_WAIT_TIMEOUT, e.getErrorCode(), e.toString());
                assertEquals("HY000", e.getSQLState(), "MariaDB reports the generic SQLState; the code tells");
                assertFalse(e instanceof SQLTransactionRollbackException,
                        "the driver does not classify it as a rollback: " + e);
                assertTrue(System.nanoTime() - started >= TimeUnit.MILLISECONDS.toNanos(900),
                        "it waited for the lock first");
                holder.rollback();
                waiter.rollback();
            }
        }
    }

    @Test
    void deadlockIsVendorCode1213(MariaDbDatabase database) throws Exception {
        DataSource ds = database.dataSource();
        execute(ds, "CREATE TABLE deadlock (id INT PRIMARY KEY, v INT) ENGINE=InnoDB");
        execute(ds, "INSERT INTO deadlock VALUES (1, 0), (2, 0)");
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try (Connection a = ds.getConnection(); Connection b = ds.getConnection();
             Connection observer = ds.getConnection()) {
            a.setAutoCommit(false);
            b.setAutoCommit(false);
            lockRow(a, 1);
            lockRow(b, 2);
            Future<SQLException> aWantsTwo = executor.submit(() -> attemptLock(a, 2));
            // b asks for row 1 only once a waits for row 2, so the cycle closes on the server
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(() -> count(observer,
                    "SELECT COUNT(*) FROM information_schema.innodb_trx WHERE trx_state = 'LOCK WAIT'") == 1);
            SQLException bFailure = attemptLock(b, 1);
            if (bFailure != null) {
                // b was the victim: its rollback released row 2 for a
                b.rollback();
            }
            SQLException aFailure = aWantsTwo.get(20, TimeUnit.SECONDS);
            if (aFailure != null) {
                a.rollback();
            }
            List<SQLException> failures = new ArrayList<>();
            for (SQLException f : new SQLException[] {aFailure, bFailure}) {
                if (f != null) {
                    failures.add(f);
                }
            }
            assertEquals(1, failures.size(), "exactly one victim: " + failures);
            assertEquals(DEADLOCK, failures.get(0).getErrorCode(), failures.get(0).toString());
            assertEquals("40001", failures.get(0).getSQLState(), "a serialization failure");
            assertInstanceOf(SQLTransactionRollbackException.class, failures.get(0));
            a.rollback();
            b.rollback();
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void stopKeepsTheDataAndRestartServesItOnTheSamePortAndSocket() throws Exception {
        Path dataDir;
        try (MariaDbServer own = MariaDbServer.start()) {
            dataDir = own.dataDirectory();
            int port = own.port();
            Path socket = own.socket();
            MariaDbDatabase db = own.createDatabase("kept");
            execute(db.dataSource(), "CREATE TABLE kept (x INT) ENGINE=InnoDB");
            execute(db.dataSource(), "INSERT INTO kept VALUES (1), (2), (3)");

            own.stop();
            assertFalse(own.isRunning());
            assertTrue(Files.isDirectory(dataDir));
            assertThrows(SQLException.class, () -> db.dataSource().getConnection().close());
            own.stop(); // idempotent

            own.restart();
            assertTrue(own.isRunning());
            assertEquals(port, own.port());
            assertEquals(socket, own.socket());
            assertEquals(3, count(db.dataSource(), "SELECT COUNT(*) FROM kept"));
            try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT @@port, @@socket")) {
                assertTrue(rs.next());
                assertEquals(port, rs.getInt(1));
                assertEquals(socket.toString(), rs.getString(2));
            }
        }
        assertFalse(Files.exists(dataDir.getParent()), "close() deletes the server's directory");
    }

    @Test
    void closeStopsTheServerDeletesItsDirectoryAndIsIdempotent() throws Exception {
        MariaDbServer own = MariaDbServer.start();
        Path base = own.dataDirectory().getParent();
        DataSource ds = own.dataSource();
        assertEquals(1, count(ds, "SELECT 1"));

        own.close();
        assertFalse(own.isRunning());
        assertFalse(Files.exists(base), base.toString());
        assertFalse(Files.exists(own.socket()), own.socket().toString());
        assertThrows(SQLException.class, () -> ds.getConnection().close());
        own.close();
        assertThrows(IllegalStateException.class, own::restart);
    }

    private static void lockRow(Connection c, int id) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.executeQuery("SELECT v FROM deadlock WHERE id = " + id + " FOR UPDATE").close();
        }
    }

    /** Null when the lock was granted, else the failure. */
    private static SQLException attemptLock(Connection c, int id) {
        try {
            lockRow(c, id);
            return null;
        } catch (SQLException e) {
            return e;
        }
    }

    private static void execute(DataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static int count(DataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection()) {
            return count(c, sql);
        }
    }

    private static int count(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next());
            return rs.getInt(1);
        }
    }
}
