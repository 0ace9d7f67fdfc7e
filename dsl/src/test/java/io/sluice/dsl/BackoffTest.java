package io.sluice.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void exponentialDoublesUpToTheMax() {
        Backoff backoff = Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(10));

        assertEquals(Duration.ofSeconds(1), backoff.delay(1));
        assertEquals(Duration.ofSeconds(2), backoff.delay(2));
        assertEquals(Duration.ofSeconds(4), backoff.delay(3));
        assertEquals(Duration.ofSeconds(8), backoff.delay(4));
        assertEquals(Duration.ofSeconds(10), backoff.delay(5));
        assertEquals(Duration.ofSeconds(10), backoff.delay(6));
    }

    @Test
    void aHugeAttemptStaysAtTheMax() {
        Backoff backoff = Backoff.exponential(Duration.ofMillis(100), Duration.ofMinutes(5));

        assertEquals(Duration.ofMinutes(5), backoff.delay(Integer.MAX_VALUE));
    }

    @Test
    void fixedWaitsTheSameEveryTime() {
        Backoff backoff = Backoff.fixed(Duration.ofMillis(750));

        assertEquals(Duration.ofMillis(750), backoff.delay(1));
        assertEquals(Duration.ofMillis(750), backoff.delay(2));
        assertEquals(Duration.ofMillis(750), backoff.delay(1_000));
        assertEquals(new Backoff(Duration.ofMillis(750), Duration.ofMillis(750), 1.0), backoff);
    }

    @Test
    void anyMultiplierGrowsGeometrically() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), 1.5);

        assertEquals(Duration.ofMillis(100), backoff.delay(1));
        assertEquals(Duration.ofMillis(150), backoff.delay(2));
        assertEquals(Duration.ofMillis(225), backoff.delay(3));
    }

    @Test
    void theDefaultIsOneSecondDoublingToThirty() {
        assertEquals(Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(30)), Backoff.DEFAULT);
        assertEquals(Duration.ofSeconds(16), Backoff.DEFAULT.delay(5));
        assertEquals(Duration.ofSeconds(30), Backoff.DEFAULT.delay(6));
    }

    @Test
    void attemptsStartAtOne() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backoff.DEFAULT.delay(0));
        assertEquals("attempt must be >= 1, was 0", e.getMessage());
    }

    @Test
    void rejectsAMaxBelowTheInitial() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Backoff.exponential(Duration.ofSeconds(5), Duration.ofSeconds(4)));
        assertEquals("backoff max PT4S is below initial PT5S", e.getMessage());
    }

    @Test
    void rejectsAZeroOrNegativeInitial() {
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> Backoff.fixed(Duration.ZERO));
        assertEquals("backoff initial must be positive, was PT0S", zero.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Backoff.fixed(Duration.ofSeconds(-1)));
    }

    @Test
    void rejectsAMultiplierBelowOneOrNotFinite() {
        for (double multiplier : new double[] {0.5, Double.NaN, Double.POSITIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(2), multiplier));
            assertEquals("backoff multiplier must be a finite number >= 1, was " + multiplier, e.getMessage());
        }
    }

    @Test
    void rejectsNullBounds() {
        assertThrows(NullPointerException.class, () -> Backoff.exponential(null, Duration.ofSeconds(1)));
        assertThrows(NullPointerException.class, () -> Backoff.exponential(Duration.ofSeconds(1), null));
    }
}
