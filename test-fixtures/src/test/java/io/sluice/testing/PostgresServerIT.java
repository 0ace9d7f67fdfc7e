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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Stopping and starting again a PostgreSQL fixture of its own (the extension only skips the class, visibly, when
 * PostgreSQL is not installed).
 */
@ExtendWith(PostgresExtension.class)
class PostgresServerIT {

    @Test
    void stopKeepsTheDataAndStartAgainServesItOnTheSamePort() throws Exception {
        Path dataDir;
        try (PostgresServer own = PostgresServer.start()) {
            dataDir = own.dataDirectory();
            int port = own.port();
            assertTrue(own.isRunning());
            PostgresDatabase db = own.createDatabase("kept");
            String url = db.jdbcUrl();
            try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE kept (x INT)");
                s.execute("INSERT INTO kept VALUES (7)");
            }
            Connection open = DriverManager.getConnection(url);

            own.stop();
            assertFalse(own.isRunning());
            assertTrue(Files.isDirectory(dataDir));
            assertThrows(SQLException.class, () -> {
                try (Statement s = open.createStatement()) {
                    s.executeQuery("SELECT x FROM kept").close();
                }
            }, "a session open at the stop fails");
            open.close();
            assertThrows(SQLException.class, () -> DriverManager.getConnection(url).close());
            own.stop(); // idempotent

            own.startAgain();
            assertTrue(own.isRunning());
            own.startAgain(); // idempotent
            assertEquals(port, own.port());
            try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT x, inet_server_port() FROM kept")) {
                assertTrue(rs.next());
                assertEquals(7, rs.getInt(1));
                assertEquals(port, rs.getInt(2));
                assertFalse(rs.next());
            }
        }
        assertFalse(Files.exists(dataDir), "close() deletes the data directory");
    }

    @Test
    void closeAfterStopDeletesTheDataAndForbidsStartingAgain() throws Exception {
        PostgresServer own = PostgresServer.start();
        Path dataDir = own.dataDirectory();
        own.stop();

        own.close();
        own.close();

        assertFalse(own.isRunning());
        assertFalse(Files.exists(dataDir), dataDir.toString());
        assertThrows(IllegalStateException.class, own::startAgain);
        assertThrows(IllegalStateException.class, own::stop);
    }
}
