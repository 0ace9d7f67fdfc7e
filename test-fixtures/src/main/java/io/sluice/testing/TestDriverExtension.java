package io.sluice.testing;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Hands a fresh {@link TestDriver} to each test method that declares one, and closes it after the test.
 *
 * <pre>{@code
 * @ExtendWith(TestDriverExtension.class)
 * class OrdersTest {
 *     @Test
 *     void consumesInOrder(TestDriver driver) { ... }
 * }
 * }</pre>
 */
public final class TestDriverExtension implements ParameterResolver, AfterEachCallback {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(TestDriverExtension.class);

    /** Creates the extension; JUnit calls this. */
    public TestDriverExtension() {
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == TestDriver.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        TestDriver driver = TestDriver.create();
        drivers(context).add(driver);
        return driver;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        List<TestDriver> drivers = drivers(context);
        drivers.forEach(TestDriver::close);
        drivers.clear();
    }

    @SuppressWarnings("unchecked")
    private static List<TestDriver> drivers(ExtensionContext context) {
        return context.getStore(NAMESPACE).getOrComputeIfAbsent("drivers", k -> new ArrayList<TestDriver>(),
                List.class);
    }
}
