package io.sluice.filters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.runtime.SluiceEvent;
import io.sluice.testing.TestDriver;
import io.sluice.testing.TestDriverExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jooq.SQLDialect;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The offset manager and transactional consumption on the real runtime (test driver) and H2. */
@ExtendWith(TestDriverExtension.class)
class OffsetManagerDriverTest {

    private static final String GROUP = Databases.GROUP;

    private static final String T = "orders";
    private static final TopicPartition TP = new TopicPartition(T, 0);

    private PartitionOffsets offsets;
    private final List<Long> applied = new CopyOnWriteArrayList<>();

    @BeforeEach
    void store() {
        offsets = PartitionOffsets.builder(Databases.h2(), SQLDialect.H2).build();
        offsets.createTableIfMissing();
    }

    private Topology topology() {
        return Sluice.topology().topic(T)
                .deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> (batch, ctx) -> offsets.consume(ctx, batch,
                        (tx, messages) -> messages.forEach(m -> applied.add(m.offset()))))
                .filter(OffsetManager.using(offsets))
                .build();
    }

    private void rowAt(long offset) {
        offsets.locked(GROUP, TP, offset, row -> {
            row.moveTo(offset);
            return null;
        });
    }

    private static void produce(TestDriver driver, int count) {
        for (int i = 0; i < count; i++) {
            driver.send(T, 0, "k" + i, "v" + i);
        }
    }

    private static List<Long> seeks(TestDriver driver) {
        return driver.consumer().seeks().stream().map(s -> s.offset()).toList();
    }

    @Test
    void aDatabaseAheadOfKafkaClearsTheBatchAndSeeksForward(TestDriver driver) {
        driver.start(topology());
        produce(driver, 10);
        rowAt(6);
        driver.assign(T, 0).runUntilIdle();
        assertEquals(List.of(6L, 7L, 8L, 9L), applied);
        assertEquals(List.of(6L, 7L, 8L, 9L), driver.consumedOffsets(T, 0), "the consumer never saw 0..5");
        assertTrue(seeks(driver).contains(6L));
        assertEquals(OptionalLong.of(10), offsets.nextOffset(GROUP, TP));
        assertEquals(10, driver.marked(T, 0));
    }

    @Test
    void equalOffsetsPassTheBatchThroughAndTheRowIsSeededOnFirstUse(TestDriver driver) {
        driver.start(topology());
        produce(driver, 5);
        driver.assign(T, 0).runUntilIdle();
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), applied);
        assertTrue(seeks(driver).stream().allMatch(o -> o == 0L),
                "nothing stored, no committed offset: parked, then the user's reset: " + seeks(driver));
        assertEquals(OptionalLong.of(5), offsets.nextOffset(GROUP, TP));
    }

    @Test
    void kafkaAheadOfTheDatabaseSeeksBackAndLosesNothing(TestDriver driver) {
        driver.start(topology());
        produce(driver, 10);
        rowAt(3);
        driver.log().commit("sluice-test", Map.of(TP, new OffsetAndMetadata(8))); // e.g. a commit after a rollback
        driver.assign(T, 0).runUntilIdle();
        assertEquals(List.of(3L, 4L, 5L, 6L, 7L, 8L, 9L), applied);
        assertEquals(List.of(3L), seeks(driver));
        driver.revoke(T, 0).runUntilIdle();
        assertEquals(OptionalLong.of(10), driver.committed(T, 0));
    }

    @Test
    void aCompactionGapAtTheFetchPositionCausesNoSeekLoop(TestDriver driver) {
        driver.start(topology());
        produce(driver, 3);                 // 0..2
        driver.log().skip(TP, 3);           // 3..5: compacted away or transaction markers
        produce(driver, 2);                 // 6, 7
        rowAt(3);
        driver.log().commit("sluice-test", Map.of(TP, new OffsetAndMetadata(3)));
        driver.assign(T, 0).runUntilIdle();
        assertEquals(List.of(6L, 7L), applied);
        assertTrue(seeks(driver).isEmpty(), "fetched from 3 with the row at 3: no seek, whatever the first offset");
        assertEquals(OptionalLong.of(8), offsets.nextOffset(GROUP, TP));
    }

    @Test
    void aDatabaseOffsetOutsideTheLogPausesThePartitionWithAnErrorNamingBothOffsets(TestDriver driver) {
        driver.start(topology());
        produce(driver, 10);
        rowAt(50);
        driver.assign(T, 0).runUntilIdle().advanceAndRun(Duration.ofSeconds(1)).advanceAndRun(Duration.ofSeconds(2));
        assertTrue(applied.isEmpty());
        assertTrue(driver.paused(T, 0));
        List<SluiceEvent.Failed> failures = driver.events(SluiceEvent.Failed.class);
        assertEquals(3, failures.size());
        for (SluiceEvent.Failed f : failures) {
            assertEquals(io.sluice.runtime.FailureKind.INFRASTRUCTURE, f.kind(), "never counts toward dead-lettering");
            String message = f.error().getMessage();
            assertTrue(message.contains("50") && message.contains("[0, 10]"), message);
        }
        // enforced at assignment, before any batch: reported at once, as blocked
        assertEquals(1, driver.events(SluiceEvent.Blocked.class).size());
        // an operator fixes the row: the retry (which reads the log range again) proceeds
        rowAt(7);
        driver.advanceAndRun(Duration.ofSeconds(4));
        assertEquals(List.of(7L, 8L, 9L), applied);
    }

    @Test
    void aRowEqualToTheFetchOffsetButBelowTheLogStartIsNotASilentPass(TestDriver driver) {
        // retention passed both the row and Kafka's committed offset: Kafka resets, the row must not follow silently
        driver.start(topology());
        produce(driver, 10);
        rowAt(2);
        driver.log().commit("sluice-test", Map.of(TP, new OffsetAndMetadata(2)));
        driver.log().truncateBefore(TP, 5);
        driver.assign(T, 0).runUntilIdle();
        assertTrue(applied.isEmpty(), "nothing from 5 on is applied as if 2..4 had been");
        assertTrue(driver.events(SluiceEvent.Failed.class).get(0).error().getMessage().contains("outside the log"));
        assertEquals(OptionalLong.of(2), offsets.nextOffset(GROUP, TP));
    }

    @Test
    void aResetAfterRetentionPassedAPausedPartitionIsNoSilentJump(TestDriver driver) {
        Topology topology = Sluice.topology().topic(T)
                .deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> (batch, ctx) -> offsets.consume(ctx, batch, (tx, messages) -> {
                    for (var m : messages) {
                        if (m.value().equals("boom")) {
                            throw new IllegalStateException("downstream unavailable");
                        }
                        applied.add(m.offset());
                    }
                }))
                .filter(OffsetManager.using(offsets))
                .build();
        driver.start(topology);
        produce(driver, 5);
        driver.assign(T, 0).runUntilIdle();
        assertEquals(OptionalLong.of(5), offsets.nextOffset(GROUP, TP));
        driver.send(T, 0, "k", "boom");             // offset 5 fails: the partition backs off
        driver.runUntilIdle();
        produce(driver, 4);                          // 6..9
        driver.log().truncateBefore(TP, 8);          // meanwhile retention passes the paused position
        driver.advanceAndRun(Duration.ofSeconds(1)); // the retry from 5: Kafka resets to the log start, 8
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), applied, "8 and 9 are not applied as if 5..7 had been");
        assertEquals(OptionalLong.of(5), offsets.nextOffset(GROUP, TP));
        assertEquals(1, driver.counters().get("resets"), "only the first assignment's reset (nothing stored yet):"
                + " after retention the runtime does not reset, it enforces the row");
        assertTrue(driver.events(SluiceEvent.Failed.class).stream()
                .anyMatch(f -> f.error().getMessage().contains("stored next offset 5")
                        && f.error().getMessage().contains("outside the log [8, 10]")));
    }

    @Test
    void itActsOnlyOnTheFirstBatchOfEachAssignment(TestDriver driver) {
        driver.maxPollRecords(3).start(topology());
        produce(driver, 9);
        driver.assign(T, 0).runUntilIdle();
        assertEquals(1, decisions(driver), "three batches, one decision");
        driver.revoke(T, 0).runUntilIdle();
        produce(driver, 3);
        driver.assign(T, 0).runUntilIdle();
        assertEquals(2, decisions(driver), "a new assignment decides again");
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L), applied);
    }

    @Test
    void aRevokedPartitionsBatchAppliesNothingAndMarksNothing(TestDriver driver) {
        driver.start(topology());
        produce(driver, 3);
        driver.assign(T, 0).step();               // the job is in flight
        driver.revoke(T, 0).step();               // revoked() turns true, then the job runs in the grace period
        assertTrue(applied.isEmpty());
        assertEquals(OptionalLong.empty(), driver.committed(T, 0));
    }

    @Test
    void theDeadLetteredMessageAdvancesTheRowBeforeKafkaIsMarked(TestDriver driver) {
        Topology topology = OffsetManagedDriver.failingOnBad(T, offsets, applied, t -> t.deadLetterQueue("orders.dlq", 1));
        driver.maxPollRecords(1).start(topology);
        driver.send(T, 0, "k", "ok").send(T, 0, "k", "bad").send(T, 0, "k", "ok");
        driver.assign(T, 0).runUntilIdle().advanceAndRun(Duration.ofSeconds(1));
        assertEquals(1, driver.deadLetters().size());
        assertEquals("bad", new String(driver.deadLetters().get(0).value(), StandardCharsets.UTF_8));
        assertEquals(List.of(0L, 2L), applied);
        assertEquals(OptionalLong.of(3), offsets.nextOffset(GROUP, TP));
    }

    @Test
    void aDiscardedMessageAdvancesTheRowWithoutPublishing(TestDriver driver) {
        Topology topology = OffsetManagedDriver.failingOnBad(T, offsets, applied, t -> t.deadLetterQueue(io.sluice.dsl.DeadLetterQueue.discard(0)));
        driver.maxPollRecords(1).start(topology);
        driver.send(T, 0, "k", "ok").send(T, 0, "k", "bad").send(T, 0, "k", "ok");
        driver.assign(T, 0).runUntilIdle().advanceAndRun(Duration.ofSeconds(1));
        assertEquals(List.of(), driver.deadLetters());
        assertEquals(1, driver.events(SluiceEvent.Discarded.class).size());
        assertEquals(List.of(0L, 2L), applied);
        assertEquals(OptionalLong.of(3), offsets.nextOffset(GROUP, TP), "the row moved past the discarded message");
        assertEquals(3, driver.marked(T, 0));
    }

    private static long decisions(TestDriver driver) {
        return driver.events(SluiceEvent.Filtered.class).stream()
                .filter(f -> f.verdict() instanceof io.sluice.dsl.Verdict.Skip
                        || f.verdict() instanceof io.sluice.dsl.Verdict.Seek)
                .count();
    }
}
