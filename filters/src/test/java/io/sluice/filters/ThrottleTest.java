package io.sluice.filters;

import static io.sluice.filters.Batches.offsets;
import static io.sluice.filters.Batches.stamped;
import static io.sluice.filters.StubFilterContext.TP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Batch;
import io.sluice.dsl.Filter;
import io.sluice.dsl.FilterFactory;
import io.sluice.dsl.Verdict;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ThrottleTest {

    private static final Duration SECOND = Duration.ofSeconds(1);

    private final StubFilterContext context = new StubFilterContext();

    private static Filter<? super String, ? super String> throttle(int limit, Duration interval) {
        return Throttle.<String, String>of(limit, interval).create(TP);
    }

    private Verdict apply(Filter<? super String, ? super String> filter, Batch<String, String> batch) throws Exception {
        return filter.apply(batch, context);
    }

    private Batch<String, String> batch(long... offsets) {
        return stamped(context.clock.instant(), offsets);
    }

    @Test
    void aBatchThatFitsTheWindowPassesWhole() throws Exception {
        Filter<? super String, ? super String> filter = throttle(3, SECOND);
        Batch<String, String> batch = batch(0, 1, 2);

        assertEquals(Verdict.notApplied(), apply(filter, batch));
        assertEquals(List.of(0L, 1L, 2L), offsets(batch));
    }

    @Test
    void anEmptyBatchIsNotApplied() throws Exception {
        Batch<String, String> empty = Batch.of(TP, 7, 7, List.of());

        assertEquals(Verdict.notApplied(), apply(throttle(1, SECOND), empty));
    }

    @Test
    void dropsTheFirstMessageThatDoesNotFitAndEverythingAfterIt() throws Exception {
        Filter<? super String, ? super String> filter = throttle(3, SECOND);
        Batch<String, String> batch = batch(10, 11, 12, 13, 14, 15);

        Verdict verdict = apply(filter, batch);

        assertEquals(List.of(10L, 11L, 12L), offsets(batch));
        assertEquals(Verdict.pause(13, SECOND), verdict);
    }

    @Test
    void theCursorIsTheFirstDroppedEvenAcrossAnOffsetGap() throws Exception {
        Batch<String, String> batch = batch(5, 8, 9);

        Verdict verdict = apply(throttle(1, SECOND), batch);

        assertEquals(List.of(5L), offsets(batch));
        assertEquals(Verdict.pause(8, SECOND), verdict);
    }

    @Test
    void theWindowFillsAcrossBatchesAndTheTimeoutIsWhatIsLeftOfIt() throws Exception {
        Filter<? super String, ? super String> filter = throttle(3, SECOND);
        assertEquals(Verdict.notApplied(), apply(filter, batch(0, 1)));

        context.clock.advance(Duration.ofMillis(400));
        Batch<String, String> second = batch(2, 3, 4);
        Verdict verdict = apply(filter, second);

        assertEquals(List.of(2L), offsets(second));
        assertEquals(Verdict.pause(3, Duration.ofMillis(600)), verdict);
    }

    @Test
    void aFullWindowDropsAWholeBatch() throws Exception {
        Filter<? super String, ? super String> filter = throttle(2, SECOND);
        apply(filter, batch(0, 1));

        context.clock.advance(Duration.ofMillis(250));
        Batch<String, String> batch = batch(2, 3);
        Verdict verdict = apply(filter, batch);

        assertTrue(batch.isEmpty());
        assertEquals(Verdict.pause(2, Duration.ofMillis(750)), verdict);
    }

    @Test
    void theWindowReopensExactlyOneIntervalAfterItsOldestMessage() throws Exception {
        Filter<? super String, ? super String> filter = throttle(2, SECOND);
        assertEquals(Verdict.pause(2, SECOND), apply(filter, batch(0, 1, 2)));

        // exactly one interval later the messages let through have left the window: the paused ones pass now
        // (were they still counted, the verdict would be a zero-timeout SEEK, refetching at the same instant)
        context.clock.advance(SECOND);
        Batch<String, String> again = batch(2, 3);
        Verdict verdict = apply(filter, again);

        assertEquals(2, again.size());
        assertEquals(Verdict.notApplied(), verdict);
    }

    @Test
    void theWindowReopensOnceItHasSlidPastTheMessagesLetThrough() throws Exception {
        Filter<? super String, ? super String> filter = throttle(2, SECOND);
        apply(filter, batch(0, 1, 2));

        context.clock.advance(SECOND.plusNanos(1));
        Batch<String, String> again = batch(2, 3, 4);
        Verdict verdict = apply(filter, again);

        assertEquals(List.of(2L, 3L), offsets(again));
        assertEquals(Verdict.pause(4, SECOND), verdict);
    }

    @Test
    void theWindowSlidesMessageByMessageRatherThanResettingWhole() throws Exception {
        Filter<? super String, ? super String> filter = throttle(2, SECOND);
        apply(filter, batch(0));                                    // t = 0
        context.clock.advance(Duration.ofMillis(600));
        apply(filter, batch(1));                                    // t = 600 ms
        context.clock.advance(Duration.ofMillis(100));
        assertEquals(Verdict.pause(2, Duration.ofMillis(300)), apply(filter, batch(2)));   // t = 700 ms

        context.clock.advance(Duration.ofMillis(301));              // t = 1001 ms: only the first has slid out
        Batch<String, String> batch = batch(2, 3);
        Verdict verdict = apply(filter, batch);

        assertEquals(List.of(2L), offsets(batch));
        assertEquals(Verdict.pause(3, Duration.ofMillis(599)), verdict);
    }

    @Test
    void droppedMessagesDoNotCountAgainstTheWindow() throws Exception {
        Filter<? super String, ? super String> filter = throttle(2, SECOND);
        apply(filter, batch(0, 1, 2, 3, 4, 5));

        context.clock.advance(SECOND.plusMillis(1));
        Batch<String, String> again = batch(2, 3, 4, 5);
        apply(filter, again);

        assertEquals(List.of(2L, 3L), offsets(again));
    }

    @Test
    void aClockThatWentBackNeverMakesThePauseLongerThanTheInterval() throws Exception {
        Filter<? super String, ? super String> filter = throttle(1, SECOND);
        apply(filter, batch(0));

        context.clock.advance(Duration.ofMinutes(-5));
        Verdict verdict = apply(filter, batch(1));

        assertEquals(Verdict.pause(1, SECOND), verdict);
    }

    @Test
    void everyAssignmentStartsWithAnEmptyWindow() throws Exception {
        FilterFactory<String, String> factory = Throttle.of(1, SECOND);
        Filter<? super String, ? super String> first = factory.create(TP);
        apply(first, batch(0));

        Filter<? super String, ? super String> second = factory.create(TP);
        Batch<String, String> batch = batch(1);

        assertNotSame(first, second);
        assertEquals(Verdict.notApplied(), apply(second, batch));
        assertEquals(List.of(1L), offsets(batch));
    }

    @Test
    void describesItselfAsDeclared() {
        assertEquals("throttle(100, PT1S)", Throttle.of(100, SECOND).describe());
    }

    @Test
    void rejectsALimitThatIsNotPositive() {
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> Throttle.of(0, SECOND));
        assertEquals("throttle limit must be positive, was 0", zero.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Throttle.of(-3, SECOND));
    }

    @Test
    void rejectsAnIntervalThatIsNotPositive() {
        IllegalArgumentException zero =
                assertThrows(IllegalArgumentException.class, () -> Throttle.of(1, Duration.ZERO));
        assertEquals("throttle interval must be positive, was PT0S", zero.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Throttle.of(1, Duration.ofSeconds(-1)));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> Throttle.of(1, null));
        assertEquals("throttle interval must be given, was null", missing.getMessage());
    }
}
