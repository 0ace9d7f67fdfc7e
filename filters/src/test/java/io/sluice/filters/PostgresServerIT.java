package io.sluice.filters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.testing.PostgresDatabase;
import io.sluice.testing.PostgresExtension;
import io.sluice.testing.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The PostgreSQL fixture of test-fixtures, exercised where it is used. */
@ExtendWith(PostgresExtension.class)
class PostgresServerIT {

    @Test
    void oneServerPerJvmAndOneDatabasePerClass(PostgresServer server, PostgresDatabase database,
                                               PostgresServer again, PostgresDatabase sameDatabase) {
        assertSame(server, again);
        assertSame(database, sameDatabase);
        assertSame(server, database.server());
        assertTrue(database.name().startsWith("postgresserverit_"), database.name());
        assertTrue(Files.isDirectory(server.dataDirectory()));
        String dataDir = server.dataDirectory().toString();
        Path target = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).resolve("target");
        if (!"root".equals(System.getProperty("user.name")) || traversableByOthers(target)) {
            assertTrue(dataDir.startsWith(target.toAbsolutePath().toString()), dataDir);
        } else {
            // as root in a checkout the postgres user cannot reach (e.g. a clone under a private temp dir or
            // /root), the fixture documents that the data goes to a temporary directory instead
            assertTrue(dataDir.startsWith(Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().toString()),
                    dataDir);
        }
    }

    private static boolean traversableByOthers(Path dir) {
        try {
            for (Path p = dir.toAbsolutePath(); p != null; p = p.getParent()) {
                if (!Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                    return false;
                }
            }
            return true;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void jdbcUrlAndDataSourceReachTheServerOnLoopback(PostgresServer server, PostgresDatabase database)
            throws Exception {
        try (Connection c = DriverManager.getConnection(database.jdbcUrl());
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT current_database(), inet_server_addr()::text")) {
            assertTrue(rs.next());
            assertEquals(database.name(), rs.getString(1));
            assertEquals("127.0.0.1/32", rs.getString(2));
        }
        try (Connection c = server.dataSource().getConnection()) {
            assertEquals("postgres", c.getCatalog());
        }
    }

    @Test
    void freshDatabasesAreSeparate(PostgresServer server) throws Exception {
        try (PostgresDatabase a = server.createDatabase("fresh"); PostgresDatabase b = server.createDatabase("fresh")) {
            assertNotEquals(a.name(), b.name());
            try (Connection c = a.dataSource().getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE only_in_a (x INT)");
            }
            try (Connection c = b.dataSource().getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'")) {
                assertTrue(rs.next());
                assertEquals(0, rs.getInt(1));
            }
        }
    }
}
