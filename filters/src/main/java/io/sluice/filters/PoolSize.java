package io.sluice.filters;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.OptionalInt;
import javax.sql.DataSource;

/**
 * Reads a connection pool's maximum size from the data source, without depending on any pool: the public getter
 * of a known pool ({@code getMaximumPoolSize} of HikariCP, {@code getMaxTotal} of Commons DBCP 2,
 * {@code getMaxConnections} of H2's {@code JdbcConnectionPool}, {@code getMaxActive} of Tomcat JDBC,
 * {@code getMaxPoolSize} of c3p0), called reflectively. Empty when the data source shows none of them.
 */
final class PoolSize {

    private static final List<String> GETTERS = List.of("getMaximumPoolSize", "getMaxTotal", "getMaxConnections",
            "getMaxActive", "getMaxPoolSize");

    private PoolSize() {
    }

    static OptionalInt of(DataSource dataSource) {
        for (String name : GETTERS) {
            try {
                Method getter = dataSource.getClass().getMethod(name);
                if (!Modifier.isPublic(getter.getDeclaringClass().getModifiers())
                        || !(getter.getReturnType() == int.class || getter.getReturnType() == Integer.class)) {
                    continue;
                }
                Object size = getter.invoke(dataSource);
                if (size instanceof Integer n && n > 0) {
                    return OptionalInt.of(n);
                }
            } catch (NoSuchMethodException e) {
                // not this pool
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                return OptionalInt.empty();
            }
        }
        return OptionalInt.empty();
    }

    /**
     * The warning for a pool of {@code dataSource} smaller than {@code concurrency} jobs; empty when it is large
     * enough, its size cannot be read, or no concurrency is given (0).
     */
    static java.util.Optional<String> warning(DataSource dataSource, int concurrency) {
        if (concurrency < 1) {
            return java.util.Optional.empty();
        }
        OptionalInt size = of(dataSource);
        if (size.isEmpty() || size.getAsInt() >= concurrency) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of("the connection pool of the offset store holds at most " + size.getAsInt()
                + " connection(s) but " + concurrency + " jobs may run at once: each job holds a connection for its"
                + " whole transaction, so jobs will wait for connections (and may time out); make the pool at least "
                + concurrency + " (one more when the work also joins a Spring transaction or reads elsewhere)");
    }
}
