package io.sluice.spring.tx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Batch;
import io.sluice.dsl.InfrastructureFailure;
import io.sluice.dsl.Message;
import io.sluice.dsl.OffsetRefusedException;
import io.sluice.filters.PartitionOffsets;
import io.sluice.filters.PartitionRevokedException;
import io.sluice.testing.TestContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.apache.kafka.common.TopicPartition;
import org.jooq.SQLDialect;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What {@link SpringTransactionalOffsets} guarantees with Spring's {@code DataSourceTransactionManager},
 * {@code TransactionTemplate}, {@code JdbcClient} and {@code JdbcTemplate} on a real database; run on H2, PostgreSQL
 * and MariaDB. The user's work inserts one row per message into a table without a unique key, so a duplicate would
 * show.
 */
abstract class SpringTransactionalOffsetsContract {

    static final String GROUP = "sluice-test";
    private static final AtomicInteger TABLES = new AtomicInteger();

    final TopicPartition tp = new TopicPartition("payments", 0);
    PartitionOffsets store;
    SpringTransactionalOffsets offsets;
    DataSourceTransactionManager transactionManager;
    TransactionTemplate transaction;
    JdbcTemplate jdbc;
    JdbcClient client;
    String effects;
    TestContext context;

    abstract DataSource dataSource();

    abstract SQLDialect dialect();

    /** Gives the transaction's connection a distinctive lock timeout of its own. */
    abstract void setOwnLockTimeout(JdbcTemplate jdbc);

    /** The connection's lock timeout setting, as text. */
    abstract String lockTimeoutSetting(JdbcTemplate jdbc);

    @BeforeEach
    void setUp() {
        int n = TABLES.incrementAndGet();
        store = PartitionOffsets.builder(dataSource(), dialect()).tableName("spring_offsets_" + n)
                .lockTimeout(Duration.ofSeconds(10)).build();
        offsets = SpringTransactionalOffsets.create(store, dataSource());
        transactionManager = new DataSourceTransactionManager(dataSource());
        transaction = new TransactionTemplate(transactionManager);
        jdbc = new JdbcTemplate(dataSource());
        client = JdbcClient.create(dataSource());
        effects = "spring_effects_" + n;
        jdbc.execute("CREATE TABLE " + effects + " (msg_offset BIGINT)");
        context = new TestContext(tp);
    }

    BatchWork<String, String> insertEach() {
        return messages -> {
            for (Message<String, String> m : messages) {
                client.sql("INSERT INTO " + effects + " (msg_offset) VALUES (?)").param(m.offset()).update();
            }
        };
    }

    List<Long> applied() {
        return jdbc.queryForList("SELECT msg_offset FROM " + effects + " ORDER BY msg_offset", Long.class);
    }

    static Batch<String, String> range(TopicPartition tp, long from, long to) {
        List<Message<String, String>> messages = new ArrayList<>();
        for (long o = from; o < to; o++) {
            messages.add(Message.of(tp.topic(), tp.partition(), o, 0L, "k" + o, "v" + o));
        }
        return Batch.of(tp, from, to, messages);
    }

    @Test
    void theWorkAndTheOffsetCommitTogetherAndKafkaIsMarkedOnlyAfterTheCommit() {
        List<OptionalLong> rowWhenMarked = new ArrayList<>();
        TestContext observing = new TestContext(tp) {
            @Override
            public boolean markAsConsumed(long nextOffset) {
                // another connection: only committed data is visible there
                rowWhenMarked.add(store.nextOffset(GROUP, tp));
                return super.markAsConsumed(nextOffset);
            }
        };
        int applied = transaction.execute(status -> {
            int n = offsets.consume(observing, range(tp, 0, 4), insertEach());
            assertEquals(List.of(), observing.marks(), "nothing marked inside the transaction");
            assertEquals(OptionalLong.of(0), store.nextOffset(GROUP, tp),
                    "the row was created at its seed in a transaction of its own; its move is not committed yet");
            return n;
        });
        assertEquals(4, applied);
        assertEquals(List.of(0L, 1L, 2L, 3L), applied());
        assertEquals(OptionalLong.of(4), store.nextOffset(GROUP, tp));
        assertEquals(List.of(4L), observing.marks());
        assertEquals(List.of(OptionalLong.of(4)), rowWhenMarked, "marked after the commit");
    }

    @Test
    void anExceptionRollsBackTheWorkAndTheOffsetAndMarksNothing() {
        store.advance(GROUP, tp, 1);
        IllegalStateException boom = new IllegalStateException("user work failed");
        IllegalStateException thrown = assertThrows(IllegalStateException.class,
                () -> transaction.executeWithoutResult(status -> offsets.consume(context, range(tp, 1, 4),
                        messages -> {
                            insertEach().apply(messages);
                            throw boom;
                        })));
        assertSame(boom, thrown, "the job fails with the work's exception");
        assertEquals(List.of(), applied());
        assertEquals(OptionalLong.of(1), store.nextOffset(GROUP, tp));
        assertEquals(List.of(), context.marks());
    }

