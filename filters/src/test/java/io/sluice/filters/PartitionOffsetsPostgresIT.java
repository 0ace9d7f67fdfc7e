package io.sluice.filters;

import io.sluice.testing.PostgresDatabase;
import io.sluice.testing.PostgresExtension;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link PartitionOffsetsContract} on a throwaway PostgreSQL server, in a database of its own. */
@ExtendWith(PostgresExtension.class)
class PartitionOffsetsPostgresIT extends PartitionOffsetsContract {

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

    @Override
    int sessionsWaitingForLocks(DSLContext ctx) {
        return ctx.fetchCount(DSL.table(DSL.name("pg_stat_activity")),
                DSL.field(DSL.name("wait_event_type")).eq("Lock"),
                DSL.field(DSL.name("datname")).eq(DSL.field("current_database()")));
    }
}
