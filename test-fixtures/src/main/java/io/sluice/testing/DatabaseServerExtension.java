package io.sluice.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestInstanceFactoryContext;
import org.junit.jupiter.api.extension.TestInstancePreConstructCallback;

/**
 * What {@link MariaDbExtension} and {@link PostgresExtension} share: one server of type {@code S} per test JVM
 * (in the root store, so closed when the JVM's test plan ends), one database of type {@code D} per test class (in
 * the class's store, so closed after the class), both injected as parameters, and the class skipped with the
 * reason when the server's binaries are missing.
 */
abstract class DatabaseServerExtension<S extends AutoCloseable, D extends AutoCloseable>
        implements BeforeAllCallback, TestInstancePreConstructCallback, ParameterResolver {

    /** Starts a server. */
    interface Starter<S> {
        S start() throws IOException;
    }

    private final ExtensionContext.Namespace namespace;
    private final String product;
    private final Class<S> serverType;
    private final Class<D> databaseType;
    private final BooleanSupplier binariesPresent;
    private final String whereBinariesWereSought;
    private final String installHint;
    private final Starter<S> starter;
    private final BiFunction<S, String, D> createDatabase;

    /**
     * @param product                 the server's name in messages, e.g. "MariaDB"
     * @param whereBinariesWereSought the binaries and the directories searched, as in "X not found under Y"
     * @param installHint             how to install the binaries
     * @param createDatabase          creates a database with a name starting with the given prefix
     */
    DatabaseServerExtension(String product, Class<S> serverType, Class<D> databaseType,
            BooleanSupplier binariesPresent, String whereBinariesWereSought, String installHint, Starter<S> starter,
            BiFunction<S, String, D> createDatabase) {
        this.namespace = ExtensionContext.Namespace.create(getClass());
        this.product = Objects.requireNonNull(product, "product");
        this.serverType = Objects.requireNonNull(serverType, "serverType");
        this.databaseType = Objects.requireNonNull(databaseType, "databaseType");
        this.binariesPresent = Objects.requireNonNull(binariesPresent, "binariesPresent");
        this.whereBinariesWereSought = Objects.requireNonNull(whereBinariesWereSought, "whereBinariesWereSought");
        this.installHint = Objects.requireNonNull(installHint, "installHint");
        this.starter = Objects.requireNonNull(starter, "starter");
        this.createDatabase = Objects.requireNonNull(createDatabase, "createDatabase");
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        assumeBinaries(context);
    }

    /** Also before the constructor, which may take a server or database (per-class lifecycle). */
    @Override
    public void preConstructTestInstance(TestInstanceFactoryContext factoryContext, ExtensionContext context) {
        assumeBinaries(context);
    }

    private void assumeBinaries(ExtensionContext context) {
        Assumptions.assumeTrue(binariesPresent.getAsBoolean(), () -> whereBinariesWereSought + ": skipping "
                + context.getDisplayName() + " (" + installHint + ")");
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        Class<?> type = parameterContext.getParameter().getType();
        return type == serverType || type == databaseType;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        Class<?> type = parameterContext.getParameter().getType();
        S server = server(extensionContext);
        if (type == serverType) {
            return server;
        }
        ExtensionContext classContext = classContext(extensionContext);
        String prefix = classContext.getRequiredTestClass().getSimpleName().toLowerCase(Locale.ROOT)
                .replaceAll("[^a-z0-9_]", "_");
        return classContext.getStore(namespace).getOrComputeIfAbsent(databaseType,
                k -> createDatabase.apply(server, prefix.length() > 40 ? prefix.substring(0, 40) : prefix),
                databaseType);
    }

    private S server(ExtensionContext context) {
        if (!binariesPresent.getAsBoolean()) {
            throw new ParameterResolutionException("no " + product + " binaries installed");
        }
        // in the root store: closed (AutoCloseable) when the JVM's test plan ends
        return context.getRoot().getStore(namespace).getOrComputeIfAbsent(serverType, k -> {
            try {
                return starter.start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + product, e);
            }
        }, serverType);
    }

    private static ExtensionContext classContext(ExtensionContext context) {
        ExtensionContext current = context;
        while (current.getTestMethod().isPresent() && current.getParent().isPresent()) {
            current = current.getParent().get();
        }
        return current;
    }
}
