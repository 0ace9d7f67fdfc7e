package io.sluice.filters;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.OptionalLong;
import java.util.Set;
import javax.sql.DataSource;
import org.apache.kafka.common.TopicPartition;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PartitionOffsetsBuilderTest {

    private static final String GROUP = Databases.GROUP;

    private final DataSource dataSource = Databases.h2();

    @Test
    void defaults() {
        PartitionOffsets store = PartitionOffsets.create(dataSource, SQLDialect.H2);
        assertEquals("kafka_partitions", store.tableName());
        assertEquals(Duration.ofSeconds(5), store.lockTimeout());
        assertEquals(SQLDialect.H2, store.dialect());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1abc", "bad-name", "a b", "t\"; DROP TABLE x; --", "sch.table", "tábla",
            "x234567890123456789012345678901234567890123456789012345678901234"})
    void illegalTableNamesAreRejectedWithAClearError(String name) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PartitionOffsets.builder(dataSource, SQLDialect.H2).tableName(name));
        assertTrue(e.getMessage().contains("not a plain SQL identifier"), e.getMessage());
        assertTrue(e.getMessage().contains("'" + name + "'"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"_x", "MixedCase", "offsets_2", "x23456789012345678901234567890123456789012345678901234567890123"})
    void legalTableNamesAreAccepted(String name) {
        assertEquals(name, PartitionOffsets.builder(dataSource, SQLDialect.H2).tableName(name).build().tableName());
    }

    @Test
    void aNullTableNameIsRejected() {
        assertThrows(NullPointerException.class, () -> PartitionOffsets.builder(dataSource, SQLDialect.H2).tableName(null));
    }

    @Test
    void theInjectionAttemptNeverReachesTheDatabase() {
        assertThrows(IllegalArgumentException.class, () -> PartitionOffsets.builder(dataSource, SQLDialect.H2)
                .tableName("kafka_partitions\"; DROP TABLE \"victim"));
        DSL.using(dataSource, SQLDialect.H2).execute("CREATE TABLE \"victim\" (x INT)");
        PartitionOffsets.create(dataSource, SQLDialect.H2).advance(GROUP, new TopicPartition("t", 0), 1);
        assertEquals(0, DSL.using(dataSource, SQLDialect.H2).fetchCount(DSL.table(DSL.name("victim"))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"SQLITE", "DERBY", "DEFAULT"})
    void otherDialectsAreRejectedUnlessTheyBringALockTimeoutStatement(SQLDialect dialect) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PartitionOffsets.builder(dataSource, dialect).build());
        assertTrue(e.getMessage().contains(dialect.getName()), e.getMessage());
        assertTrue(e.getMessage().contains("lockTimeoutStatement"), e.getMessage());
        assertDoesNotThrow(() -> PartitionOffsets.builder(dataSource, dialect)
                .lockTimeoutStatement(t -> "SET innodb_lock_wait_timeout = " + t.toSeconds(), Set.of("HY000"))
                .build());
    }

    @Test
    void postgresVariantsAreSupported() {
        assertDoesNotThrow(() -> PartitionOffsets.create(dataSource, SQLDialect.POSTGRES));
    }

    @Test
    void mariaDbIsSupportedAndMySqlAcceptedWithTheSameCode() {
        assertEquals(SQLDialect.MARIADB, PartitionOffsets.create(dataSource, SQLDialect.MARIADB).dialect());
        assertEquals(SQLDialect.MYSQL, PartitionOffsets.create(dataSource, SQLDialect.MYSQL).dialect());
        assertTrue(StoreDialect.of(SQLDialect.MYSQL) instanceof StoreDialect.MariaDb);
        assertEquals("mariadb", StoreDialect.of(SQLDialect.MARIADB).directory());
    }

    @Test
    void mariaDbWaitsInWholeSecondsRoundedUpAndAtLeastOne() {
        assertEquals(1, StoreDialect.MariaDb.seconds(Duration.ofMillis(1)));
        assertEquals(1, StoreDialect.MariaDb.seconds(Duration.ofMillis(300)));
        assertEquals(1, StoreDialect.MariaDb.seconds(Duration.ofSeconds(1)));
        assertEquals(2, StoreDialect.MariaDb.seconds(Duration.ofMillis(1001)));
        assertEquals(5, StoreDialect.MariaDb.seconds(Duration.ofSeconds(5)));
    }

    @Test
    void mariaDbRendersTheRowLockWithWaitAndBackticks() {
        org.jooq.DSLContext ctx = DSL.using(SQLDialect.MARIADB);
        String sql = ctx.render(ctx.select(DSL.field(DSL.name("t", "next_offset"))).from(DSL.table(DSL.name("t")))
                .where(DSL.field(DSL.name("t", "partition")).eq(1)).forUpdate().wait(3));
        assertTrue(sql.endsWith("for update wait 3"), sql);
        assertTrue(sql.contains("`partition`"), sql);
    }

    @Test
    void aCustomLockTimeoutStatementIsUsed() {
        PartitionOffsets store = PartitionOffsets.builder(dataSource, SQLDialect.H2)
                .lockTimeout(Duration.ofMillis(1234))
                .lockTimeoutStatement(t -> "SET LOCK_TIMEOUT " + t.toMillis(), Set.of("HYT00"))
                .build();
        TopicPartition tp = new TopicPartition("t", 1);
        store.advance(GROUP, tp, 3);
        assertEquals(OptionalLong.of(3), store.nextOffset(GROUP, tp));
    }

    @Test
    void lockTimeoutBoundsAreChecked() {
        assertThrows(IllegalArgumentException.class,
                () -> PartitionOffsets.builder(dataSource, SQLDialect.H2).lockTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class,
                () -> PartitionOffsets.builder(dataSource, SQLDialect.H2).lockTimeout(Duration.ofDays(30)));
    }

    @Test
    void aNegativeSeedIsRejected() {
        PartitionOffsets store = PartitionOffsets.create(dataSource, SQLDialect.H2);
        assertThrows(IllegalArgumentException.class, () -> store.locked(GROUP, new TopicPartition("t", 0), -1, r -> null));
    }
}
