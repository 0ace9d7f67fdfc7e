package io.sluice.filters;

import javax.sql.DataSource;
import org.jooq.SQLDialect;

/** {@link TransactionalConsumeContract} on an in-memory H2 database. */
class TransactionalConsumeH2Test extends TransactionalConsumeContract {

    private final DataSource dataSource = Databases.h2();

    @Override
    DataSource dataSource() {
        return dataSource;
    }

    @Override
    SQLDialect dialect() {
        return SQLDialect.H2;
    }
}
