package io.sluice.testing;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A JUnit 5 extension that injects an {@link EmbeddedKafka} into test constructors, test methods and
 * lifecycle methods that declare a parameter of that type.
 *
 * <p>Guarantees: every test class of a test JVM that uses this extension gets the <em>same</em> broker. It is
 * started on first use, kept in the root {@link ExtensionContext} store and closed (its data directory
 * deleted) when the root context closes, at the end of the test run. Starting is thread-safe, so parallel
 * test classes still share one broker. Because the broker is shared, tests must not depend on it being empty:
 * each test uses its own topic and group names.
 *
 * <pre>{@code
 * @ExtendWith(EmbeddedKafkaExtension.class)
 * class OrdersIT {
 *     private final EmbeddedKafka kafka;
 *     OrdersIT(EmbeddedKafka kafka) { this.kafka = kafka; }
 * }
 * }</pre>
 */
public final class EmbeddedKafkaExtension implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(EmbeddedKafkaExtension.class);

    /** Creates the extension; JUnit calls this, users register the class with {@code @ExtendWith}. */
    public EmbeddedKafkaExtension() {
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == EmbeddedKafka.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return broker(extensionContext);
    }

    /**
     * The broker shared by this test JVM, started if this is its first use.
     *
     * @param context any extension context of the run, never {@code null}
     * @return the running shared broker, never {@code null}
     */
    public static EmbeddedKafka broker(ExtensionContext context) {
        // an AutoCloseable value in the root store is closed by JUnit when the root context closes
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(EmbeddedKafka.class, type -> EmbeddedKafka.start(), EmbeddedKafka.class);
    }
}
