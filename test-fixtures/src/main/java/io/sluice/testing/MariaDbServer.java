package io.sluice.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.mariadb.jdbc.MariaDbDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A throwaway MariaDB server for integration tests, run from the binaries installed on the machine (Debian's
 * {@code mariadb-server} package).
 *
 * <p>Guarantees: {@link #start} initialises a data directory with {@code mariadb-install-db} and runs
 * {@code mariadbd} as a child process of this JVM, both with {@code --no-defaults} (no option file of the machine
 * is read), listening on 127.0.0.1 only, on a free port, with its unix socket, pid file and log
 * ({@code server.log}) in the same directory, no binary log, {@code utf8mb4} as the server's character set and
 * durability relaxed for speed (the InnoDB log is flushed once a second, which survives the server's crash but
 * not the machine's). As root it runs the server with {@code --user=root}. User {@value #USER} logs in over TCP
 * with an empty password (normal authentication, no grant checks switched off). {@link #start} returns only once
 * a JDBC connection to this very server (checked by its socket path) succeeds.
 *
 * <p>{@link #stop()} shuts the server down cleanly and keeps its data; {@link #restart()} runs it again with the
 * same data directory, port and socket. {@link #close()} stops it and deletes the directory; it is idempotent,
 * and a JVM shutdown hook does it if nobody did. Nothing outside the directory is touched, except a temporary
 * socket directory when the path would be too long for a unix socket (deleted with the rest). Instances are
 * thread-safe.
 *
 * <p>Use {@link MariaDbExtension} to share one server per test JVM.
 */
public final class MariaDbServer implements AutoCloseable {

    /** The administrative user; it has no password and may connect from 127.0.0.1. */
    public static final String USER = "root";

    /**
     * A system property naming a directory that holds {@code mariadbd} and {@code mariadb-install-db}, searched
     * before the standard directories.
     */
    public static final String BIN_DIR_PROPERTY = "sluice.mariadb.bin";

    /** The locations of the two programs the fixture runs. */
    public record Binaries(Path server, Path installDb) {

        /** Both paths are required. */
        public Binaries {
            Objects.requireNonNull(server, "server");
            Objects.requireNonNull(installDb, "installDb");
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(MariaDbServer.class);
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,63}");
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final int START_ATTEMPTS = 3;
    private static final long INSTALL_TIMEOUT_SECONDS = 120;
    private static final long READY_TIMEOUT_SECONDS = 60;
    private static final long STOP_TIMEOUT_SECONDS = 60;
    private static final long READY_POLL_MILLIS = 100;
    private static final String SOCKET_NAME = "mysqld.sock";

    private final Binaries binaries;
    private final Path baseDir;
    private final Path dataDir;
    private final Path socket;
    private final boolean asRoot;
    private final int port;
    private final Thread shutdownHook;
    private Process process;
    private boolean closed;

    private MariaDbServer(Binaries binaries, Path baseDir, Path socket, boolean asRoot, int port) {
        this.binaries = binaries;
        this.baseDir = baseDir;
        this.dataDir = baseDir.resolve("data");
        this.socket = socket;
        this.asRoot = asRoot;
        this.port = port;
        this.shutdownHook = new Thread(this::stopAndDelete, "mariadb-" + port + "-shutdown");
    }

    /**
     * Finds {@code mariadbd} and {@code mariadb-install-db}: each in the {@value #BIN_DIR_PROPERTY} directory if
     * set, else in the first of {@code /usr/local/sbin}, {@code /usr/local/bin}, {@code /usr/sbin} and
     * {@code /usr/bin} that has it; empty when either is missing.
     */
    public static Optional<Binaries> findBinaries() {
        List<Path> dirs = new ArrayList<>();
        String configured = System.getProperty(BIN_DIR_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            dirs.add(Path.of(configured));
        }
        for (String dir : List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin")) {
            dirs.add(Path.of(dir));
        }
        Optional<Path> server = dirs.stream().map(d -> d.resolve("mariadbd")).filter(Files::isExecutable).findFirst();
        Optional<Path> installDb = dirs.stream().map(d -> d.resolve("mariadb-install-db"))
                .filter(Files::isExecutable).findFirst();
        return server.isPresent() && installDb.isPresent()
                ? Optional.of(new Binaries(server.get(), installDb.get()))
                : Optional.empty();
    }

    /**
     * Starts a server under a new directory {@code mariadb-<pid>-<n>} of the current module's {@code target/}
     * (the {@code basedir} property Surefire and Failsafe set, else the working directory).
     *
     * @throws IllegalStateException when no binaries are installed
     * @throws IOException           when the server cannot be initialised or started
     */
    public static MariaDbServer start() throws IOException {
        return start(ScratchDirectories.moduleTarget());
    }

    /**
     * Starts a server under a new directory inside {@code parent}.
     *
     * @throws IllegalStateException when no binaries are installed
     * @throws IOException           when the server cannot be initialised or started
     */
    public static MariaDbServer start(Path parent) throws IOException {
        Binaries binaries = findBinaries().orElseThrow(() -> new IllegalStateException(
                "no MariaDB binaries (mariadbd, mariadb-install-db) found; install the mariadb-server package or set"
                        + " -D" + BIN_DIR_PROPERTY));
        boolean asRoot = "root".equals(System.getProperty("user.name"));
        Files.createDirectories(parent);
        Path baseDir = parent.toAbsolutePath()
                .resolve("mariadb-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet());
        Files.createDirectory(baseDir);
        Files.setPosixFilePermissions(baseDir, PosixFilePermissions.fromString("rwx------"));
        Path socket = baseDir.resolve(SOCKET_NAME);
        // a unix socket path is limited to ~107 bytes
        if (socket.toString().length() > 100) {
            socket = Files.createTempDirectory("mariadb-sock").resolve(SOCKET_NAME);
        }
        MariaDbServer server = null;
        try {
            List<String> install = new ArrayList<>(List.of(binaries.installDb().toString(), "--no-defaults",
                    "--auth-root-authentication-method=normal", "--skip-test-db",
                    "--datadir=" + baseDir.resolve("data")));
            if (asRoot) {
                install.add("--user=root");
            }
            ServerProcesses.runToCompletion(install, baseDir, INSTALL_TIMEOUT_SECONDS, "mariadb-install-db", () -> "");
            IOException last = null;
            for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
                server = new MariaDbServer(binaries, baseDir, socket, asRoot, LoopbackPorts.free());
                try {
                    server.launch();
                    Runtime.getRuntime().addShutdownHook(server.shutdownHook);
                    LOG.info("MariaDB from {} listening on 127.0.0.1:{}, data in {}", binaries.server(), server.port,
                            server.dataDir);
                    return server;
                } catch (IOException e) {
                    // most likely the port was taken between choosing and binding it: try another
                    last = e;
                    LOG.warn("starting MariaDB failed (attempt {} of {}): {}", attempt, START_ATTEMPTS,
                            e.getMessage());
                }
            }
            throw last;
        } catch (IOException | RuntimeException e) {
            if (server != null) {
                server.kill();
            }
            ScratchDirectories.delete(baseDir);
            ScratchDirectories.delete(socket.getParent());
            throw e;
        }
    }

    /** The TCP port on 127.0.0.1; the same for the server's whole life, across {@link #restart()}. */
    public int port() {
        return port;
    }

    /** The data directory. */
    public Path dataDirectory() {
        return dataDir;
    }

    /** The unix socket the server listens on while it runs. */
    public Path socket() {
        return socket;
    }

    /** Whether the server process is running. */
    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** The JDBC URL of the server with no default database, as {@value #USER}. */
    public String jdbcUrl() {
        return jdbcUrl("");
    }

    /** The JDBC URL of {@code database}, as {@value #USER}. */
    public String jdbcUrl(String database) {
        return "jdbc:mariadb://127.0.0.1:" + port + "/" + database + "?user=" + USER;
    }

    /** A non-pooling data source with no default database. */
    public DataSource dataSource() {
        return dataSource("");
    }

    /** A non-pooling data source for {@code database}. */
    public DataSource dataSource(String database) {
        try {
            MariaDbDataSource ds = new MariaDbDataSource(jdbcUrl(database));
            ds.setUser(USER);
            return ds;
        } catch (SQLException e) {
            throw new IllegalArgumentException("bad JDBC URL " + jdbcUrl(database), e);
        }
    }

    /**
     * Creates a fresh, empty database with a unique name starting with {@code prefix}.
     *
     * @param prefix lower-case letters, digits and {@code _}; the name is {@code prefix_<n>}
     * @throws IllegalArgumentException when the prefix is not such an identifier
     */
    public MariaDbDatabase createDatabase(String prefix) {
        String name = AdminSql.databaseName(prefix, COUNTER.incrementAndGet(), IDENTIFIER);
        execute("CREATE DATABASE `" + name + "`");
        return new MariaDbDatabase(this, name);
    }

    /** Ends the connections using the database, so that none holds a lock the drop would wait for, then drops it. */
    void dropDatabase(String name) {
        String sql = "DROP DATABASE IF EXISTS `" + name + "`";
        try (Connection c = dataSource().getConnection(); Statement s = c.createStatement()) {
            List<Long> users = new ArrayList<>();
            try (PreparedStatement q = c.prepareStatement(
                    "SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()")) {
                q.setString(1, name);
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        users.add(rs.getLong(1));
                    }
                }
            }
            for (long id : users) {
                try {
                    s.execute("KILL CONNECTION " + id);
                } catch (SQLException e) {
                    // 1094 unknown thread: it ended on its own meanwhile
                    if (e.getErrorCode() != 1094) {
                        throw e;
                    }
                }
            }
            s.execute("SET SESSION lock_wait_timeout = 30");
            s.execute(sql);
        } catch (SQLException e) {
            throw AdminSql.failed(sql, port, e);
        }
    }

    private void execute(String sql) {
        AdminSql.execute(dataSource(), port, sql);
    }

    /**
     * Shuts the server down cleanly (committed data is on disk afterwards) and keeps its directory; connections
     * fail until {@link #restart()}. Idempotent.
     *
     * @throws IllegalStateException when the server is closed
     */
    public synchronized void stop() {
        requireOpen();
        shutDown();
    }

    /**
     * Stops the server if it runs, then runs it again with the same data directory, port and socket, and returns
     * once it accepts connections.
     *
     * @throws IllegalStateException when the server is closed
     * @throws IOException           when it does not come up, e.g. because another process took the port meanwhile
     */
    public synchronized void restart() throws IOException {
        requireOpen();
        shutDown();
        launch();
        LOG.info("MariaDB on port {} restarted", port);
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    /** Stops the server and deletes its directory. Idempotent. */
    @Override
    public void close() {
        stopAndDelete();
        ServerProcesses.removeShutdownHook(shutdownHook);
    }

    private synchronized void stopAndDelete() {
        if (closed) {
            return;
        }
        closed = true;
        shutDown();
        ScratchDirectories.delete(baseDir);
        if (!socket.startsWith(baseDir)) {
            ScratchDirectories.delete(socket.getParent());
        }
        LOG.info("MariaDB on port {} stopped and {} deleted", port, baseDir);
    }

    private synchronized void launch() throws IOException {
        List<String> command = new ArrayList<>(List.of(binaries.server().toString(), "--no-defaults"));
        if (asRoot) {
            command.add("--user=root");
        }
        command.addAll(List.of(
                "--datadir=" + dataDir,
                "--bind-address=127.0.0.1",
                "--port=" + port,
                "--socket=" + socket,
                "--pid-file=" + baseDir.resolve("mysqld.pid"),
                "--skip-log-bin",
                "--skip-name-resolve",
                "--character-set-server=utf8mb4",
                "--innodb-flush-log-at-trx-commit=2",
                "--innodb-doublewrite=0"));
        Path log = baseDir.resolve("server.log");
        process = new ProcessBuilder(command)
                .directory(baseDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        awaitReady();
    }

    /** Polls a JDBC connection until it reaches this server, the process dies, or the deadline passes. */
    private void awaitReady() throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_TIMEOUT_SECONDS);
        DataSource probe;
        try {
            probe = new MariaDbDataSource(jdbcUrl() + "&connectTimeout=1000");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        SQLException lastFailure = null;
        while (true) {
            if (!process.isAlive()) {
                throw new IOException("mariadbd on port " + port + " exited with " + process.exitValue() + "\n"
                        + serverLogTail());
            }
            try (Connection c = probe.getConnection(USER, "");
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT @@socket")) {
                rs.next();
                String served = rs.getString(1);
                if (socket.toString().equals(served)) {
                    return;
                }
                // another server took the port before ours could bind it; ours exits on its own
                kill();
                throw new IOException("port " + port + " is served by another server (socket " + served + ")");
            } catch (SQLException e) {
                lastFailure = e;
            }
            if (System.nanoTime() - deadline > 0) {
                kill();
                throw new IOException("mariadbd on port " + port + " not ready after " + READY_TIMEOUT_SECONDS
                        + " s: " + lastFailure.getMessage() + "\n" + serverLogTail(), lastFailure);
            }
            try {
                // waits between probes, and returns early when the process dies
                process.waitFor(READY_POLL_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                kill();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for mariadbd on port " + port, e);
            }
        }
    }

    /** SIGTERM (mariadbd's clean shutdown) and wait; forcibly after the timeout. */
    private synchronized void shutDown() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                LOG.warn("MariaDB on port {} did not shut down in {} s: killing it", port, STOP_TIMEOUT_SECONDS);
                kill();
            }
        } catch (InterruptedException e) {
            kill();
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    private synchronized void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            process.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    private String serverLogTail() {
        return ServerProcesses.logTail(baseDir.resolve("server.log"));
    }

    @Override
    public String toString() {
        return "MariaDbServer[127.0.0.1:" + port + " " + dataDir + "]";
    }
}
