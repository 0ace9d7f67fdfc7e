package io.sluice.examples;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcConnectionPool;
import org.h2.tools.Server;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.postgresql.ds.PGConnectionPoolDataSource;

/**
 * The demo's database: an H2 file database in the work directory by default, or the one a JDBC URL names
 * (H2 or PostgreSQL, the dialects the offset store supports), behind a small connection pool.
 * {@link #close()} closes the pool and stops the H2 server, if one was started.
 *
 * <p>The default H2 database is served by an in-process H2 TCP server on loopback rather than opened embedded:
 * {@code SluiceRuntime.halt()} interrupts the halted runtime's workers, and an interrupt that lands in H2's
 * file I/O closes the file channel and breaks an embedded store for every connection (H2 issue #227). Behind
 * the server, a crash of one runtime leaves the database as untouched as a crashed process would.
 */
final class DemoDatabase implements AutoCloseable {

    private static final int MAX_CONNECTIONS = 24;

    private static final String DATABASE_NAME = "orders";
    private static final String H2_BIND_ADDRESS = "h2.bindAddress";

    private final JdbcConnectionPool pool;
    private final SQLDialect dialect;
    private final String description;
    private final Optional<Server> server;

    private DemoDatabase(JdbcConnectionPool pool, SQLDialect dialect, String description, Optional<Server> server) {
        this.pool = pool;
        this.dialect = dialect;
        this.description = description;
        this.server = server;
        pool.setMaxConnections(MAX_CONNECTIONS);
    }

    /**
     * An H2 database stored in {@code directory} (created on first connection), served on a free loopback port.
     *
     * @throws SQLException when the H2 server cannot start
     */
    static DemoDatabase h2File(Path directory) throws SQLException {
        Path dir = directory.toAbsolutePath().normalize();
        if (System.getProperty(H2_BIND_ADDRESS) == null) {
            // read once, when H2 first loads: listen on loopback only (remote connections are refused anyway)
            System.setProperty(H2_BIND_ADDRESS, "127.0.0.1");
        }
        Server server = Server.createTcpServer("-tcpPort", "0", "-tcpDaemon", "-ifNotExists",
                "-baseDir", dir.toString()).start();
        String url = "jdbc:h2:tcp://127.0.0.1:" + server.getPort() + "/" + DATABASE_NAME;
        return new DemoDatabase(JdbcConnectionPool.create(url, "sa", ""), SQLDialect.H2,
                "H2 file database " + dir.resolve(DATABASE_NAME + ".mv.db") + " (served at " + url + ")",
                Optional.of(server));
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
                    password == null ? "" : password), SQLDialect.H2, "H2 database " + url, Optional.empty());
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
                    "PostgreSQL database " + url, Optional.empty());
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
        server.ifPresent(Server::stop);
    }
}
