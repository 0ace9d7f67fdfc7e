package io.sluice.testing;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

import org.h2.tools.Server;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An H2 database server reachable over TCP, so that several JVMs (the members of a multi-process test) can
 * share one database.
 *
 * <p>Guarantees, once {@link #start()} has returned:
 * <ul>
 *   <li>the server listens on a free port and accepts connections only from this machine: it binds
 *       {@code 127.0.0.1} (see below) and never allows remote connections;</li>
 *   <li>{@link #jdbcUrl(String)} names a database that is created on first connection, with the default user
 *       {@code sa} and an empty password;</li>
 *   <li>databases live in a fresh directory under {@code target/} of the working directory, which
 *       {@link #close()} deletes after stopping the server.</li>
 * </ul>
 * H2 reads its bind address once per JVM, from the system property {@code h2.bindAddress}: this class sets it
 * to {@code 127.0.0.1} unless it is already set, which works when no H2 class was loaded before. If H2 was
 * loaded first, the server listens on every interface but still refuses connections from other hosts.
 *
 * <p>Instances are thread-safe; {@link #close()} is idempotent.
 */
public final class H2Server implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(H2Server.class);
    private static final String BIND_ADDRESS_PROPERTY = "h2.bindAddress";
    private static final Pattern DATABASE_NAME = Pattern.compile("[A-Za-z0-9_-]+");

    private final Server server;
    private final Path baseDir;
    private final AtomicBoolean closed = new AtomicBoolean();

    private H2Server(Server server, Path baseDir) {
        this.server = server;
        this.baseDir = baseDir;
    }

    /**
     * Starts a server on a free loopback port.
     *
     * @return the running server, never {@code null}; the caller closes it
     * @throws IllegalStateException if the server could not start
     */
    public static H2Server start() {
        if (System.getProperty(BIND_ADDRESS_PROPERTY) == null) {
            System.setProperty(BIND_ADDRESS_PROPERTY, "127.0.0.1");
        }
        Path baseDir = ScratchDirectories.create("h2-");
        try {
            // port 0: H2 binds an ephemeral port and reports it, so there is no race for a free port
            Server server = Server.createTcpServer(
                    "-tcpPort", "0", "-tcpDaemon", "-ifNotExists", "-baseDir", baseDir.toString()).start();
            LOG.info("H2 server started on 127.0.0.1:{} (databases in {})", server.getPort(), baseDir);
            return new H2Server(server, baseDir);
        } catch (SQLException e) {
            ScratchDirectories.delete(baseDir);
            throw new IllegalStateException("Could not start the H2 TCP server", e);
        }
    }

    /**
     * The port the server listens on.
     *
     * @return a port number between 1 and 65535
     */
    public int port() {
        return server.getPort();
    }

    /**
     * A JDBC URL of a database on this server; the database is created on first connection and shared by
     * every connection, from any JVM on this machine, that uses the same name.
     *
     * @param dbName letters, digits, {@code _} and {@code -} only, never {@code null}
     * @return {@code jdbc:h2:tcp://127.0.0.1:port/dbName}, never {@code null}
     * @throws IllegalArgumentException if the name has other characters (it would escape the base directory
     *     or carry URL settings)
     */
    public String jdbcUrl(String dbName) {
        Objects.requireNonNull(dbName, "dbName");
        if (!DATABASE_NAME.matcher(dbName).matches()) {
            throw new IllegalArgumentException(
                    "Database name must match " + DATABASE_NAME.pattern() + ", was '" + dbName + "'");
        }
        return "jdbc:h2:tcp://127.0.0.1:" + port() + "/" + dbName;
    }

    /**
     * Stops the server, closing every connection to it, and deletes its databases. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        int port = server.getPort();
        server.stop();
        ScratchDirectories.delete(baseDir);
        LOG.info("H2 server on 127.0.0.1:{} stopped", port);
    }

    @Override
    public String toString() {
        return "H2Server[127.0.0.1:" + server.getPort() + (closed.get() ? ", closed]" : "]");
    }
}
