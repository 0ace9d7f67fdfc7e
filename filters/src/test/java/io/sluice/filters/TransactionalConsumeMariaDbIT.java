package io.sluice.filters;

import io.sluice.testing.MariaDbDatabase;
import io.sluice.testing.MariaDbExtension;
import javax.sql.DataSource;
import org.jooq.SQLDialect;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link TransactionalConsumeContract} on a throwaway MariaDB server, in a database of its own; skipped (visibly)
 * when no MariaDB binaries are installed.
 */
@ExtendWith(MariaDbExtension.class)
class TransactionalConsumeMariaDbIT extends TransactionalConsumeContract {

    private static DataSource dataSource;

    @BeforeAll
    static void database(MariaDbDatabase database) {
        dataSource = database.dataSource();
    }

    @Override
    DataSource dataSource() {
        return dataSource;
    }

    @Override
    SQLDialect dialect() {
        return SQLDialect.MARIADB;
    }
}
