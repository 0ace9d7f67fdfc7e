package io.sluice.runtime;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.dsl.FilterFactory;
import io.sluice.dsl.Message;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.TopicBuilder;
import io.sluice.dsl.Verdict;
import io.sluice.testing.TestDriver;
import io.sluice.testing.TestDriverExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Regression tests of issue 11's behaviours that need no offset store (1, 4 and 5); the store-related ones are in
 * the filters module's {@code CoreV2RegressionTest}. Each states in one line how it fails on the pre-v2 core.
 */
@ExtendWith(TestDriverExtension.class)
class CoreV2RegressionDriverTest {

    private static final String T = "payments";
    private static final TopicPartition TP = new TopicPartition(T, 0);
    private static final String DLQ = "payments.dlq";

    private static io.sluice.dsl.Topology topology(io.sluice.dsl.Consumer<String, String> consumer,
                                                 UnaryOperator<TopicBuilder<String, String>> settings) {
        return settings.apply(Sluice.topology().topic(T)
                .deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> consumer)).build();
    }

    /** Committed 3, offsets 3..5 a gap (markers or compaction), then "bad" at 6 and "ok" at 7. */
    private static void gapThenBadThenOk(TestDriver driver) {
        driver.send(T, 0, "k", "ok").send(T, 0, "k", "ok").send(T, 0, "k", "ok");
        driver.log().skip(TP, 3);
        driver.send(T, 0, "k", "bad").send(T, 0, "k", "ok");
        driver.log().commit("sluice-test", Map.of(TP, new OffsetAndMetadata(3)));
    }

    private static void retryForAWhile(TestDriver driver) {
        for (int i = 0; i < 10; i++) {
            driver.advanceAndRun(Duration.ofSeconds(30));
        }
    }

    private static List<Long> deadLetteredOffsets(TestDriver driver) {
        return driver.events(SluiceEvent.DeadLettered.class).stream().map(SluiceEvent.DeadLettered::offset).toList();
    }

    // ---------------------------------------------------------------- 1. the dead-letter gate after a gap

    // today: 6 retries forever (retryFrom 3 is never 6): dead-lettered [], consumed [], marked -1; not [6], [7], 8
    @Test
    void aFailingFirstRecordAfterAnOffsetGapIsDeadLetteredOnceAndTheNextIsConsumed(TestDriver driver) {
        driver.start(topology((batch, ctx) -> {
            if (batch.stream().anyMatch(m -> m.value().equals("bad"))) {
                throw new IllegalArgumentException("cannot pay");
            }
        }, t -> t.deadLetterQueue(DLQ, 1)));
        gapThenBadThenOk(driver);
        driver.assign(T, 0).runUntilIdle();
        retryForAWhile(driver);
        assertSixDeadLetteredOnceAndSevenConsumed(driver, "marked");
    }

    // today: the same hang under manual marking: dead-lettered [], consumed [], marked -1; not [6], [7], 8
    @Test
    void underManualMarkingAFailingFirstRecordAfterAGapIsDeadLetteredOnceAndTheNextIsConsumed(TestDriver driver) {
        driver.start(topology((batch, ctx) -> {
            for (Message<String, String> m : batch) {
                if (m.value().equals("bad")) {
                    throw new IllegalArgumentException("cannot pay");
                }
                ctx.markAsConsumed(m);
            }
        }, t -> t.manualMarking().deadLetterQueue(DLQ, 1)));
        gapThenBadThenOk(driver);
        driver.assign(T, 0).runUntilIdle();
        retryForAWhile(driver);
        assertSixDeadLetteredOnceAndSevenConsumed(driver, "the consumer's mark of 7 covers the dead-lettered 6");
    }

    /** 6 was dead-lettered and published once, 7 consumed, and the mark is at 8 ({@code markedWhy}). */
    private static void assertSixDeadLetteredOnceAndSevenConsumed(TestDriver driver, String markedWhy) {
        assertAll(
                () -> assertEquals(List.of(6L), deadLetteredOffsets(driver), "6 dead-lettered exactly once"),
                () -> assertEquals(1, driver.deadLetters().size(), "dead letters published"),
                () -> assertEquals(List.of(7L), driver.consumedOffsets(T, 0), "consumed"),
                () -> assertEquals(8, driver.marked(T, 0), markedWhy));
    }

    // ---------------------------------------------------------------- 4. a pause ends at its verdict's deadline

    /** Pauses the first batch it sees at {@code cursor} for 10 s; lets everything else through. */
    private static FilterFactory<Object, Object> pauseOnceAt(long cursor) {
        AtomicBoolean once = new AtomicBoolean();
        return tp -> (batch, ctx) ->
                once.getAndSet(true) ? Verdict.notApplied() : Verdict.pause(cursor, Duration.ofSeconds(10));
    }

    // today: the pause starts when the job reports (t0 + 3 s), so at t0 + 10 s only [0, 1] are consumed, not 0..3
    @Test
    void aFiltersPauseEndsTenSecondsAfterTheVerdictNotAfterTheJob(TestDriver driver) {
        driver.start(topology((batch, ctx) -> driver.advance(Duration.ofSeconds(3)), // a job of 3 s
                t -> t.filter(pauseOnceAt(2))));
        for (int i = 0; i < 4; i++) {
            driver.send(T, 0, "k", "v" + i);
        }
        driver.assign(T, 0).runUntilIdle(); // verdict at t0, report at t0 + 3 s
        assertEquals(List.of(0L, 1L), driver.consumedOffsets(T, 0));
        driver.advanceAndRun(Duration.ofSeconds(7)); // t0 + 10 s: the window is over
        assertEquals(List.of(0L, 1L, 2L, 3L), driver.consumedOffsets(T, 0));
    }

    // today: a 10 s pause decided at t0 still holds after a 12 s job (until t0 + 22 s): consumed [0, 1], not 0..3
    @Test
    void aPauseWhoseDeadlinePassedDuringTheJobResumesAtOnce(TestDriver driver) {
        driver.start(topology((batch, ctx) -> driver.advance(Duration.ofSeconds(12)),
                t -> t.filter(pauseOnceAt(2))));
        for (int i = 0; i < 4; i++) {
            driver.send(T, 0, "k", "v" + i);
        }
        driver.assign(T, 0).runUntilIdle();
        assertEquals(List.of(0L, 1L, 2L, 3L), driver.consumedOffsets(T, 0), "the deadline is past: a seek, no pause");
    }

    // ---------------------------------------------------------------- 5. manual marking: retry from the first unmarked

    // today: the retry restarts at the failed batch: the first message handed out again is 3, not the unmarked 1
    @Test
    void underManualMarkingARetryRestartsAtTheFirstUnmarkedMessage(TestDriver driver) {
        List<List<Long>> handed = new ArrayList<>();
        AtomicInteger failures = new AtomicInteger(1);
        driver.maxPollRecords(3).start(topology((batch, ctx) -> {
            handed.add(batch.stream().map(Message::offset).toList());
            if (batch.get(0).offset() == 0) {
                ctx.markAsConsumed(batch.get(0)); // 0 is done; 1 and 2 are handled but not marked yet
            } else if (batch.get(0).offset() == 3 && failures.getAndDecrement() > 0) {
                throw new IllegalStateException("flush failed");
            } else {
                ctx.markAsConsumed(batch.get(batch.size() - 1));
            }
        }, t -> t.manualMarking()));
        for (int i = 0; i < 6; i++) {
            driver.send(T, 0, "k", "v" + i);
        }
        driver.assign(T, 0).runUntilIdle();
        assertEquals(List.of(List.of(0L, 1L, 2L), List.of(3L, 4L, 5L)), handed);
        driver.advanceAndRun(Duration.ofSeconds(1));
        assertEquals(1L, handed.get(2).get(0), "the retry starts at 1, the first unmarked message");
        assertEquals(0, handed.stream().skip(1).flatMap(List::stream).filter(o -> o == 0L).count(),
                "the marked 0 is never handed out again: " + handed);
    }

}
