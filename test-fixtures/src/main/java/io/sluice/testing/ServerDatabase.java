package io.sluice.testing;

import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import javax.sql.DataSource;

/**
 * What {@link MariaDbDatabase} and {@link PostgresDatabase} share: a database, by name, on a server of type
 * {@code S}, reached through the server's URLs and data sources, and dropped on the first {@link #close()} and
 * only then.
 */
abstract class ServerDatabase<S> implements AutoCloseable {

    private final S server;
    private final String name;
    private final Function<String, String> jdbcUrls;
    private final Function<String, DataSource> dataSources;
    private final Consumer<String> dropper;
    private boolean dropped;

    /**
     * @param jdbcUrls    the server's JDBC URL of a database, by name
     * @param dataSources the server's data source for a database, by name
     * @param dropper     drops a database of the server, by name
     */
    ServerDatabase(S server, String name, Function<String, String> jdbcUrls,
            Function<String, DataSource> dataSources, Consumer<String> dropper) {
        this.server = Objects.requireNonNull(server, "server");
        this.name = Objects.requireNonNull(name, "name");
        this.jdbcUrls = Objects.requireNonNull(jdbcUrls, "jdbcUrls");
        this.dataSources = Objects.requireNonNull(dataSources, "dataSources");
        this.dropper = Objects.requireNonNull(dropper, "dropper");
    }

    /** The database's name, a lower-case identifier. */
    public String name() {
        return name;
    }

    /** The server it lives on, for the subclass's typed accessor. */
    final S host() {
        return server;
    }

    /** Its JDBC URL, as the server's administrative user. */
    public String jdbcUrl() {
        return jdbcUrls.apply(name);
    }

    /** A non-pooling data source for it. */
    public DataSource dataSource() {
        return dataSources.apply(name);
    }

    /** Drops the database. */
    @Override
    public synchronized void close() {
        if (!dropped) {
            dropped = true;
            dropper.accept(name);
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + name + " on " + server + "]";
    }
}
