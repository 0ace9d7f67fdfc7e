package io.sluice.testing;

/**
 * One fresh database on a {@link PostgresServer}, made by {@link PostgresServer#createDatabase}. Closing it drops
 * the database (terminating connections still open to it); closing is idempotent. Its JDBC URL and data source
 * log in as {@value PostgresServer#USER}.
 */
public final class PostgresDatabase extends ServerDatabase<PostgresServer> {

    PostgresDatabase(PostgresServer server, String name) {
        super(server, name, server::jdbcUrl, server::dataSource, server::dropDatabase);
    }

    /** The server it lives on. */
    public PostgresServer server() {
        return host();
    }
}
