package io.sluice.runtime.internal;

import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** The production {@link ReportQueue}: an unbounded blocking queue. */
public final class BlockingReportQueue implements ReportQueue {

    private final LinkedBlockingQueue<Report> queue = new LinkedBlockingQueue<>();

    @Override
    public void offer(Report report) {
        queue.add(report);
    }

    @Override
    public Report poll() {
        return queue.poll();
    }

    @Override
    public Report await(Duration timeout) throws InterruptedException {
        return queue.poll(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
    }
}
