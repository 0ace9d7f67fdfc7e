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
public final class MariaDbExtension implements BeforeAllCallback, TestInstancePreConstructCallback,
        ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(MariaDbExtension.class);

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
        Assumptions.assumeTrue(MariaDbServer.findBinaries().isPresent(),
                "MariaDB binaries (mariadbd, mariadb-install-db) not found under -D" + MariaDbServer.BIN_DIR_PROPERTY
                        + ", /usr/local/sbin, /usr/local/bin, /usr/sbin or /usr/bin: skipping "
                        + context.getDisplayName() + " (install the mariadb-server package)");
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        Class<?> type = parameterContext.getParameter().getType();
        return type == MariaDbServer.class || type == MariaDbDatabase.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        Class<?> type = parameterContext.getParameter().getType();
        MariaDbServer server = server(extensionContext);
        if (type == MariaDbServer.class) {
            return server;
        }
        ExtensionContext classContext = classContext(extensionContext);
        String prefix = classContext.getRequiredTestClass().getSimpleName().toLowerCase(Locale.ROOT)
                .replaceAll("[^a-z0-9_]", "_");
        return classContext.getStore(NAMESPACE).getOrComputeIfAbsent(MariaDbDatabase.class,
                k -> server.createDatabase(prefix.length() > 40 ? prefix.substring(0, 40) : prefix),
                MariaDbDatabase.class);
    }

    private static MariaDbServer server(ExtensionContext context) {
        if (MariaDbServer.findBinaries().isEmpty()) {
            throw new ParameterResolutionException("no MariaDB binaries installed");
        }
        // in the root store: closed (AutoCloseable) when the JVM's test plan ends
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(MariaDbServer.class, k -> {
            try {
                return MariaDbServer.start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start MariaDB", e);
            }
        }, MariaDbServer.class);
    }

    private static ExtensionContext classContext(ExtensionContext context) {
        ExtensionContext current = context;
        while (current.getTestMethod().isPresent() && current.getParent().isPresent()) {
            current = current.getParent().get();
        }
        return current;
    }
}
