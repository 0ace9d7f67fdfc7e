package io.sluice.testing;

import java.util.Objects;
import javax.sql.DataSource;

/**
 * One fresh database on a {@link PostgresServer}, made by {@link PostgresServer#createDatabase}. Closing it drops
 * the database (terminating connections still open to it); closing is idempotent.
 */
public final class PostgresDatabase implements AutoCloseable {

    private final PostgresServer server;
    private final String name;
    private boolean dropped;

    PostgresDatabase(PostgresServer server, String name) {
        this.server = Objects.requireNonNull(server, "server");
        this.name = Objects.requireNonNull(name, "name");
    }

    /** The database's name, a lower-case identifier. */
    public String name() {
        return name;
    }

    /** The server it lives on. */
    public PostgresServer server() {
        return server;
    }

    /** Its JDBC URL, as {@value PostgresServer#USER}. */
    public String jdbcUrl() {
        return server.jdbcUrl(name);
    }

    /** A non-pooling data source for it. */
    public DataSource dataSource() {
        return server.dataSource(name);
    }

    /** Drops the database. */
    @Override
    public synchronized void close() {
        if (!dropped) {
            dropped = true;
            server.dropDatabase(name);
        }
    }

    @Override
    public String toString() {
        return "PostgresDatabase[" + name + " on " + server + "]";
    }
}
