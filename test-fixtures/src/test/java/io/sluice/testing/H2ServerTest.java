package io.sluice.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

class H2ServerTest {

    @Test
    void twoConnectionsShareOneDatabaseOverTcp() throws SQLException {
        try (H2Server server = H2Server.start()) {
            String url = server.jdbcUrl("shared");
            assertEquals("jdbc:h2:tcp://127.0.0.1:" + server.port() + "/shared", url);

            try (Connection writer = DriverManager.getConnection(url, "sa", "");
                 Connection reader = DriverManager.getConnection(url, "sa", "");
                 Statement write = writer.createStatement();
                 Statement read = reader.createStatement()) {
                write.execute("create table offsets (next_offset bigint)");
                write.execute("insert into offsets values (42)");
                try (ResultSet rows = read.executeQuery("select next_offset from offsets")) {
                    assertTrue(rows.next());
                    assertEquals(42, rows.getLong(1));
                }
            }
        }
    }

    @Test
    void closeStopsTheServerAndDeletesItsDatabases() throws Exception {
        H2Server server = H2Server.start();
        String url = server.jdbcUrl("doomed");
        try (Connection connection = DriverManager.getConnection(url, "sa", "");
             Statement statement = connection.createStatement()) {
            statement.execute("create table t (x int)");
        }
        assertTrue(h2Directories().anyMatch(dir -> Files.exists(dir.resolve("doomed.mv.db"))));

        server.close();
        server.close();

        assertThrows(SQLException.class, () -> DriverManager.getConnection(url, "sa", "").close());
        assertFalse(h2Directories().anyMatch(dir -> Files.exists(dir.resolve("doomed.mv.db"))));
    }

    @Test
    void stopEndsSessionsAndKeepsTheDataThatStartAgainServesOnTheSamePort() throws Exception {
        Path databaseFile;
        try (H2Server server = H2Server.start()) {
            String url = server.jdbcUrl("kept");
            int port = server.port();
            Connection open = DriverManager.getConnection(url, "sa", "");
            try (Statement statement = open.createStatement()) {
                statement.execute("create table offsets (next_offset bigint)");
                statement.execute("insert into offsets values (42)");
            }
            databaseFile = h2Directories().map(dir -> dir.resolve("kept.mv.db")).filter(Files::exists)
                    .findFirst().orElseThrow();

            server.stop();
            assertFalse(server.isRunning());
            assertThrows(SQLException.class, () -> {
                try (Statement statement = open.createStatement()) {
                    statement.executeQuery("select next_offset from offsets").close();
                }
            }, "a session open at the stop fails");
            open.close();
            assertThrows(SQLException.class, () -> DriverManager.getConnection(url, "sa", "").close());
            assertTrue(Files.exists(databaseFile));
            server.stop(); // idempotent

            server.startAgain();
            assertTrue(server.isRunning());
            server.startAgain(); // idempotent
            assertEquals(port, server.port());
            assertEquals(url, server.jdbcUrl("kept"));
            try (Connection reader = DriverManager.getConnection(url, "sa", "");
                 Statement read = reader.createStatement();
                 ResultSet rows = read.executeQuery("select next_offset from offsets")) {
                assertTrue(rows.next());
                assertEquals(42, rows.getLong(1));
            }
        }
        assertFalse(Files.exists(databaseFile), "close() deletes the databases");
    }

    @Test
    void closeAfterStopDeletesTheDatabasesAndForbidsStartingAgain() throws Exception {
        H2Server server = H2Server.start();
        String url = server.jdbcUrl("stopped");
        DriverManager.getConnection(url, "sa", "").close();
        server.stop();

        server.close();
        server.close();

        assertFalse(server.isRunning());
        assertFalse(h2Directories().anyMatch(dir -> Files.exists(dir.resolve("stopped.mv.db"))));
        assertThrows(IllegalStateException.class, server::startAgain);
        assertThrows(IllegalStateException.class, server::stop);
    }

    @Test
    void rejectsDatabaseNamesThatCouldEscapeItsDirectory() {
        try (H2Server server = H2Server.start()) {
            assertThrows(IllegalArgumentException.class, () -> server.jdbcUrl("../elsewhere"));
            assertThrows(IllegalArgumentException.class, () -> server.jdbcUrl("db;INIT=runscript"));
        }
    }

    private static Stream<Path> h2Directories() throws java.io.IOException {
        try (Stream<Path> dirs = Files.list(Path.of("target"))) {
            return dirs.filter(dir -> dir.getFileName().toString().startsWith("h2-")).toList().stream();
        }
    }
}
