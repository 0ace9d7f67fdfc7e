package io.sluice.filters;

import io.sluice.testing.DelegatingDataSource;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * A data source that hands out one physical connection over and over, as a pool of one would: {@code close()} on
 * what it hands out does nothing, so a session setting left behind by one user is seen by the next.
 */
final class SingleConnectionDataSource extends DelegatingDataSource {

    private final DataSource source;
    private Connection connection;

    SingleConnectionDataSource(DataSource source) {
        super(source);
        this.source = source;
    }

    @Override
    public synchronized Connection getConnection() throws SQLException {
        if (connection == null) {
            connection = source.getConnection();
        }
        Connection physical = connection;
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("close") && method.getParameterCount() == 0) {
                        return null;
                    }
                    try {
                        return method.invoke(physical, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** Closes the physical connection. */
    synchronized void closeConnection() throws SQLException {
        if (connection != null) {
            connection.close();
            connection = null;
        }
    }
}
