package io.sluice.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A throwaway PostgreSQL server for integration tests, run from the binaries installed on the machine
 * (Debian's {@code postgresql} package).
 *
 * <p>Guarantees: {@link #start} runs {@code initdb} and {@code pg_ctl start} (through
 * {@code runuser -u postgres --} when the JVM runs as root, since PostgreSQL refuses to run as root) with its
 * data directory and unix socket under the given directory, listening on 127.0.0.1 only, on a free port, with
 * trust authentication for user {@value #USER} and durability switched off (fsync) for speed. {@link #close()}
 * stops it and deletes the directory; it is idempotent, and a JVM shutdown hook does it if nobody did. Nothing
 * outside the directory is touched.
 *
 * <p>For outage tests, {@link #stop()} shuts the server down ({@code pg_ctl stop -m fast}) and keeps its data
 * directory, port and socket directory, so that {@link #startAgain()} brings back the same databases, with what
 * they had committed, at the same JDBC URLs; in between, connections are refused. {@link #close()} works in
 * either state.
 *
 * <p>Use {@link PostgresExtension} to share one server per test JVM.
 */
public final class PostgresServer implements AutoCloseable {

    /** The superuser the server is initialised with; no password (trust authentication on 127.0.0.1). */
    public static final String USER = "postgres";

    /** A system property naming the directory of {@code initdb} and {@code pg_ctl}, overriding the search. */
    public static final String BIN_DIR_PROPERTY = "sluice.postgres.bin";

    private static final Logger LOG = LoggerFactory.getLogger(PostgresServer.class);
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final int START_ATTEMPTS = 3;
    private static final long COMMAND_TIMEOUT_SECONDS = 120;

    private final Path binDir;
    private final Path baseDir;
    private final Path dataDir;
    private final Path socketDir;
    private final boolean asRoot;
    private final int port;
    private final Thread shutdownHook;
    private boolean running;
    private boolean closed;

    private PostgresServer(Path binDir, Path baseDir, Path dataDir, Path socketDir, boolean asRoot, int port) {
        this.binDir = binDir;
        this.baseDir = baseDir;
        this.dataDir = dataDir;
        this.socketDir = socketDir;
        this.asRoot = asRoot;
        this.port = port;
        this.shutdownHook = new Thread(this::stopAndDelete, "postgres-" + port + "-shutdown");
    }

    /**
     * The directory holding {@code initdb} and {@code pg_ctl}: the {@value #BIN_DIR_PROPERTY} property if set,
     * else the newest {@code /usr/lib/postgresql/<version>/bin}, else {@code /usr/local/bin} or {@code /usr/bin};
     * empty when none has both.
     */
    public static Optional<Path> findBinaries() {
        List<Path> candidates = new ArrayList<>();
        String configured = System.getProperty(BIN_DIR_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            candidates.add(Path.of(configured));
        }
        Path debian = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            try (Stream<Path> versions = Files.list(debian)) {
                versions.filter(p -> p.getFileName().toString().matches("\\d+(\\.\\d+)?"))
                        .sorted(Comparator.comparingDouble((Path p) -> Double.parseDouble(p.getFileName().toString()))
                                .reversed())
                        .map(p -> p.resolve("bin"))
                        .forEach(candidates::add);
            } catch (IOException e) {
                LOG.debug("cannot list {}", debian, e);
            }
        }
        candidates.add(Path.of("/usr/local/bin"));
        candidates.add(Path.of("/usr/bin"));
        return candidates.stream()
                .filter(dir -> Files.isExecutable(dir.resolve("initdb")) && Files.isExecutable(dir.resolve("pg_ctl")))
                .findFirst();
    }

    /**
     * Starts a server under a new directory {@code postgres-<pid>-<n>} of the current module's {@code target/}
     * (the {@code basedir} property Surefire and Failsafe set, else the working directory).
     *
     * @throws IllegalStateException when no binaries are installed
     * @throws IOException           when the server cannot be initialised or started
     */
    public static PostgresServer start() throws IOException {
        return start(ScratchDirectories.moduleTarget());
    }

    /**
     * Starts a server under a new directory inside {@code parent}.
     *
     * @throws IllegalStateException when no binaries are installed
     * @throws IOException           when the server cannot be initialised or started
     */
    public static PostgresServer start(Path parent) throws IOException {
        Path binDir = findBinaries().orElseThrow(() -> new IllegalStateException(
                "no PostgreSQL binaries (initdb, pg_ctl) found; install the postgresql package or set -D"
                        + BIN_DIR_PROPERTY));
        boolean asRoot = "root".equals(System.getProperty("user.name"));
        Files.createDirectories(parent);
        String dirName = "postgres-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
        Path baseDir;
        if (asRoot && !traversableByOthers(parent.toAbsolutePath())) {
            // the postgres user could not reach a data directory there (e.g. a project under /root)
            baseDir = Files.createTempDirectory(dirName + "-");
            LOG.warn("{} is not traversable by user {}: PostgreSQL data goes to {}", parent, USER, baseDir);
        } else {
            baseDir = parent.toAbsolutePath().resolve(dirName);
            Files.createDirectory(baseDir);
        }
        Files.setPosixFilePermissions(baseDir, PosixFilePermissions.fromString("rwx------"));
        Path socketDir = baseDir.resolve("sock");
        // a unix socket path is limited to ~107 bytes
        if (socketDir.resolve(".s.PGSQL.65535").toString().length() > 100) {
            socketDir = Files.createTempDirectory("pgsock");
        } else {
            Files.createDirectory(socketDir);
        }
        Path dataDir = baseDir.resolve("data");
        if (asRoot) {
            UserPrincipal postgres = baseDir.getFileSystem().getUserPrincipalLookupService()
                    .lookupPrincipalByName(USER);
            Files.setOwner(baseDir, postgres);
            Files.setOwner(socketDir, postgres);
        }
        IOException last = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            PostgresServer server =
                    new PostgresServer(binDir, baseDir, dataDir, socketDir, asRoot, LoopbackPorts.free());
            try {
                if (attempt == 1) {
                    server.run("initdb", "-D", dataDir.toString(), "-U", USER, "--auth=trust", "-E", "UTF8",
                            "--no-locale", "--no-sync");
                }
                server.launch();
                Runtime.getRuntime().addShutdownHook(server.shutdownHook);
                LOG.info("PostgreSQL from {} listening on 127.0.0.1:{}, data in {}", binDir, server.port, dataDir);
                return server;
            } catch (IOException e) {
                last = e;
                LOG.warn("starting PostgreSQL failed (attempt {} of {}): {}", attempt, START_ATTEMPTS, e.getMessage());
                if (!Files.isDirectory(dataDir)) {
                    break;
                }
            }
        }
        ScratchDirectories.delete(baseDir);
        ScratchDirectories.delete(socketDir);
        throw last;
    }

    /**
     * Runs {@code pg_ctl start} on the data directory, port and socket directory and waits until it accepts
     * connections.
     */
    private synchronized void launch() throws IOException {
        run("pg_ctl", "-D", dataDir.toString(), "-l", baseDir.resolve("server.log").toString(),
                "-w", "-t", "60", "-o", "-p " + port + " -k '" + socketDir
                        + "' -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
                        + " -c full_page_writes=off",
                "start");
        running = true;
    }

    /** Runs {@code pg_ctl stop -m fast} and waits until the server has exited, when it runs. */
    private synchronized void shutDown() throws IOException {
        if (!running) {
            return;
        }
        run("pg_ctl", "-D", dataDir.toString(), "-m", "fast", "-w", "-t", "30", "stop");
        running = false;
    }

    /**
     * Stops the server with a fast shutdown ({@code pg_ctl stop -m fast}: open sessions are ended, open
     * transactions rolled back, committed data written) and returns once it has exited. The data directory, the
     * port and the socket directory are kept, so {@link #startAgain()} serves the same databases at the same
     * JDBC URLs; until then, connections are refused. Idempotent.
     *
     * @throws IllegalStateException when the server is closed, or {@code pg_ctl stop} failed (the message holds
     *                               its output)
     */
    public synchronized void stop() {
        requireOpen();
        if (!running) {
            return;
        }
        try {
            shutDown();
        } catch (IOException e) {
            throw new IllegalStateException("stopping PostgreSQL on port " + port + " failed", e);
        }
        LOG.info("PostgreSQL on port {} stopped, data kept in {}", port, dataDir);
    }

    /**
     * Starts the server again after {@link #stop()}, on the same data directory, port and socket directory, and
     * returns once it accepts connections (the same {@code pg_ctl start -w} wait as {@link #start()}); every
     * database it had, with what was committed, is there again. Does nothing when it runs.
     *
     * @throws IllegalStateException when the server is closed, or it did not come up, e.g. because another
     *                               process took the port meanwhile (the message holds the server log's tail)
     */
    public synchronized void startAgain() {
        requireOpen();
        if (running) {
            return;
        }
        try {
            launch();
        } catch (IOException e) {
            throw new IllegalStateException("starting PostgreSQL again on port " + port + " failed", e);
        }
        LOG.info("PostgreSQL on port {} started again", port);
    }

    /**
     * Whether the server runs: started and not {@linkplain #stop() stopped} or {@linkplain #close() closed} since
     * (as this fixture ran it; a server killed from outside is not noticed).
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
     * The TCP port on 127.0.0.1; the same for the server's whole life, across {@link #stop()} and
     * {@link #startAgain()}.
     */
    public int port() {
        return port;
    }

    /** The data directory, owned by the server's user. */
    public Path dataDirectory() {
        return dataDir;
    }

    /** The JDBC URL of the {@code postgres} database, as {@value #USER}. */
    public String jdbcUrl() {
        return jdbcUrl("postgres");
    }

    /** The JDBC URL of {@code database}, as {@value #USER}. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=" + USER;
    }

    /** A non-pooling data source for the {@code postgres} database. */
    public DataSource dataSource() {
        return dataSource("postgres");
    }

    /** A non-pooling data source for {@code database}. */
    public DataSource dataSource(String database) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setServerNames(new String[] {"127.0.0.1"});
        ds.setPortNumbers(new int[] {port});
        ds.setDatabaseName(database);
        ds.setUser(USER);
        return ds;
    }

    /**
     * Creates a fresh, empty database with a unique name starting with {@code prefix}.
     *
     * @param prefix lower-case letters, digits and {@code _}; the name is {@code prefix_<n>}
     * @throws IllegalArgumentException when the prefix is not such an identifier
     */
    public PostgresDatabase createDatabase(String prefix) {
        String name = AdminSql.databaseName(prefix, COUNTER.incrementAndGet(), IDENTIFIER);
        execute("CREATE DATABASE \"" + name + "\"");
        return new PostgresDatabase(this, name);
    }

    void dropDatabase(String name) {
        execute("DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)");
    }

    private void execute(String sql) {
        AdminSql.execute(dataSource(), port, sql);
    }

    /**
     * Stops the server (fast shutdown) if it runs and deletes its directory. Idempotent; works after
     * {@link #stop()} too.
     */
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
        try {
            shutDown();
        } catch (IOException e) {
            LOG.warn("stopping PostgreSQL on port {} failed: {}", port, e.getMessage());
        }
        ScratchDirectories.delete(baseDir);
        if (!socketDir.startsWith(baseDir)) {
            ScratchDirectories.delete(socketDir);
        }
        LOG.info("PostgreSQL on port {} stopped and {} deleted", port, baseDir);
    }

    private void run(String program, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        if (asRoot) {
            command.addAll(List.of("runuser", "-u", USER, "--"));
        }
        command.add(binDir.resolve(program).toString());
        command.addAll(List.of(args));
        ServerProcesses.runToCompletion(command, baseDir, COMMAND_TIMEOUT_SECONDS, program, this::serverLogTail);
    }

    private String serverLogTail() {
        return ServerProcesses.logTail(baseDir.resolve("server.log"));
    }

    private static boolean traversableByOthers(Path dir) throws IOException {
        for (Path p = dir; p != null; p = p.getParent()) {
            if (!Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "PostgresServer[127.0.0.1:" + port + " " + dataDir + "]";
    }
}
