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

    /** A fresh in-memory H2 database that lives until the JVM exits. */
    static DataSource h2() {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:offsets_" + UUID.randomUUID().toString().replace('-', '_') + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000");
        ds.setUser("sa");
        return ds;
    }
}
