package io.sluice.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestInstanceFactoryContext;
import org.junit.jupiter.api.extension.TestInstancePreConstructCallback;

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
public final class PostgresExtension implements BeforeAllCallback, TestInstancePreConstructCallback,
        ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(PostgresExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        assumeBinaries(context);
    }

    /** Also before the constructor, which may take a server or database (per-class lifecycle). */
    @Override
    public void preConstructTestInstance(TestInstanceFactoryContext factoryContext, ExtensionContext context) {
        assumeBinaries(context);
    }

    private static void assumeBinaries(ExtensionContext context) {
        Assumptions.assumeTrue(PostgresServer.findBinaries().isPresent(),
                "PostgreSQL binaries (initdb, pg_ctl) not found under -D" + PostgresServer.BIN_DIR_PROPERTY
                        + ", /usr/lib/postgresql/*/bin, /usr/local/bin or /usr/bin: skipping "
                        + context.getDisplayName() + " (install the postgresql package)");
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        Class<?> type = parameterContext.getParameter().getType();
        return type == PostgresServer.class || type == PostgresDatabase.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        Class<?> type = parameterContext.getParameter().getType();
        PostgresServer server = server(extensionContext);
        if (type == PostgresServer.class) {
            return server;
        }
        ExtensionContext classContext = classContext(extensionContext);
        String prefix = classContext.getRequiredTestClass().getSimpleName().toLowerCase(Locale.ROOT)
                .replaceAll("[^a-z0-9_]", "_");
        return classContext.getStore(NAMESPACE).getOrComputeIfAbsent(PostgresDatabase.class,
                k -> server.createDatabase(prefix.length() > 40 ? prefix.substring(0, 40) : prefix),
                PostgresDatabase.class);
    }

    private static PostgresServer server(ExtensionContext context) {
        if (PostgresServer.findBinaries().isEmpty()) {
            throw new ParameterResolutionException("no PostgreSQL binaries installed");
        }
        // in the root store: closed (AutoCloseable) when the JVM's test plan ends
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(PostgresServer.class, k -> {
            try {
                return PostgresServer.start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start PostgreSQL", e);
            }
        }, PostgresServer.class);
    }

    private static ExtensionContext classContext(ExtensionContext context) {
        ExtensionContext current = context;
        while (current.getTestMethod().isPresent() && current.getParent().isPresent()) {
            current = current.getParent().get();
        }
        return current;
    }
}
