package io.sluice.filters;

import io.sluice.testing.TestContext;
import static io.sluice.filters.Batches.range;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Batch;
import io.sluice.dsl.Message;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.kafka.common.TopicPartition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * The test hooks, and the zombie scenario of the chaos test in miniature: a job parked after it has its batch
 * and before the row lock, while a new owner applies the same batch. Fencing on: no duplicate. Fencing off (the
 * naive design): the duplicate shows, deterministically.
 */
@Isolated
class TestHooksTest {

    private static final String GROUP = Databases.GROUP;

    private static final Field<Long> OFF = DSL.field(DSL.name("off"), SQLDataType.BIGINT);

    private final TopicPartition tp = new TopicPartition("zombies", 0);
    private final DataSource dataSource = Databases.h2();
    private final PartitionOffsets store = PartitionOffsets.builder(dataSource, SQLDialect.H2)
            .lockTimeout(Duration.ofSeconds(10)).build();
    private final Table<?> effects = DSL.table(DSL.name("effects"));
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private String enabledBefore;

    @BeforeEach
    void setUp() {
        enabledBefore = System.getProperty(TestHooks.ENABLED_PROPERTY);
        db().createTable(effects).column(OFF).execute();
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        TestHooks.reset();
        if (enabledBefore == null) {
            System.clearProperty(TestHooks.ENABLED_PROPERTY);
        } else {
            System.setProperty(TestHooks.ENABLED_PROPERTY, enabledBefore);
        }
        threads.shutdownNow();
        assertTrue(threads.awaitTermination(30, TimeUnit.SECONDS));
    }

    private DSLContext db() {
        return DSL.using(dataSource, SQLDialect.H2);
    }

    private TransactionalWork<String, String> insertEach() {
        return (tx, messages) -> {
            for (Message<String, String> m : messages) {
                tx.insertInto(effects).columns(OFF).values(m.offset()).execute();
            }
        };
    }

    private int rows() {
        return db().fetchCount(effects);
    }

    @Test
    void hooksAreOffByDefaultAndRefusedWithoutTheProperty() {
        System.clearProperty(TestHooks.ENABLED_PROPERTY);
        assertTrue(TestHooks.fencing());
        assertThrows(IllegalStateException.class, () -> TestHooks.fencing(false));
        assertThrows(IllegalStateException.class, () -> TestHooks.beforeRowLock((t, b) -> { }));
        assertTrue(TestHooks.fencing());
        TestHooks.fencing(true); // switching on is always allowed
        TestHooks.beforeRowLock(null);
        TestHooks.reset();
    }

    @Test
    void aParkedZombieIsFencedOff() throws Exception {
        assertEquals(0, zombieScenario(true));
        assertEquals(5, rows(), "every message applied exactly once");
    }

    @Test
    void theNaiveDesignAppliesTheZombiesBatchTwice() throws Exception {
        assertEquals(5, zombieScenario(false), "the zombie re-applies its whole batch");
        assertEquals(10, rows(), "the duplicate shows");
    }

    @Test
    void theNaiveDesignIgnoresRevocation() throws Exception {
        System.setProperty(TestHooks.ENABLED_PROPERTY, "true");
        TestHooks.fencing(false);
        TestContext revoked = new TestContext(tp).revoked(true);
        assertEquals(3, store.consume(revoked, range(tp, 0, 3), insertEach()));
        assertEquals(3, rows());
    }

    /** Returns how many messages the zombie applied after it was released. */
    private int zombieScenario(boolean fencing) throws Exception {
        System.setProperty(TestHooks.ENABLED_PROPERTY, "true");
        TestHooks.fencing(fencing);
        CountDownLatch parked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread newOwnerThread = Thread.currentThread(); // the zombie runs on the executor
        TestHooks.beforeRowLock((t, b) -> {
            if (Thread.currentThread() != newOwnerThread && b.fetchOffset() == 0 && parked.getCount() > 0) {
                parked.countDown();
                assertTrue(release.await(60, TimeUnit.SECONDS));
            }
        });
        store.advance(GROUP, tp, 0);
        Batch<String, String> batch = range(tp, 0, 5);
        TestContext zombie = new TestContext(tp); // never learns it lost the partition
        Future<Integer> zombieJob = threads.submit(() -> store.consume(zombie, batch, insertEach()));
        assertTrue(parked.await(30, TimeUnit.SECONDS), "the zombie parks before the row lock");

        TestContext newOwner = new TestContext(tp);
        assertEquals(5, store.consume(newOwner, range(tp, 0, 5), insertEach()));
        assertEquals(OptionalLong.of(5), store.nextOffset(GROUP, tp), "the new owner moved the row past the parked batch");

        release.countDown();
        int applied = zombieJob.get(30, TimeUnit.SECONDS);
        assertEquals(OptionalLong.of(5), store.nextOffset(GROUP, tp));
        assertEquals(List.of(5L), newOwner.marks());
        return applied;
    }
}
