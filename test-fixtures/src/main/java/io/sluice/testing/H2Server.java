package io.sluice.testing;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Objects;
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
 *   <li>databases are files in a fresh directory under {@code target/} of the working directory, which
 *       {@link #close()} deletes after stopping the server;</li>
 *   <li>{@link #stop()} stops the server, ending every open session (clients see their connections fail and
 *       new ones refused), and keeps the database files; {@link #startAgain()} listens on the same port again,
 *       so JDBC URLs handed out before (also to other JVMs) reach the same databases, with what they had
 *       committed.</li>
 * </ul>
 * H2 reads its bind address once per JVM, from the system property {@code h2.bindAddress}: this class sets it
 * to {@code 127.0.0.1} unless it is already set, which works when no H2 class was loaded before. If H2 was
 * loaded first, the server listens on every interface but still refuses connections from other hosts.
 *
 * <p>Instances are thread-safe; {@link #stop()}, {@link #startAgain()} and {@link #close()} are idempotent, and
 * {@link #close()} works whether the server runs or is stopped.
 */
public final class H2Server implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(H2Server.class);
    private static final String BIND_ADDRESS_PROPERTY = "h2.bindAddress";
    private static final Pattern DATABASE_NAME = Pattern.compile("[A-Za-z0-9_-]+");

    private final Path baseDir;
    private final int port;
    private Server server;
    private boolean running;
    private boolean closed;

    private H2Server(Server server, Path baseDir) {
        this.server = server;
        this.baseDir = baseDir;
        this.port = server.getPort();
        this.running = true;
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
            Server server = tcpServer(0, baseDir).start();
            LOG.info("H2 server started on 127.0.0.1:{} (databases in {})", server.getPort(), baseDir);
            return new H2Server(server, baseDir);
        } catch (SQLException e) {
            ScratchDirectories.delete(baseDir);
            throw new IllegalStateException("Could not start the H2 TCP server", e);
        }
    }

    private static Server tcpServer(int port, Path baseDir) throws SQLException {
        return Server.createTcpServer("-tcpPort", String.valueOf(port), "-tcpDaemon", "-ifNotExists",
                "-baseDir", baseDir.toString());
    }

    /**
     * The port the server listens on; the same for the server's whole life, across {@link #stop()} and
     * {@link #startAgain()}.
     *
     * @return a port number between 1 and 65535
     */
    public int port() {
        return port;
    }

    /**
     * Stops the server and returns once it no longer listens: every open session is ended (its client's next
     * call fails), new connections are refused, and the databases, closed with their last session, stay on disk
     * with what was committed. Idempotent.
     *
     * @throws IllegalStateException if the server is closed
     */
    public synchronized void stop() {
        requireOpen();
        if (!running) {
            return;
        }
        server.stop();
        running = false;
        LOG.info("H2 server on 127.0.0.1:{} stopped, databases kept in {}", port, baseDir);
    }

    /**
     * Starts the server again after {@link #stop()}, on the same port and the same database directory, and
     * returns once it listens; every URL from {@link #jdbcUrl(String)} reaches its database again. Does nothing
     * when it runs.
     *
     * @throws IllegalStateException if the server is closed, or could not listen on its port again (e.g. another
     *     process took it meanwhile)
     */
    public synchronized void startAgain() {
        requireOpen();
        if (running) {
            return;
        }
        try {
            server = tcpServer(port, baseDir).start();
        } catch (SQLException e) {
            throw new IllegalStateException("Could not start the H2 TCP server again on port " + port, e);
        }
        running = true;
        LOG.info("H2 server started again on 127.0.0.1:{}", port);
    }

    /**
     * Whether the server runs: started and not {@linkplain #stop() stopped} or {@linkplain #close() closed} since.
     *
     * @return {@code true} while it accepts connections
     */
    public synchronized boolean isRunning() {
        return running;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
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
        return "jdbc:h2:tcp://127.0.0.1:" + port + "/" + dbName;
    }

    /**
     * Stops the server if it runs, closing every connection to it, and deletes its databases. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (running) {
            server.stop();
            running = false;
        }
        ScratchDirectories.delete(baseDir);
        LOG.info("H2 server on 127.0.0.1:{} closed, {} deleted", port, baseDir);
    }

    @Override
    public synchronized String toString() {
        return "H2Server[127.0.0.1:" + port + (closed ? ", closed]" : running ? "]" : ", stopped]");
    }
}
