package io.sluice.runtime.internal;

import java.time.Duration;

/**
 * Carries reports from workers to the listener. Workers {@link #offer}; the listener drains with
 * {@link #poll()} and, while it waits out a revocation, with {@link #await}. The test driver supplies its own,
 * where waiting runs queued jobs or moves a manual clock instead of blocking.
 */
public interface ReportQueue {

    /** Adds a report; called by workers, never blocks. */
    void offer(Report report);

    /** The next report, or {@code null} when none is waiting; never blocks. */
    Report poll();

    /** The next report, waiting up to {@code timeout}; {@code null} when none came. */
    Report await(Duration timeout) throws InterruptedException;
}
