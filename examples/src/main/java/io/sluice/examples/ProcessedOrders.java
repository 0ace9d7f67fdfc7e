package io.sluice.examples;

/**
 * How many orders the consumers have applied and committed so far, with a way to wait for a number: the
 * demo's main thread waits here between progress lines instead of polling. Thread-safe.
 */
final class ProcessedOrders {

    private long count;

    /** Adds orders whose transaction committed, and wakes the waiting thread. */
    synchronized void add(long orders) {
        if (orders > 0) {
            count += orders;
            notifyAll();
        }
    }

    /** The orders applied so far. */
    synchronized long count() {
        return count;
    }

    /**
     * Waits until at least {@code target} orders are applied or {@code deadlineNanos} (of {@link System#nanoTime})
     * has passed, whichever comes first.
     *
     * @return the orders applied when it returns
     * @throws InterruptedException when the waiting thread is interrupted
     */
    synchronized long awaitAtLeast(long target, long deadlineNanos) throws InterruptedException {
        long left;
        while (count < target && (left = deadlineNanos - System.nanoTime()) > 0) {
            wait(Math.max(1, left / 1_000_000));
        }
        return count;
    }
}
