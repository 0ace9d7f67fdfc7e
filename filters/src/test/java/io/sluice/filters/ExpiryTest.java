package io.sluice.filters;

import static io.sluice.filters.Batches.message;
import static io.sluice.filters.Batches.offsets;
import static io.sluice.filters.StubFilterContext.TP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Batch;
import io.sluice.dsl.Filter;
import io.sluice.dsl.Message;
import io.sluice.dsl.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExpiryTest {

    private static final Duration TTL = Duration.ofMinutes(10);
    private static final Duration OLD = TTL.plusMillis(1);
    private static final Duration FRESH = Duration.ofMinutes(1);

    private final StubFilterContext context = new StubFilterContext();
    private final Filter<? super String, ? super String> filter = Expiry.<String, String>after(TTL).create(TP);

    private Message<String, String> aged(long offset, Duration age) {
        Instant stamp = context.clock.instant().minus(age);
        return message(offset, stamp);
    }

    @Test
    void freshMessagesPassUntouched() throws Exception {
        Batch<String, String> batch = Batches.of(List.of(aged(0, FRESH), aged(1, TTL)));

        assertEquals(Verdict.notApplied(), filter.apply(batch, context));
        assertEquals(List.of(0L, 1L), offsets(batch));
    }

    @Test
    void dropsExpiredMessagesAndMarksAfterTheLastDropped() throws Exception {
        Batch<String, String> batch = Batches.of(List.of(
                aged(0, OLD), aged(1, OLD), aged(2, FRESH), aged(3, FRESH)));

        Verdict verdict = filter.apply(batch, context);

        assertEquals(List.of(2L, 3L), offsets(batch));
        assertEquals(Verdict.skip().marking(2), verdict);
    }

    @Test
    void dropsExpiredMessagesWhereverTheyLie() throws Exception {
        // the runtime clamps the mark (3) to the first message left (1), so message 2 is not marked before 1 is done
        Batch<String, String> batch = Batches.of(List.of(aged(0, OLD), aged(1, FRESH), aged(2, OLD)));

        Verdict verdict = filter.apply(batch, context);

        assertEquals(List.of(1L), offsets(batch));
        assertEquals(Verdict.skip().marking(3), verdict);
    }

    @Test
    void aBatchEntirelyExpiredIsMarkedPastItsLastMessage() throws Exception {
        Batch<String, String> batch = Batch.of(TP, 5, 12, List.of(aged(5, OLD), aged(9, Duration.ofDays(3))));

        Verdict verdict = filter.apply(batch, context);

        assertTrue(batch.isEmpty());
        assertEquals(Verdict.skip().marking(10), verdict);
    }

    @Test
    void expiryFollowsTheClock() throws Exception {
        Message<String, String> m = aged(0, FRESH);
        assertEquals(Verdict.notApplied(), filter.apply(Batches.of(List.of(m)), context));

        context.clock.advance(TTL.minus(FRESH));
        assertEquals(Verdict.notApplied(), filter.apply(Batches.of(List.of(m)), context));

        context.clock.advance(Duration.ofMillis(1));
        assertEquals(Verdict.skip().marking(1), filter.apply(Batches.of(List.of(m)), context));
    }

    @Test
    void aMessageWithoutTimestampNeverExpires() throws Exception {
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
        assertEquals("expireAfter(PT10M)", Expiry.after(TTL).describe());
    }

    @Test
    void rejectsATtlThatIsNotPositive() {
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> Expiry.after(Duration.ZERO));
        assertEquals("ttl must be positive, was PT0S", zero.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Expiry.after(Duration.ofSeconds(-1)));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> Expiry.after(null));
        assertEquals("ttl must be given, was null", missing.getMessage());
    }
}
