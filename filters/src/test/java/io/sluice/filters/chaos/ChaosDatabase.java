package io.sluice.filters.chaos;

import java.util.Locale;
import javax.sql.ConnectionPoolDataSource;
import org.h2.jdbcx.JdbcConnectionPool;
import org.h2.jdbcx.JdbcDataSource;
import org.jooq.SQLDialect;
import org.mariadb.jdbc.MariaDbDataSource;
import org.postgresql.ds.PGConnectionPoolDataSource;

/**
 * The database every chaos member shares, named by its JDBC URL: an H2 TCP server, a PostgreSQL or a MariaDB server. Members
 * and the harness reach it through a small connection pool, as a real application would (a connection per
 * transaction would dominate the run).
 */
final class ChaosDatabase {

    private ChaosDatabase() {
    }

    /** {@code h2}, {@code postgresql} or {@code mariadb}, as the summary line names it. */
    static String kind(String jdbcUrl) {
        return switch (dialect(jdbcUrl)) {
            case H2 -> "h2";
            case MARIADB -> "mariadb";
            default -> "postgresql";
        };
    }

    /** The dialect the URL speaks. */
    static SQLDialect dialect(String jdbcUrl) {
        String url = jdbcUrl.toLowerCase(Locale.ROOT);
        if (url.startsWith("jdbc:h2:")) {
            return SQLDialect.H2;
        }
        if (url.startsWith("jdbc:postgresql:")) {
            return SQLDialect.POSTGRES;
        }
        if (url.startsWith("jdbc:mariadb:")) {
            return SQLDialect.MARIADB;
        }
        throw new IllegalArgumentException("not an H2, PostgreSQL or MariaDB JDBC URL: " + jdbcUrl);
    }

    /** A pool of at most {@code maxConnections} connections; the caller disposes of it. */
    static JdbcConnectionPool pool(String jdbcUrl, int maxConnections) {
        ConnectionPoolDataSource source;
        if (dialect(jdbcUrl) == SQLDialect.MARIADB) {
            try {
                source = new MariaDbDataSource(jdbcUrl);
            } catch (java.sql.SQLException e) {
                throw new IllegalArgumentException("bad MariaDB JDBC URL " + jdbcUrl, e);
            }
        } else if (dialect(jdbcUrl) == SQLDialect.H2) {
            JdbcDataSource h2 = new JdbcDataSource();
            h2.setURL(jdbcUrl);
            h2.setUser("sa");
            h2.setPassword("");
            source = h2;
        } else {
            PGConnectionPoolDataSource pg = new PGConnectionPoolDataSource();
            pg.setURL(jdbcUrl);
            source = pg;
        }
        JdbcConnectionPool pool = JdbcConnectionPool.create(source);
        pool.setMaxConnections(maxConnections);
        return pool;
    }
}
