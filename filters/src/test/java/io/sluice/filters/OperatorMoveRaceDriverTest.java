package io.sluice.filters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.OffsetMove;
import io.sluice.dsl.Sluice;
import io.sluice.testing.TestDriver;
import io.sluice.testing.TestDriverExtension;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jooq.SQLDialect;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An operator's rewind races a job of the owner that was launched before it: the job must be refused (the epoch
 * bump), never undo the rewind.
 */
@ExtendWith(TestDriverExtension.class)
class OperatorMoveRaceDriverTest {

    private static final String T = "orders";
    private static final TopicPartition TP = new TopicPartition(T, 0);
    private static final String GROUP = "sluice-test";

    private final List<Long> applied = new CopyOnWriteArrayList<>();

    private static OffsetMove move(long expected, long target) {
        return new OffsetMove(GROUP, TP, expected, target, "olga", "cmd-" + expected + "-" + target);
    }

    @Test
    void aRowAdvanceInFlightDoesNotUndoARewind(TestDriver driver) {
        PartitionOffsets offsets = PartitionOffsets.builder(Databases.h2(), SQLDialect.H2).build();
        driver.start(OffsetManagedDriver.failingOnBad(T, offsets, applied, t -> t.deadLetterQueue(io.sluice.dsl.DeadLetterQueue.discard(0))));
        driver.send(T, 0, "k", "ok").send(T, 0, "k", "ok").send(T, 0, "k", "ok");
        driver.assign(T, 0).runUntilIdle();
        assertEquals(List.of(0L, 1L, 2L), applied);
        assertEquals(OptionalLong.of(3), offsets.nextOffset(GROUP, TP));

        // a poison message: its batch fails, and the discard's row advance (to 4) is launched but not yet run
        driver.send(T, 0, "k", "bad");
        driver.step();
        assertEquals(1, driver.runJobs(), "the batch of the poison message");
        driver.step();
        assertEquals(1, driver.pendingJobs(), "the discard's advance, launched before the rewind");

        // the operator rewinds 3 -> 1 meanwhile
        assertEquals(OffsetMove.Outcome.MOVED, offsets.move(move(3, 1)));
        driver.enforceAfterOperatorMove(T, 0);
        driver.runUntilIdle().advanceAndRun(Duration.ofSeconds(5));

        assertEquals(List.of(0L, 1L, 2L, 1L, 2L), applied, "the rewound range 1..2 applied once more");
        assertEquals(OptionalLong.of(4), offsets.nextOffset(GROUP, TP));
        assertTrue(driver.marked(T, 0) <= 4);
    }
    @Test
    void aRewindOfARowCommittedByTheBatchStillInFlightIsAppliedWithoutNewMessages(TestDriver driver)
            throws Exception {
        PartitionOffsets offsets = PartitionOffsets.builder(Databases.h2(), SQLDialect.H2).build();
        java.util.concurrent.CountDownLatch committed = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean hold = new java.util.concurrent.atomic.AtomicBoolean();
        driver.start(Sluice.topology().topic(T)
                .deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> (batch, ctx) -> {
                    offsets.consume(ctx, batch, (tx, messages) -> messages.forEach(m -> applied.add(m.offset())));
                    if (hold.getAndSet(false)) {
                        // slow work after the commit: the batch stays in flight while the operator acts
                        committed.countDown();
                        if (!release.await(30, java.util.concurrent.TimeUnit.SECONDS)) {
                            throw new IllegalStateException("never released");
                        }
                    }
                })
                .filter(OffsetManager.using(offsets))
                .build());
        driver.send(T, 0, "k", "a").send(T, 0, "k", "b");
        driver.assign(T, 0).runUntilIdle();
        assertEquals(OptionalLong.of(2), offsets.nextOffset(GROUP, TP));

        driver.send(T, 0, "k", "c").send(T, 0, "k", "d");
        hold.set(true);
        driver.step();
        assertEquals(1, driver.pendingJobs(), "the batch of 2..3");
        Thread worker = new Thread(driver::runNextJob, "worker");
        worker.start();
        assertTrue(committed.await(30, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(OptionalLong.of(4), offsets.nextOffset(GROUP, TP), "the batch committed the row");

        // the operator saw the row at 4 and rewinds it to 1 while the batch is still in flight
        assertEquals(OffsetMove.Outcome.MOVED, offsets.move(move(4, 1)));
        driver.enforceAfterOperatorMove(T, 0).step();
        release.countDown();
        worker.join(30_000);
        driver.runUntilIdle().advanceAndRun(Duration.ofSeconds(5));

        assertEquals(List.of(0L, 1L, 2L, 3L, 1L, 2L, 3L), applied, "1..3 once more, without a new message");
        assertEquals(OptionalLong.of(4), offsets.nextOffset(GROUP, TP));
    }
}
