package io.sluice.filters;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.InfrastructureFailure;
import io.sluice.testing.PostgresDatabase;
import io.sluice.testing.PostgresExtension;
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

    /** A lock holder that froze mid-transaction loses its session, and with it the row lock. */
    @Test
    void aStoreTransactionLeftIdlePastTheTimeoutIsEndedByTheServer() {
        TopicPartition tp = new TopicPartition("orders", 1);
        String table = newTableName();
        PartitionOffsets frozen = PartitionOffsets.builder(dataSource, SQLDialect.POSTGRES).tableName(table)
                .idleInTransactionTimeout(Duration.ofMillis(300)).build();
        PartitionOffsets other = PartitionOffsets.builder(dataSource, SQLDialect.POSTGRES).tableName(table)
                .lockTimeout(Duration.ofSeconds(20)).build();
        frozen.advance("g", tp, 5);
        OffsetStoreUnavailableException e = assertThrows(OffsetStoreUnavailableException.class,
                () -> frozen.locked("g", tp, 0, row -> {
                    int pid = row.tx().fetchValue(DSL.field("pg_backend_pid()", Integer.class));
                    // the holder says nothing more; the server ends its session, and the lock is free again
                    await().atMost(Duration.ofSeconds(30)).until(() -> db().fetchCount(
                            DSL.table(DSL.name("pg_stat_activity")), DSL.field(DSL.name("pid")).eq(pid)) == 0);
                    long moved = other.locked("g", tp, 0, r -> r.advanceTo(6));
                    assertEquals(6, moved, "the partition is not wedged");
                    row.advanceTo(9);
                    return null;
                }));
        assertTrue(e.getMessage().contains("idle_in_transaction_session_timeout"), e.getMessage());
        assertTrue(InfrastructureFailure.isInfrastructure(e));
        assertEquals(OptionalLong.of(6), other.nextOffset("g", tp), "the frozen holder's write never landed");
    }

    @Override
    String migrationDirectory() {
        return "postgresql";
    }

    @Override
    int sessionsWaitingForLocks(DSLContext ctx) {
        return ctx.fetchCount(DSL.table(DSL.name("pg_stat_activity")),
                DSL.field(DSL.name("wait_event_type")).eq("Lock"),
                DSL.field(DSL.name("datname")).eq(DSL.field("current_database()")));
    }
}
