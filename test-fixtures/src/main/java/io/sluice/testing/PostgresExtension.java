package io.sluice.testing;

/**
 * JUnit 5 extension giving tests a real PostgreSQL: {@code @ExtendWith(PostgresExtension.class)}.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>One {@link PostgresServer} per test JVM, started on first use and stopped (its directory deleted) when
 *       the JVM's tests are done; it is injected into any parameter of type {@code PostgresServer}
 *       (constructors, lifecycle and test methods).</li>
 *   <li>A parameter of type {@link PostgresDatabase} receives a fresh database for the test class: the same one
 *       for every test of the class, dropped after the class.</li>
 *   <li>When no PostgreSQL binaries are installed the class is reported as skipped (an aborted assumption, with
 *       the reason), and only then: a server that fails to start with binaries present fails the tests.</li>
 * </ul>
 */
public final class PostgresExtension extends DatabaseServerExtension<PostgresServer, PostgresDatabase> {

    /** The extension; JUnit creates it for {@code @ExtendWith}. */
    public PostgresExtension() {
        super("PostgreSQL", PostgresServer.class, PostgresDatabase.class,
                () -> PostgresServer.findBinaries().isPresent(),
                "PostgreSQL binaries (initdb, pg_ctl) not found under -D" + PostgresServer.BIN_DIR_PROPERTY
                        + ", /usr/lib/postgresql/*/bin, /usr/local/bin or /usr/bin",
                "install the postgresql package", PostgresServer::start, PostgresServer::createDatabase);
    }
}
