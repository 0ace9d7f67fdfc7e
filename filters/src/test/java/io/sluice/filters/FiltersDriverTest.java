package io.sluice.filters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.FilterFactory;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.TopicBuilder;
import io.sluice.dsl.Verdict;
import io.sluice.runtime.SluiceEvent;
import io.sluice.testing.TestDriver;
import io.sluice.testing.TestDriverExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The built-in filters on the real runtime, with the driver's manual clock. */
@ExtendWith(TestDriverExtension.class)
class FiltersDriverTest {

    private static final String T = "events";

    private static void start(TestDriver driver, UnaryOperator<TopicBuilder<String, String>> chain) {
        driver.start(chain.apply(Sluice.topology().topic(T)
                .deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> (batch, ctx) -> { })).build());
    }

    private static void sendAged(TestDriver driver, String value, Duration age) {
        driver.sendAt(T, 0, null, value.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                driver.clock().millis() - age.toMillis(), List.of());
    }

    @Test
    void theThrottleWindowReopensAsTimePasses(TestDriver driver) {
        start(driver, t -> t.throttle(3, Duration.ofSeconds(10)));
        for (int i = 0; i < 7; i++) {
            driver.send(T, 0, "k", "v" + i);
        }
        driver.assign(T, 0).runUntilIdle();
        assertEquals(List.of(0L, 1L, 2L), driver.consumedOffsets(T, 0));
        driver.advanceAndRun(Duration.ofSeconds(9));
        assertEquals(3, driver.consumedOffsets(T, 0).size(), "the window is still full");
        driver.advanceAndRun(Duration.ofSeconds(1));
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), driver.consumedOffsets(T, 0));
        driver.advanceAndRun(Duration.ofSeconds(10));
        assertEquals(7, driver.consumedOffsets(T, 0).size());
        assertEquals(7, driver.marked(T, 0));
    }

    @Test
    void delayedMessagesAreReleasedWhenOldEnough(TestDriver driver) {
        start(driver, t -> t.delayBy(Duration.ofSeconds(30)));
        sendAged(driver, "old", Duration.ofSeconds(40));
        sendAged(driver, "young", Duration.ofSeconds(10)); // old enough in 20 s
        driver.assign(T, 0).runUntilIdle();
        assertEquals(List.of(0L), driver.consumedOffsets(T, 0));
        assertEquals(1, driver.marked(T, 0), "the held-back message is not marked");
        driver.advanceAndRun(Duration.ofSeconds(19));
        assertEquals(1, driver.consumedOffsets(T, 0).size());
        driver.advanceAndRun(Duration.ofSeconds(1));
        assertEquals(List.of(0L, 1L), driver.consumedOffsets(T, 0));
    }

    @Test
    void expiredMessagesAreDroppedAndMarkedEvenUnderManualMarking(TestDriver driver) {
        start(driver, t -> t.manualMarking().expireAfter(Duration.ofMinutes(1)));
        sendAged(driver, "stale-1", Duration.ofMinutes(5));
        sendAged(driver, "stale-2", Duration.ofMinutes(2));
        driver.assign(T, 0).runUntilIdle();
        assertTrue(driver.consumedOffsets(T, 0).isEmpty());
        assertEquals(2, driver.marked(T, 0), "lag stays true: the expired messages count as consumed");
        sendAged(driver, "fresh", Duration.ofSeconds(1));
        driver.runUntilIdle();
        assertEquals(List.of(2L), driver.consumedOffsets(T, 0));
        assertEquals(2, driver.marked(T, 0), "manual marking: the fresh one waits for the consumer's mark");
    }

    @Test
    void predicatesDropAndMarkUnderManualMarking(TestDriver driver) {
        start(driver, t -> t.manualMarking().keepIf(m -> m.value().startsWith("keep")));
        driver.send(T, 0, "k", "drop-0").send(T, 0, "k", "drop-1").send(T, 0, "k", "keep-2")
                .send(T, 0, "k", "drop-3");
        driver.assign(T, 0).runUntilIdle();
        assertEquals(List.of(2L), driver.consumedOffsets(T, 0));
        assertEquals(2, driver.marked(T, 0), "marked up to the first message handed to the consumer");
    }

    @Test
    void aPauseAndASeekTogetherPauseForThePausesTimeoutFromTheLowestCursor(TestDriver driver) {
        AtomicBoolean once = new AtomicBoolean();
        FilterFactory<Object, Object> seekTo3 = tp -> (batch, ctx) ->
                once.getAndSet(true) ? Verdict.notApplied() : Verdict.seek(3);
        start(driver, t -> t.throttle(4, Duration.ofSeconds(5)).filter(seekTo3));
        for (int i = 0; i < 6; i++) {
            driver.send(T, 0, "k", "v" + i);
        }
        driver.assign(T, 0).runUntilIdle();
        // throttle: keeps 0..3, pauses from 4 for 5 s; the seek's cursor 3 is lower: PAUSE from 3 for 5 s
        assertEquals(List.of(0L, 1L, 2L), driver.consumedOffsets(T, 0));
        SluiceEvent.Filtered filtered = driver.events(SluiceEvent.Filtered.class).get(0);
        assertEquals(Verdict.pause(3, Duration.ofSeconds(5)), filtered.verdict());
        driver.advanceAndRun(Duration.ofSeconds(4));
        assertEquals(3, driver.consumedOffsets(T, 0).size());
        driver.advanceAndRun(Duration.ofSeconds(1));
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), driver.consumedOffsets(T, 0));
    }
}
