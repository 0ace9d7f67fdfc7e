package io.sluice.filters;

import java.time.Duration;

/** Argument checks shared by the filters' factories; messages name the argument and the bad value. */
final class Arguments {

    private Arguments() {
    }

    /** Returns {@code value} when it is a positive duration. */
    static Duration positive(Duration value, String name) {
        if (value == null) {
            throw new IllegalArgumentException(name + " must be given, was null");
        }
        if (value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
        return value;
    }

    /** Returns {@code value} when it is positive. */
    static int positive(int value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
        return value;
    }

    /** Returns {@code value} when it is not {@code null}. */
    static <T> T given(T value, String name) {
        if (value == null) {
            throw new IllegalArgumentException(name + " must be given, was null");
        }
        return value;
    }
}
