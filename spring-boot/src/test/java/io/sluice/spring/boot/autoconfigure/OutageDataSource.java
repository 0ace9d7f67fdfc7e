package io.sluice.spring.boot.autoconfigure;

import io.sluice.testing.DelegatingDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;

/** A DataSource that refuses connections while {@link #down} is set, like a database outage. */
final class OutageDataSource extends DelegatingDataSource {

    final AtomicBoolean down = new AtomicBoolean();

    OutageDataSource(DataSource delegate) {
        super(delegate);
    }

    @Override
    public Connection getConnection() throws SQLException {
        if (down.get()) {
            throw new SQLTransientConnectionException("database down (jdbc:h2:mem:secret-url)", "08001");
        }
        return super.getConnection();
    }
}
