package io.sluice.filters;

import io.sluice.testing.TestContext;
import static io.sluice.filters.Batches.batch;
import static io.sluice.filters.Batches.range;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Batch;
import io.sluice.dsl.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.apache.kafka.common.TopicPartition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What {@link PartitionOffsets#consume} guarantees on a real database; run on H2 and PostgreSQL. The user's work
 * inserts one row per message into an effects table without a unique key, so a duplicate would show.
 */
abstract class TransactionalConsumeContract {

    private static final AtomicInteger TABLES = new AtomicInteger();
    static final Field<Long> OFF = DSL.field(DSL.name("off"), SQLDataType.BIGINT);

    final TopicPartition tp = new TopicPartition("payments", 0);
    PartitionOffsets store;
    Table<?> effects;
    TestContext context;

    abstract DataSource dataSource();

    abstract SQLDialect dialect();

    @BeforeEach
    void freshTables() {
        int n = TABLES.incrementAndGet();
        store = PartitionOffsets.builder(dataSource(), dialect())
                .tableName("consume_offsets_" + n)
                .lockTimeout(Duration.ofSeconds(10))
                .build();
        effects = DSL.table(DSL.name("consume_effects_" + n));
        db().createTable(effects).column(OFF).execute();
        context = new TestContext(tp);
    }

    DSLContext db() {
        return DSL.using(dataSource(), dialect());
    }

    TransactionalWork<String, String> insertEach() {
        return (tx, messages) -> {
            for (Message<String, String> m : messages) {
                tx.insertInto(effects).columns(OFF).values(m.offset()).execute();
            }
        };
    }

    List<Long> applied() {
        return db().select(OFF).from(effects).orderBy(OFF).fetch(OFF);
    }

    @Test
    void appliesTheBatchMovesTheRowAndMarksAfterCommit() throws Exception {
        assertEquals(5, store.consume(context, range(tp, 0, 5), insertEach()));
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), applied());
        assertEquals(OptionalLong.of(5), store.nextOffset(tp));
        assertEquals(List.of(5L), context.marks());
    }

    @Test
    void theMarkComesOnlyAfterTheCommit() throws Exception {
        List<OptionalLong> rowWhenMarked = new ArrayList<>();
        TestContext observing = new TestContext(tp) {
            @Override
            public void markAsConsumed(long nextOffset) {
                // read through another connection: only committed data is visible there
                rowWhenMarked.add(store.nextOffset(tp));
                super.markAsConsumed(nextOffset);
            }
        };
        store.consume(observing, range(tp, 0, 3), insertEach());
        assertEquals(List.of(OptionalLong.of(3)), rowWhenMarked);
    }

    @Test
    void revokedAppliesNothingMarksNothingAndLeavesTheRow() throws Exception {
        store.advance(tp, 2);
        context.revoked(true);
        AtomicInteger calls = new AtomicInteger();
        assertEquals(0, store.consume(context, range(tp, 2, 6), (tx, ms) -> calls.incrementAndGet()));
        assertEquals(0, calls.get());
        assertEquals(List.of(), applied());
        assertEquals(List.of(), context.marks());
        assertEquals(OptionalLong.of(2), store.nextOffset(tp));
    }

    @Test
    void revokedOnFirstUseCreatesNoRow() throws Exception {
        context.revoked(true);
        store.consume(context, range(tp, 0, 2), insertEach());
        assertEquals(OptionalLong.empty(), store.nextOffset(tp));
    }

    @Test
    void messagesBelowTheStoredOffsetAreNotApplied() throws Exception {
        store.advance(tp, 3);
        List<Long> handed = new ArrayList<>();
        assertEquals(2, store.consume(context, range(tp, 0, 5), (tx, messages) -> {
            messages.forEach(m -> handed.add(m.offset()));
            insertEach().apply(tx, messages);
        }));
        assertEquals(List.of(3L, 4L), handed);
        assertEquals(List.of(3L, 4L), applied());
        assertEquals(OptionalLong.of(5), store.nextOffset(tp));
        assertEquals(List.of(5L), context.marks());
    }

    @Test
    void aBatchAllBelowTheStoredOffsetWritesNothingAndCannotMoveTheRowBack() throws Exception {
        store.advance(tp, 10);
        AtomicInteger calls = new AtomicInteger();
        assertEquals(0, store.consume(context, range(tp, 0, 5), (tx, ms) -> calls.incrementAndGet()));
        assertEquals(0, calls.get());
        assertEquals(List.of(), applied());
        assertEquals(OptionalLong.of(10), store.nextOffset(tp));
        assertEquals(List.of(5L), context.marks(), "Kafka catches up, but only to the end of this batch");
    }

    @Test
    void aThrowingBlockRollsBackBothTheUsersRowsAndTheOffset() {
        store.advance(tp, 1);
        IllegalStateException boom = new IllegalStateException("user work failed");
        IllegalStateException thrown = assertThrows(IllegalStateException.class,
                () -> store.consume(context, range(tp, 1, 4), (tx, messages) -> {
                    insertEach().apply(tx, messages);
                    throw boom;
                }));
        assertSame(boom, thrown);
        assertEquals(List.of(), applied());
        assertEquals(OptionalLong.of(1), store.nextOffset(tp));
        assertEquals(List.of(), context.marks());
    }

    @Test
    void aFailingStatementInTheWorkRollsBackToo() {
        store.advance(tp, 0);
        assertThrows(org.jooq.exception.DataAccessException.class,
                () -> store.consume(context, range(tp, 0, 3), (tx, messages) -> {
                    insertEach().apply(tx, messages);
                    tx.execute("SELECT * FROM \"no_such_table\"");
                }));
        assertEquals(List.of(), applied());
        assertEquals(OptionalLong.of(0), store.nextOffset(tp));
    }

    @Test
    void theRowMovesToTheSettledEndAcrossCompactionGaps() throws Exception {
        Batch<String, String> compacted = batch(tp, 0, 8, 0, 2, 5);
        assertEquals(3, store.consume(context, compacted, insertEach()));
        assertEquals(List.of(0L, 2L, 5L), applied());
        assertEquals(OptionalLong.of(8), store.nextOffset(tp));
        assertEquals(List.of(8L), context.marks());
    }

    @Test
    void redeliveryAfterALostKafkaCommitIsFenced() throws Exception {
        store.consume(context, range(tp, 0, 4), insertEach());
        // Kafka's commit was lost: the same batch comes again, to the same or a new owner
        TestContext newOwner = new TestContext(tp);
        assertEquals(0, store.consume(newOwner, range(tp, 0, 4), insertEach()));
        assertEquals(List.of(0L, 1L, 2L, 3L), applied());
        assertEquals(2, store.consume(newOwner, range(tp, 2, 6), insertEach()));
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), applied());
    }

    @Test
    void aBatchOfAnotherPartitionIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> store.consume(context, range(new TopicPartition("payments", 1), 0, 2), insertEach()));
    }

    @Test
    void anEmptyBatchDoesNothing() throws Exception {
        assertEquals(0, store.consume(context, batch(tp, 4, 4), insertEach()));
        assertEquals(OptionalLong.empty(), store.nextOffset(tp));
        assertTrue(context.marks().isEmpty());
    }
}
