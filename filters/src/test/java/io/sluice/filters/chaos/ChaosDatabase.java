package io.sluice.filters.chaos;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.util.Locale;
import org.jooq.SQLDialect;

/**
 * The database every chaos member shares, named by its JDBC URL: an H2 TCP server, a PostgreSQL or a MariaDB server.
 * Members and the harness reach it through a small HikariCP pool, as a real application would (a connection per
 * transaction would dominate the run): it validates connections and evicts those a server restart broke, so a
 * database outage ends for the members when the server is back.
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

    /** A pool of at most {@code maxConnections} connections, opened lazily; the caller closes it. */
    static HikariDataSource pool(String jdbcUrl, int maxConnections) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        if (dialect(jdbcUrl) == SQLDialect.H2) {
            config.setUsername("sa");
            config.setPassword("");
        }
        config.setMaximumPoolSize(maxConnections);
        config.setMinimumIdle(0);
        config.setConnectionTimeout(5_000);
        config.setValidationTimeout(1_000);
        // a database may be down when the pool starts (a member joining during an outage)
        config.setInitializationFailTimeout(-1);
        config.setPoolName("chaos");
        return new HikariDataSource(config);
    }
}
