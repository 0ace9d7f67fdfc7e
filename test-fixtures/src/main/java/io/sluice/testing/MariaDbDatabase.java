package io.sluice.testing;

import java.util.Objects;
import javax.sql.DataSource;

/**
 * One fresh database on a {@link MariaDbServer}, made by {@link MariaDbServer#createDatabase}. Closing it drops
 * the database (ending the connections still using it first); closing is idempotent.
 */
public final class MariaDbDatabase implements AutoCloseable {

    private final MariaDbServer server;
    private final String name;
    private boolean dropped;

    MariaDbDatabase(MariaDbServer server, String name) {
        this.server = Objects.requireNonNull(server, "server");
        this.name = Objects.requireNonNull(name, "name");
    }

    /** The database's name, a lower-case identifier. */
    public String name() {
        return name;
    }

    /** The server it lives on. */
    public MariaDbServer server() {
        return server;
    }

    /** Its JDBC URL, as {@value MariaDbServer#USER}. */
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
        return "MariaDbDatabase[" + name + " on " + server + "]";
    }
}
