package io.sluice.filters;

import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/** {@link PartitionOffsetsContract} on an in-memory H2 database. */
class PartitionOffsetsH2Test extends PartitionOffsetsContract {

    private final DataSource dataSource = Databases.h2();

    @Override
    DataSource dataSource() {
        return dataSource;
    }

    @Override
    SQLDialect dialect() {
        return SQLDialect.H2;
    }

    /** H2 shows no BLOCKER_ID for a wait on another transaction's uncommitted key: look for the upsert running. */
    @Override
    boolean waitsForAnotherTransaction(Thread thread) {
        return super.waitsForAnotherTransaction(thread)
                || db().fetchCount(DSL.table(DSL.name("INFORMATION_SCHEMA", "SESSIONS")),
                        DSL.lower(DSL.field(DSL.name("EXECUTING_STATEMENT"), String.class)).like("merge into%")) > 0;
    }

    @Override
    String migrationDirectory() {
        return "h2";
    }

    @Override
    int sessionsWaitingForLocks(DSLContext ctx) {
        return ctx.fetchCount(DSL.table(DSL.name("INFORMATION_SCHEMA", "SESSIONS")),
                DSL.field(DSL.name("BLOCKER_ID")).isNotNull());
    }
}
