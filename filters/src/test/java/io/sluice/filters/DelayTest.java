package io.sluice.filters;

import static io.sluice.filters.Batches.message;
import static io.sluice.filters.Batches.offsets;
import static io.sluice.filters.StubFilterContext.TP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Batch;
import io.sluice.dsl.Filter;
import io.sluice.dsl.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class DelayTest {

    private static final Duration DELAY = Duration.ofSeconds(10);

    private final StubFilterContext context = new StubFilterContext();
    private final Filter<? super String, ? super String> filter = Delay.<String, String>by(DELAY).create(TP);

    private Instant ago(Duration age) {
        return context.clock.instant().minus(age);
    }

    @Test
    void messagesOldEnoughPassUntouched() throws Exception {
        Batch<String, String> batch = Batches.of(List.of(
                message(0, ago(Duration.ofSeconds(30))),
                message(1, ago(Duration.ofSeconds(11)))));

        assertEquals(Verdict.notApplied(), filter.apply(batch, context));
        assertEquals(List.of(0L, 1L), offsets(batch));
    }

    @Test
    void aMessageExactlyTheDelayOldPasses() throws Exception {
        Batch<String, String> batch = Batches.of(List.of(message(0, ago(DELAY))));

        assertEquals(Verdict.notApplied(), filter.apply(batch, context));
        assertEquals(List.of(0L), offsets(batch));
    }

    @Test
    void dropsTheFirstTooYoungMessageAndEverythingAfterItAndPausesUntilItIsOldEnough() throws Exception {
        Batch<String, String> batch = Batches.of(List.of(
                message(0, ago(Duration.ofSeconds(20))),
                message(1, ago(Duration.ofSeconds(15))),
                message(2, ago(Duration.ofSeconds(4))),
                message(3, ago(Duration.ofSeconds(30)))));   // old, but behind a young one: order comes first

        Verdict verdict = filter.apply(batch, context);

        assertEquals(List.of(0L, 1L), offsets(batch));
        assertEquals(Verdict.pause(2, Duration.ofSeconds(6)), verdict);
    }

    @Test
    void releasesTheHeldMessageExactlyWhenItIsOldEnough() throws Exception {
        Instant stamp = ago(Duration.ofMillis(2_500));
        assertEquals(Verdict.pause(5, Duration.ofMillis(7_500)),
                filter.apply(Batches.of(List.of(message(5, stamp), message(6, stamp))), context));

        context.clock.advance(Duration.ofMillis(7_499));
        assertEquals(Verdict.pause(5, Duration.ofMillis(1)),
                filter.apply(Batches.of(List.of(message(5, stamp), message(6, stamp))), context));

        context.clock.advance(Duration.ofMillis(1));
        Batch<String, String> released = Batches.of(List.of(message(5, stamp), message(6, stamp)));
        assertEquals(Verdict.notApplied(), filter.apply(released, context));
        assertEquals(List.of(5L, 6L), offsets(released));
    }

    @Test
    void anAlreadyOldMessageIsConsumedNowRatherThanSoughtBackTo() throws Exception {
        // A message already old enough gives no zero-timeout SEEK: it is let through, so nothing is fetched twice.
        Batch<String, String> batch = Batches.of(List.of(
                message(0, ago(DELAY.plusMillis(1))),
                message(1, ago(Duration.ofSeconds(3)))));

        Verdict verdict = filter.apply(batch, context);

        assertEquals(List.of(0L), offsets(batch));
        assertEquals(Verdict.pause(1, Duration.ofSeconds(7)), verdict);
    }

    @Test
    void aTimestampAheadOfTheClockIsHeldUntilTheClockPassesItByTheDelay() throws Exception {
        Batch<String, String> batch = Batches.of(List.of(message(0, ago(Duration.ofSeconds(-5)))));

        Verdict verdict = filter.apply(batch, context);

        assertTrue(batch.isEmpty());
        assertEquals(Verdict.pause(0, Duration.ofSeconds(15)), verdict);
    }

    @Test
    void aMessageWithoutTimestampIsNeverHeld() throws Exception {
        Batch<String, String> batch = Batches.of(List.of(message(0, -1L)));

        assertEquals(Verdict.notApplied(), filter.apply(batch, context));
        assertEquals(List.of(0L), offsets(batch));
    }

    @Test
    void anEmptyBatchIsNotApplied() throws Exception {
        assertEquals(Verdict.notApplied(), filter.apply(Batch.<String, String>of(TP, 3, 3, List.of()), context));
    }

    @Test
    void describesItselfAsDeclared() {
        assertEquals("delayBy(PT10S)", Delay.by(DELAY).describe());
    }

    @Test
    void rejectsADelayThatIsNotPositive() {
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> Delay.by(Duration.ZERO));
        assertEquals("delay must be positive, was PT0S", zero.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Delay.by(Duration.ofMillis(-1)));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> Delay.by(null));
        assertEquals("delay must be given, was null", missing.getMessage());
    }
}
