package io.sluice.examples;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcConnectionPool;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.postgresql.ds.PGConnectionPoolDataSource;

/**
 * The demo's database: an H2 file database in the work directory by default, or the one a JDBC URL names
 * (H2 or PostgreSQL, the dialects the offset store supports), behind a small connection pool.
 * {@link #close()} closes the pool.
 */
final class DemoDatabase implements AutoCloseable {

    private static final int MAX_CONNECTIONS = 24;

    private final JdbcConnectionPool pool;
    private final SQLDialect dialect;
    private final String description;

    private DemoDatabase(JdbcConnectionPool pool, SQLDialect dialect, String description) {
        this.pool = pool;
        this.dialect = dialect;
        this.description = description;
        pool.setMaxConnections(MAX_CONNECTIONS);
    }

    /** An H2 database stored in {@code directory} (created on first connection). */
    static DemoDatabase h2File(Path directory) {
        Path file = directory.toAbsolutePath().normalize().resolve("orders");
        String url = "jdbc:h2:file:" + file;
        return new DemoDatabase(JdbcConnectionPool.create(url, "sa", ""), SQLDialect.H2,
                "H2 file database " + file + ".mv.db");
    }

    /**
     * The database {@code url} names; the dialect follows from the URL.
     *
     * @throws IllegalArgumentException when the URL is neither {@code jdbc:h2:} nor {@code jdbc:postgresql:}
     */
    static DemoDatabase of(String url, String user, String password) {
        Objects.requireNonNull(url, "url");
        String lower = url.toLowerCase(Locale.ROOT);
        if (lower.startsWith("jdbc:h2:")) {
            return new DemoDatabase(JdbcConnectionPool.create(url, user == null ? "" : user,
                    password == null ? "" : password), SQLDialect.H2, "H2 database " + url);
        }
        if (lower.startsWith("jdbc:postgresql:")) {
            PGConnectionPoolDataSource source = new PGConnectionPoolDataSource();
            source.setUrl(url);
            if (user != null) {
                source.setUser(user);
            }
            if (password != null) {
                source.setPassword(password);
            }
            return new DemoDatabase(JdbcConnectionPool.create(source), SQLDialect.POSTGRES,
                    "PostgreSQL database " + url);
        }
        throw new IllegalArgumentException("unsupported JDBC URL " + url + ": use jdbc:h2: or jdbc:postgresql:");
    }

    /** Pooled connections; closing one gives it back. */
    DataSource dataSource() {
        return pool;
    }

    /** The dialect jOOQ and the offset store speak. */
    SQLDialect dialect() {
        return dialect;
    }

    /** A jOOQ context on the pool, for statements outside the offset store. */
    DSLContext dsl() {
        return DSL.using(pool, dialect);
    }

    /** What the database is, for the demo's output. */
    String description() {
        return description;
    }

    @Override
    public void close() {
        pool.dispose();
    }
}
