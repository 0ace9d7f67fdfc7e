package io.sluice.filters;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.testing.MariaDbDatabase;
import io.sluice.testing.MariaDbExtension;
import java.time.Duration;
import java.util.OptionalLong;
import javax.sql.DataSource;
import org.apache.kafka.common.TopicPartition;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link PartitionOffsetsContract} on a throwaway MariaDB server, in a database of its own; skipped (visibly) when
 * no MariaDB binaries are installed.
 */
@ExtendWith(MariaDbExtension.class)
class PartitionOffsetsMariaDbIT extends PartitionOffsetsContract {

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

    @Override
    String migrationDirectory() {
        return "mariadb";
    }

    @Override
    int sessionsWaitingForLocks(DSLContext ctx) {
        return ctx.fetchCount(DSL.table(DSL.name("information_schema", "innodb_trx")),
                DSL.field(DSL.name("trx_state")).eq("LOCK WAIT"));
    }

    /** The store's lock timeouts never stay on a pooled connection: the session's value is the same afterwards. */
    @Test
    void theSessionsLockWaitTimeoutIsUntouchedByTheStore() throws Exception {
        DataSource single = new SingleConnectionDataSource(dataSource);
        try {
            DSLContext session = DSL.using(single, SQLDialect.MARIADB);
            session.execute("SET SESSION innodb_lock_wait_timeout = 37");
            PartitionOffsets store = PartitionOffsets.builder(single, SQLDialect.MARIADB).tableName(newTableName())
                    .lockTimeout(Duration.ofMillis(1500)).build();
            TopicPartition tp = new TopicPartition("orders", 9);
            long seen = store.locked(Databases.GROUP, tp, 4, row -> {
                assertEquals(37, row.tx().fetchValue(DSL.field("@@SESSION.innodb_lock_wait_timeout", Long.class)),
                        "the block's statements run with the session's own lock wait timeout");
                return row.advanceTo(8);
            });
            assertEquals(8, seen);
            assertEquals(OptionalLong.of(8), store.nextOffset(Databases.GROUP, tp));
            assertEquals(37, session.fetchValue(DSL.field("@@SESSION.innodb_lock_wait_timeout", Long.class)));
        } finally {
            ((SingleConnectionDataSource) single).closeConnection();
        }
    }
}
