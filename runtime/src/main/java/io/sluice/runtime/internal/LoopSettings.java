package io.sluice.runtime.internal;

import java.time.Duration;
import java.util.Objects;

/**
 * The timings one listener loop runs with.
 *
 * @param pollTimeout     the longest a poll blocks
 * @param commitInterval  how often marks are committed
 * @param revocationGrace how long revoked partitions' in-flight jobs get to finish (already capped)
 * @param commitTimeout   the timeout of a synchronous commit and other blocking consumer calls
 */
public record LoopSettings(Duration pollTimeout, Duration commitInterval, Duration revocationGrace,
                           Duration commitTimeout) {

    /** Rejects nulls and negative durations. */
    public LoopSettings {
        for (Duration d : new Duration[] {pollTimeout, commitInterval, revocationGrace, commitTimeout}) {
            Objects.requireNonNull(d, "duration");
            if (d.isNegative()) {
                throw new IllegalArgumentException("durations must not be negative, was " + d);
            }
        }
    }
}
