package io.sluice.testing;

import io.sluice.runtime.internal.Report;
import io.sluice.runtime.internal.ReportQueue;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The test driver's report queue. Waiting never blocks: while the listener waits out a revocation, it either
 * runs the queued jobs (they finish within the grace period) or, when the test holds them, moves the manual
 * clock past the grace period (they outlast it).
 */
final class DriverReportQueue implements ReportQueue {

    private final Deque<Report> queue = new ArrayDeque<>();
    private final ManualExecutor executor;
    private final ManualClock clock;
    private volatile boolean holdJobs;

    DriverReportQueue(ManualExecutor executor, ManualClock clock) {
        this.executor = executor;
        this.clock = clock;
    }

    void holdJobs(boolean hold) {
        this.holdJobs = hold;
    }

    @Override
    public synchronized void offer(Report report) {
        queue.add(report);
    }

    @Override
    public synchronized Report poll() {
        return queue.poll();
    }

    synchronized int size() {
        return queue.size();
    }

    @Override
    public Report await(Duration timeout) {
        Report r = poll();
        while (r == null && !holdJobs && executor.runNext()) {
            r = poll();
        }
        if (r == null) {
            clock.advance(timeout);
        }
        return r;
    }
}
