package io.sluice.filters;

import io.sluice.testing.PostgresDatabase;
import io.sluice.testing.PostgresExtension;
import javax.sql.DataSource;
import org.jooq.SQLDialect;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link VirtualPartitionsOffsetsContract} on a throwaway PostgreSQL server. */
@ExtendWith(PostgresExtension.class)
class VirtualPartitionsOffsetsPostgresIT extends VirtualPartitionsOffsetsContract {

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
