package io.sluice.dsl;

import java.time.Duration;
import java.util.Objects;

/**
 * How long a failing partition waits before each retry: {@code initial}, multiplied by {@code multiplier} after
 * every failed attempt, never more than {@code max}. A multiplier of 1 gives a fixed backoff.
 *
 * @param initial    the wait before the first retry, positive
 * @param max        the longest wait, at least {@code initial}
 * @param multiplier the growth factor, at least 1
 */
public record Backoff(Duration initial, Duration max, double multiplier) {

    /** The default: 1 s doubling up to 30 s. */
    public static final Backoff DEFAULT = exponential(Duration.ofSeconds(1), Duration.ofSeconds(30));

    /** Validates the bounds. */
    public Backoff {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("backoff initial must be positive, was " + initial);
        }
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff max " + max + " is below initial " + initial);
        }
        if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("backoff multiplier must be a finite number >= 1, was " + multiplier);
        }
    }

    /** Doubles from {@code initial} up to {@code max}. */
    public static Backoff exponential(Duration initial, Duration max) {
        return new Backoff(initial, max, 2.0);
    }

    /** Waits {@code delay} before every retry. */
    public static Backoff fixed(Duration delay) {
        return new Backoff(delay, delay, 1.0);
    }

    /** The wait before retry number {@code attempt} (1 for the first retry). */
    public Duration delay(int attempt) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be >= 1, was " + attempt);
        }
        double millis = initial.toMillis() * Math.pow(multiplier, attempt - 1.0);
        return millis >= max.toMillis() ? max : Duration.ofMillis((long) millis);
    }
}
