package io.sluice.testing;

/**
 * One fresh database on a {@link MariaDbServer}, made by {@link MariaDbServer#createDatabase}. Closing it drops
 * the database (ending the connections still using it first); closing is idempotent. Its JDBC URL and data source
 * log in as {@value MariaDbServer#USER}.
 */
public final class MariaDbDatabase extends ServerDatabase<MariaDbServer> {

    MariaDbDatabase(MariaDbServer server, String name) {
        super(server, name, server::jdbcUrl, server::dataSource, server::dropDatabase);
    }

    /** The server it lives on. */
    public MariaDbServer server() {
        return host();
    }
}
