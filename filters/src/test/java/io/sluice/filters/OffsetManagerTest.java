package io.sluice.filters;

import io.sluice.testing.TestContext;
import static io.sluice.filters.Batches.batch;
import static io.sluice.filters.Batches.range;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Batch;
import io.sluice.dsl.Cursor;
import io.sluice.dsl.Filter;
import io.sluice.dsl.FilterFactory;
import io.sluice.dsl.InfrastructureFailure;
import io.sluice.dsl.OffsetRefusedException;
import io.sluice.dsl.OffsetOutOfRangePolicy;
import io.sluice.dsl.TopicSettings;
import io.sluice.dsl.Verdict;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.jooq.SQLDialect;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OffsetManagerTest {

    private static final String GROUP = Databases.GROUP;

    private final TopicPartition tp = new TopicPartition("orders", 2);
    private final PartitionOffsets offsets = PartitionOffsets.builder(Databases.h2(), SQLDialect.H2)
            .lockTimeout(Duration.ofMillis(300))
            .build();
    private final TestContext context = new TestContext(tp).logRange(0, 100);
    private final OffsetManager manager = new OffsetManager(offsets, tp);
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() throws InterruptedException {
        threads.shutdownNow();
        assertTrue(threads.awaitTermination(30, TimeUnit.SECONDS));
    }

    private static void assertSeek(long offset, Verdict verdict) {
        Verdict.Seek seek = assertInstanceOf(Verdict.Seek.class, verdict);
        assertEquals(Cursor.at(offset), seek.cursor());
        assertEquals(OptionalLong.empty(), seek.mark(), "the offset manager never asks for a mark");
    }

    private static void assertPassedUntouched(Batch<?, ?> batch, int size, Verdict verdict) {
        assertInstanceOf(Verdict.Skip.class, verdict);
        assertEquals(OptionalLong.empty(), verdict.mark());
        assertEquals(size, batch.size());
        assertEquals(0, batch.removedCount());
    }

    @Test
    void theFactoryMakesAFreshFirstInChainManagerWithTheStoreAsAuthority() {
        FilterFactory<Object, Object> factory = OffsetManager.using(offsets);
        assertTrue(factory.firstInChain());
        assertSame(offsets, factory.offsetAuthority().orElseThrow());
        Filter<Object, Object> a = factory.create(tp);
        Filter<Object, Object> b = factory.create(tp);
        assertInstanceOf(OffsetManager.class, a);
        assertFalse(a == b, "one instance per assignment");
        assertTrue(factory.describe().contains("kafka_partitions"), factory.describe());
    }

    @Test
    void firstUseCreatesTheRowAtTheFetchOffsetAndPasses() throws Exception {
        Batch<String, String> batch = range(tp, 5, 10);
        assertPassedUntouched(batch, 5, manager.apply(batch, context));
        assertEquals(OptionalLong.of(5), offsets.nextOffset(GROUP, tp));
    }

    @Test
    void equalOffsetsPass() throws Exception {
        offsets.advance(GROUP, tp, 5);
        Batch<String, String> batch = range(tp, 5, 10);
        assertPassedUntouched(batch, 5, manager.apply(batch, context));
    }

    @Test
    void databaseAheadClearsTheBatchAndSeeksForward() throws Exception {
        offsets.advance(GROUP, tp, 8);
        Batch<String, String> batch = range(tp, 5, 10);
        assertSeek(8, manager.apply(batch, context));
        assertTrue(batch.isEmpty(), "nothing reaches the consumer");
        assertEquals(OptionalLong.of(8), offsets.nextOffset(GROUP, tp), "the filter only reads the row");
    }

    @Test
    void kafkaAheadClearsTheBatchAndSeeksBack() throws Exception {
        offsets.advance(GROUP, tp, 3);
        Batch<String, String> batch = range(tp, 5, 10);
        assertSeek(3, manager.apply(batch, context));
        assertTrue(batch.isEmpty());
        assertEquals(OptionalLong.of(3), offsets.nextOffset(GROUP, tp));
    }

    @Test
    void aCompactionGapAtTheFetchPositionPassesWithoutASeek() throws Exception {
        offsets.advance(GROUP, tp, 5);
        // fetched from 5, but 5..7 were compacted away: the first message is 8
        Batch<String, String> batch = batch(tp, 5, 12, 8, 9, 11);
        assertPassedUntouched(batch, 3, manager.apply(batch, context));
    }

    @Test
    void theRowAtTheLogEdgesIsInRange() throws Exception {
        context.logRange(5, 20);
        offsets.advance(GROUP, tp, 20);
        Batch<String, String> atEnd = range(tp, 10, 12);
        assertSeek(20, manager.apply(atEnd, context));

        TopicPartition other = new TopicPartition("orders", 7);
        PartitionOffsets store = offsets;
        store.locked(GROUP, other, 5, row -> null);
        TestContext otherContext = new TestContext(other).logRange(5, 20);
        Batch<String, String> later = range(other, 9, 12);
        assertSeek(5, new OffsetManager(store, other).apply(later, otherContext));
    }

    @Test
    void anUnknownLogBoundFailsTheDecisionAsInfrastructureAndWritesNothing() {
        TopicPartition fresh = new TopicPartition("orders", 8);
        for (TestContext unknown : List.of(
                new TestContext(fresh).logRange(OptionalLong.of(0), OptionalLong.empty()),
                new TestContext(fresh).logRange(OptionalLong.empty(), OptionalLong.of(100)))) {
            Batch<String, String> batch = range(fresh, 5, 10);
            InfrastructureFailure e = assertThrows(InfrastructureFailure.class,
                    () -> new OffsetManager(offsets, fresh).apply(batch, unknown));
            assertTrue(e.getMessage().contains("unknown"), e.getMessage());
            assertTrue(InfrastructureFailure.isInfrastructure(e));
            assertEquals(5, batch.size(), "the batch is left alone");
            assertEquals(OptionalLong.empty(), offsets.nextOffset(GROUP, fresh), "not even the row is created");
        }
        // a stored offset far away is never taken as inside an unbounded side
        offsets.advance(GROUP, tp, 1_000);
        context.logRange(OptionalLong.of(0), OptionalLong.empty());
        assertThrows(InfrastructureFailure.class, () -> manager.apply(range(tp, 5, 10), context));
        context.logRange(0, 100);
        assertThrows(StoredOffsetOutOfRangeException.class, () -> manager.apply(range(tp, 5, 10), context),
                "decided once the bound is known");
    }

    @Test
    void aRowBeyondTheLogFailsNamingThePartitionBothOffsetsAndTheRange() {
        offsets.advance(GROUP, tp, 500);
        Batch<String, String> batch = range(tp, 5, 10);
        StoredOffsetOutOfRangeException e = assertThrows(StoredOffsetOutOfRangeException.class,
                () -> manager.apply(batch, context));
        String message = e.getMessage();
        assertTrue(message.contains(tp.toString()), message);
        assertTrue(message.contains("500"), message);
        assertTrue(message.contains("fetched from 5"), message);
        assertTrue(message.contains("[0, 100]"), message);
        assertTrue(message.contains("FAIL"), message);
        assertEquals(500, e.storedOffset());
        assertEquals(5, e.fetchOffset());
        assertEquals(OptionalLong.of(0), e.logStartOffset());
        assertEquals(OptionalLong.of(100), e.logEndOffset());
        assertEquals(OptionalLong.of(500), offsets.nextOffset(GROUP, tp), "never a silent jump");
        // a filter failure: the runtime retries, and the retry fails again the same way
        assertThrows(StoredOffsetOutOfRangeException.class, () -> manager.apply(range(tp, 5, 10), context));
    }

    @Test
    void aRowBelowTheLogStartFailsToo() {
        offsets.advance(GROUP, tp, 2);
        context.logRange(40, 100);
        StoredOffsetOutOfRangeException e = assertThrows(StoredOffsetOutOfRangeException.class,
                () -> manager.apply(range(tp, 40, 45), context));
        assertTrue(e.getMessage().contains("stored next offset 2"), e.getMessage());
        assertTrue(e.getMessage().contains("[40, 100]"), e.getMessage());
    }

    @Test
    void afterAnOperatorFixesTheRowTheRetryProceeds() throws Exception {
        offsets.advance(GROUP, tp, 500);
        assertThrows(StoredOffsetOutOfRangeException.class, () -> manager.apply(range(tp, 5, 10), context));
        offsets.locked(GROUP, tp, 0, row -> {
            row.moveTo(7);
            return null;
        });
        assertSeek(7, manager.apply(range(tp, 5, 10), context));
        assertEquals(Verdict.notApplied(), manager.apply(range(tp, 7, 10), context));
    }

    @Test
    void aResetBackwardsBumpsTheEpochAndAZombieStillWritingWithTheOldOneIsRefused() throws Exception {
        javax.sql.DataSource shared = Databases.h2();
        PartitionOffsets zombie = PartitionOffsets.create(shared, SQLDialect.H2);
        PartitionOffsets owner = PartitionOffsets.create(shared, SQLDialect.H2);
        zombie.advance(GROUP, tp, 500);
        assertEquals(OptionalLong.of(500), zombie.read(GROUP, tp), "the zombie observed epoch 0 at its assignment");
        // the topic was recreated: the new owner's offset manager resets the row back to the log start
        TestContext ownerContext = new TestContext(tp).logRange(10, 100).settings(TopicSettings.DEFAULTS
                .withOnOffsetOutOfRange(OffsetOutOfRangePolicy.RESET_TO_LOG_START));
        assertSeek(10, new OffsetManager(owner, tp).apply(range(tp, 50, 55), ownerContext));
        long epoch = owner.locked(GROUP, tp, 0, LockedRow::epoch);
        assertEquals(1, epoch, "moving the row back bumped its epoch");
        assertEquals(5, owner.consume(ownerContext, range(tp, 10, 15), (tx, ms) -> { }));
        // the zombie wakes up: a dead letter's advance and a batch that even starts at the row are refused
        assertThrows(OffsetRefusedException.class, () -> zombie.advance(GROUP, tp, 501));
        TestContext zombieContext = new TestContext(tp).logRange(0, 600);
        java.util.concurrent.atomic.AtomicInteger applied = new java.util.concurrent.atomic.AtomicInteger();
        assertThrows(OffsetRefusedException.class,
                () -> zombie.consume(zombieContext, range(tp, 15, 20), (tx, ms) -> applied.addAndGet(ms.size())));
        assertEquals(0, applied.get());
        assertEquals(List.of(), zombieContext.marks());
        assertEquals(OptionalLong.of(15), owner.nextOffset(GROUP, tp), "nothing of the zombie's was written");
    }

    @Test
    void resetToLogStartMovesTheRowAndSeeks() throws Exception {
        offsets.advance(GROUP, tp, 500);
        context.logRange(10, 100).settings(TopicSettings.DEFAULTS
                .withOnOffsetOutOfRange(OffsetOutOfRangePolicy.RESET_TO_LOG_START));
        Batch<String, String> batch = range(tp, 50, 55);
        assertSeek(10, manager.apply(batch, context));
        assertTrue(batch.isEmpty());
        assertEquals(OptionalLong.of(10), offsets.nextOffset(GROUP, tp));
    }

    @Test
    void resetToLogEndMovesTheRowAndSeeks() throws Exception {
        offsets.advance(GROUP, tp, 2);
        context.logRange(10, 100).settings(TopicSettings.DEFAULTS
                .withOnOffsetOutOfRange(OffsetOutOfRangePolicy.RESET_TO_LOG_END));
        Batch<String, String> batch = range(tp, 50, 55);
        assertSeek(100, manager.apply(batch, context));
        assertTrue(batch.isEmpty());
        assertEquals(OptionalLong.of(100), offsets.nextOffset(GROUP, tp));
    }

    @Test
    void aResetToWhereKafkaFetchedFromPasses() throws Exception {
        offsets.advance(GROUP, tp, 500);
        context.logRange(10, 100).settings(TopicSettings.DEFAULTS
                .withOnOffsetOutOfRange(OffsetOutOfRangePolicy.RESET_TO_LOG_START));
        Batch<String, String> batch = range(tp, 10, 15);
        assertPassedUntouched(batch, 5, manager.apply(batch, context));
        assertEquals(OptionalLong.of(10), offsets.nextOffset(GROUP, tp));
    }

    @Test
    void actsOnlyOnTheFirstBatchOfAnAssignment() throws Exception {
        offsets.advance(GROUP, tp, 5);
        assertPassedUntouched(range(tp, 5, 10), 5, manager.apply(range(tp, 5, 10), context));
        offsets.advance(GROUP, tp, 50); // even a row that moved meanwhile is not looked at again
        Batch<String, String> second = range(tp, 10, 15);
        assertEquals(Verdict.notApplied(), manager.apply(second, context));
        assertEquals(5, second.size());
        assertEquals(Verdict.notApplied(), manager.apply(range(tp, 15, 20), context));
    }

    @Test
    void aNewAssignmentActsAgain() throws Exception {
        FilterFactory<Object, Object> factory = OffsetManager.using(offsets);
        offsets.advance(GROUP, tp, 5);
        Filter<Object, Object> first = factory.create(tp);
        assertInstanceOf(Verdict.Skip.class, first.apply(range(tp, 5, 10), context));
        assertEquals(Verdict.notApplied(), first.apply(range(tp, 10, 12), context));
        offsets.advance(GROUP, tp, 12);
        // reassigned: Kafka's committed offset lagged (say 10), the row says 12
        Filter<Object, Object> second = factory.create(tp);
        Batch<String, String> batch = range(tp, 10, 14);
        assertSeek(12, second.apply(batch, context));
        assertTrue(batch.isEmpty());
        assertEquals(Verdict.notApplied(), second.apply(range(tp, 12, 14), context));
    }

    @Test
    void afterASeekTheNextBatchFromTheSoughtOffsetPasses() throws Exception {
        offsets.advance(GROUP, tp, 8);
        assertSeek(8, manager.apply(range(tp, 5, 10), context));
        offsets.advance(GROUP, tp, 9); // the consumer commits 8 in the next job; the filter no longer looks
        Batch<String, String> sought = batch(tp, 8, 12, 10, 11); // a gap at 8 and 9 changes nothing
        assertEquals(Verdict.notApplied(), manager.apply(sought, context));
        assertEquals(Verdict.notApplied(), manager.apply(range(tp, 5, 7), context), "decided for good");
    }

    @Test
    void aSeekTheRuntimeDroppedIsDecidedAgain() throws Exception {
        offsets.advance(GROUP, tp, 3);
        assertSeek(3, manager.apply(range(tp, 5, 10), context));
        // a later filter failed, the verdict was dropped, and the retry is fetched from Kafka's position again
        Batch<String, String> retry = range(tp, 5, 10);
        assertSeek(3, manager.apply(retry, context));
        assertTrue(retry.isEmpty(), "messages 3 and 4 are not lost");
        assertEquals(Verdict.notApplied(), manager.apply(range(tp, 3, 10), context));
    }

    @Test
    void aLockTimeoutIsAFilterFailureAndTheRetryDecides() throws Exception {
        offsets.advance(GROUP, tp, 8);
        CountDownLatch holds = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Future<Object> holder = threads.submit(() -> offsets.locked(GROUP, tp, 0, row -> {
            holds.countDown();
            assertTrue(release.await(60, TimeUnit.SECONDS));
            return null;
        }));
        assertTrue(holds.await(30, TimeUnit.SECONDS));
        try {
            assertThrows(OffsetLockTimeoutException.class, () -> manager.apply(range(tp, 5, 10), context));
        } finally {
            release.countDown();
        }
        holder.get(30, TimeUnit.SECONDS);
        assertSeek(8, manager.apply(range(tp, 5, 10), context));
    }

    @Test
    void aRevokedPartitionDecidesNothing() throws Exception {
        context.revoked(true);
        Batch<String, String> batch = range(tp, 5, 10);
        assertSeek(5, manager.apply(batch, context));
        assertTrue(batch.isEmpty());
        assertEquals(OptionalLong.empty(), offsets.nextOffset(GROUP, tp), "no row written");
    }

    @Test
    void aBatchOfAnotherPartitionIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> manager.apply(range(new TopicPartition("orders", 9), 0, 2), context));
    }

    @Test
    void emptyFirstBatchStillDecides() throws Exception {
        offsets.advance(GROUP, tp, 9);
        Batch<String, String> empty = batch(tp, 5, 5);
        assertSeek(9, manager.apply(empty, context));
        assertEquals(List.of(), empty.messages());
    }
}