    @Test
    void aRollbackWithoutAnExceptionMarksNothingAndTheNextBatchIsRefused() {
        store.advance(GROUP, tp, 0);
        transaction.executeWithoutResult(status -> {
            offsets.consume(context, range(tp, 0, 3), insertEach());
            status.setRollbackOnly();
        });
        assertEquals(List.of(), applied());
        assertEquals(OptionalLong.of(0), store.nextOffset(GROUP, tp));
        assertEquals(List.of(), context.marks());
        OffsetRefusedException refused = assertThrows(OffsetRefusedException.class,
                () -> transaction.executeWithoutResult(status -> offsets.consume(context, range(tp, 3, 5),
                        insertEach())));
        assertEquals(0, refused.storedOffset(), "the partition is read again from the row");
        assertEquals(List.of(), applied());
    }

    @Test
    void withoutAnActiveTransactionItRefusesBeforeTouchingAnything() {
        AtomicInteger calls = new AtomicInteger();
        IllegalStateException outside = assertThrows(IllegalStateException.class,
                () -> offsets.consume(context, range(tp, 0, 2), messages -> calls.incrementAndGet()));
        assertTrue(outside.getMessage().contains("active Spring transaction"), outside.getMessage());
        // SUPPORTS: synchronization is active, but no real transaction (an auto-commit connection)
        TransactionTemplate supports = new TransactionTemplate(transactionManager);
        supports.setPropagationBehavior(TransactionDefinition.PROPAGATION_SUPPORTS);
        assertThrows(IllegalStateException.class, () -> supports.executeWithoutResult(
                status -> offsets.consume(context, range(tp, 0, 2), messages -> calls.incrementAndGet())));
        assertEquals(0, calls.get());
        assertEquals(OptionalLong.empty(), store.nextOffset(GROUP, tp), "not even the row was created");
        assertEquals(List.of(), context.marks());
    }

    @Test
    void withATransactionManagerItBeginsItsOwnTransactionWhenNoneIsActive() {
        SpringTransactionalOffsets own = SpringTransactionalOffsets.create(store, dataSource(), transactionManager);
        List<Boolean> inTransaction = new ArrayList<>();
        int applied = own.consume(context, range(tp, 0, 3), messages -> {
            inTransaction.add(org.springframework.transaction.support.TransactionSynchronizationManager
                    .isActualTransactionActive());
            insertEach().apply(messages);
        });
        assertEquals(3, applied);
        assertEquals(List.of(true), inTransaction);
        assertEquals(List.of(0L, 1L, 2L), applied());
        assertEquals(OptionalLong.of(3), store.nextOffset(GROUP, tp));
        assertEquals(List.of(3L), context.marks(), "marked after its own commit");

        IllegalStateException boom = new IllegalStateException("user work failed");
        assertSame(boom, assertThrows(IllegalStateException.class, () -> own.consume(context, range(tp, 3, 5),
                messages -> {
                    insertEach().apply(messages);
                    throw boom;
                })));
        assertEquals(List.of(0L, 1L, 2L), applied(), "the work was rolled back");
        assertEquals(OptionalLong.of(3), store.nextOffset(GROUP, tp), "and the offset with it");
        assertEquals(List.of(3L), context.marks());
    }

    @Test
    void withATransactionManagerItJoinsAnActiveTransactionRatherThanBeginningOne() {
        SpringTransactionalOffsets own = SpringTransactionalOffsets.create(store, dataSource(), transactionManager);
        transaction.executeWithoutResult(status -> {
            own.consume(context, range(tp, 0, 2), insertEach());
            status.setRollbackOnly();
        });
        assertEquals(List.of(), applied(), "the outer transaction's rollback undid the work");
        assertEquals(List.of(), context.marks());
    }

    @Test
    void aRevokedPartitionThrowsSoTheOwnerRollsBackEverything() {
        store.advance(GROUP, tp, 0);
        context.revoked(true);
        PartitionRevokedException e = assertThrows(PartitionRevokedException.class,
                () -> transaction.executeWithoutResult(status -> {
                    // the user's own statement earlier in the same transaction
                    client.sql("INSERT INTO " + effects + " (msg_offset) VALUES (?)").param(-1L).update();
                    offsets.consume(context, range(tp, 0, 2), insertEach());
                }));
        assertEquals(tp, e.topicPartition());
        assertTrue(InfrastructureFailure.isInfrastructure(e), "never counted against a message");
        assertEquals(List.of(), applied(), "the owner rolled back the user's statement too");
        assertEquals(OptionalLong.of(0), store.nextOffset(GROUP, tp));
        assertEquals(List.of(), context.marks());
    }

    @Test
    void theStoresLockTimeoutNeverReachesTheUsersStatements() {
        String[] settings = transaction.execute(status -> {
            setOwnLockTimeout(jdbc);
            String before = lockTimeoutSetting(jdbc);
            offsets.consume(context, range(tp, 0, 2), insertEach());
            return new String[] {before, lockTimeoutSetting(jdbc)};
        });
        assertEquals(settings[0], settings[1], "the transaction's own lock timeout after the row lock");
        assertEquals(OptionalLong.of(2), store.nextOffset(GROUP, tp));
    }

    @Test
    void aRedeliveredBatchIsFencedInTheNextTransaction() {
        transaction.executeWithoutResult(status -> offsets.consume(context, range(tp, 0, 4), insertEach()));
        TestContext newOwner = new TestContext(tp);
        int again = transaction.execute(status -> offsets.consume(newOwner, range(tp, 0, 4), insertEach()));
        assertEquals(0, again);
        int rest = transaction.execute(status -> offsets.consume(newOwner, range(tp, 2, 6), insertEach()));
        assertEquals(2, rest);
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), applied());
        assertEquals(List.of(4L, 6L), newOwner.marks());
    }
}
