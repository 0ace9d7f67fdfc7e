package io.sluice.testing;

/**
 * JUnit 5 extension giving tests a real MariaDB: {@code @ExtendWith(MariaDbExtension.class)}.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>One {@link MariaDbServer} per test JVM, started on first use and stopped (its directory deleted) when
 *       the JVM's tests are done; it is injected into any parameter of type {@code MariaDbServer}
 *       (constructors, lifecycle and test methods).</li>
 *   <li>A parameter of type {@link MariaDbDatabase} receives a fresh database for the test class: the same one
 *       for every test of the class, dropped after the class.</li>
 *   <li>When no MariaDB binaries are installed the class is reported as skipped (an aborted assumption, with
 *       the reason), and only then: a server that fails to start with binaries present fails the tests.</li>
 * </ul>
 * The shared server belongs to every test of the JVM: a test that needs to {@link MariaDbServer#stop()} or
 * {@link MariaDbServer#restart()} a server starts its own with {@link MariaDbServer#start()}.
 */
public final class MariaDbExtension extends DatabaseServerExtension<MariaDbServer, MariaDbDatabase> {

    /** The extension; JUnit creates it for {@code @ExtendWith}. */
    public MariaDbExtension() {
        super("MariaDB", MariaDbServer.class, MariaDbDatabase.class, () -> MariaDbServer.findBinaries().isPresent(),
                "MariaDB binaries (mariadbd, mariadb-install-db) not found under -D" + MariaDbServer.BIN_DIR_PROPERTY
                        + ", /usr/local/sbin, /usr/local/bin, /usr/sbin or /usr/bin",
                "install the mariadb-server package", MariaDbServer::start, MariaDbServer::createDatabase);
    }
}
