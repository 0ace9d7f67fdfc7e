package io.sluice.runtime.internal;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * The settings one listener loop runs with.
 *
 * @param pollTimeout       the longest a poll blocks
 * @param commitInterval    how often marks are committed (and how long an idle offset-managed partition waits
 *                          before its stored offset follows the position over offsets without records)
 * @param revocationGrace   how long revoked partitions' in-flight jobs get to finish (already capped)
 * @param commitTimeout     the timeout of a synchronous commit and other blocking consumer calls
 * @param blockedAlertAfter how long a partition may fail without progress before it is reported as blocked
 * @param autoOffsetReset   the user's {@code auto.offset.reset} ({@code earliest}, {@code latest} or
 *                          {@code none}), which the runtime applies itself (Kafka runs with {@code none})
 */
public record LoopSettings(Duration pollTimeout, Duration commitInterval, Duration revocationGrace,
                           Duration commitTimeout, Duration blockedAlertAfter, String autoOffsetReset) {

    /** The default alert threshold for a blocked partition. */
    public static final Duration DEFAULT_BLOCKED_ALERT_AFTER = Duration.ofMinutes(5);

    /** Rejects nulls, negative durations and an unknown reset. */
    public LoopSettings {
        for (Duration d : new Duration[] {pollTimeout, commitInterval, revocationGrace, commitTimeout,
                blockedAlertAfter}) {
            Objects.requireNonNull(d, "duration");
            if (d.isNegative()) {
                throw new IllegalArgumentException("durations must not be negative, was " + d);
            }
        }
        autoOffsetReset = Objects.requireNonNull(autoOffsetReset, "autoOffsetReset").trim().toLowerCase(Locale.ROOT);
        if (!autoOffsetReset.equals("earliest") && !autoOffsetReset.equals("latest")
                && !autoOffsetReset.equals("none")) {
            throw new IllegalArgumentException("auto.offset.reset must be earliest, latest or none, was "
                    + autoOffsetReset);
        }
    }

    /** Timings with the default alert threshold and Kafka's default reset ({@code latest}). */
    public LoopSettings(Duration pollTimeout, Duration commitInterval, Duration revocationGrace,
                        Duration commitTimeout) {
        this(pollTimeout, commitInterval, revocationGrace, commitTimeout, DEFAULT_BLOCKED_ALERT_AFTER, "latest");
    }

    /** A copy with another reset. */
    public LoopSettings withAutoOffsetReset(String value) {
        return new LoopSettings(pollTimeout, commitInterval, revocationGrace, commitTimeout, blockedAlertAfter, value);
    }

    /** A copy with another alert threshold. */
    public LoopSettings withBlockedAlertAfter(Duration value) {
        return new LoopSettings(pollTimeout, commitInterval, revocationGrace, commitTimeout, value, autoOffsetReset);
    }
}
