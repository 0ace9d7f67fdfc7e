package io.sluice.filters;

import io.sluice.testing.PostgresDatabase;
import io.sluice.testing.PostgresExtension;
import javax.sql.DataSource;
import org.jooq.SQLDialect;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link TransactionalConsumeContract} on a throwaway PostgreSQL server, in a database of its own. */
@ExtendWith(PostgresExtension.class)
class TransactionalConsumePostgresIT extends TransactionalConsumeContract {

    private static DataSource dataSource;

    @BeforeAll
    static void database(PostgresDatabase database) {
        dataSource = database.dataSource();
    }

    @Override
    DataSource dataSource() {
        return dataSource;
    }

    @Override
    SQLDialect dialect() {
        return SQLDialect.POSTGRES;
    }
}
