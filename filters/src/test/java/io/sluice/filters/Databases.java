package io.sluice.filters;

import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/** Throwaway databases for unit tests. */
final class Databases {

    /** The consumer group of {@code TestContext} and {@code TestDriver} by default. */
    static final String GROUP = "sluice-test";

    private Databases() {
    }

    /** A fresh in-memory H2 database that lives until the JVM exits; sessions wait 10 s for a lock. */
    static DataSource h2() {
        return h2(10_000);
    }

    /**
     * A fresh in-memory H2 database whose sessions wait {@code lockTimeoutMillis} for a lock (the store's own lock
     * timeout applies to its row lock only; the user's statements get this one).
     */
    static DataSource h2(int lockTimeoutMillis) {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:offsets_" + UUID.randomUUID().toString().replace('-', '_') + ";DB_CLOSE_DELAY=-1"
                + ";LOCK_TIMEOUT=" + lockTimeoutMillis);
        ds.setUser("sa");
        return ds;
    }
}
