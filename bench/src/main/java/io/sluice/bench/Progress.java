package io.sluice.bench;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts consumed messages towards an expected total and timestamps the first and the last. Safe to call from
 * several threads (Sluice's workers).
 */
final class Progress {

    private final long expected;
    private final long startedAt = System.nanoTime();
    private final AtomicLong count = new AtomicLong();
    private final AtomicLong firstAt = new AtomicLong();
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile long doneAt;
    private final java.util.concurrent.atomic.AtomicInteger inside = new java.util.concurrent.atomic.AtomicInteger();
    private final AtomicLong entries = new AtomicLong();
    private final AtomicLong concurrencySum = new AtomicLong();

    Progress(long expected) {
        this.expected = expected;
    }

    /** Call when the first message of a batch is seen, before handling it. */
    void started() {
        if (firstAt.get() == 0) {
            firstAt.compareAndSet(0, System.nanoTime());
        }
    }

    /** Call when a batch enters the consumer: samples how many batches are inside, this one included. */
    void enter() {
        concurrencySum.addAndGet(inside.incrementAndGet());
        entries.incrementAndGet();
    }

    /** Call when a batch leaves the consumer. */
    void exit() {
        inside.decrementAndGet();
    }

    /** The mean number of batches inside the consumer when one entered (0 when none entered). */
    double meanConcurrency() {
        long n = entries.get();
        return n == 0 ? 0 : (double) concurrencySum.get() / n;
    }

    /** Counts {@code n} messages as done. */
    void done(long n) {
        if (count.addAndGet(n) >= expected && doneAt == 0) {
            synchronized (this) {
                if (doneAt == 0) {
                    doneAt = System.nanoTime();
                    done.countDown();
                }
            }
        }
    }

    long count() {
        return count.get();
    }

    boolean finished() {
        return done.getCount() == 0;
    }

    /**
     * Waits until the expected total is reached.
     *
     * @throws IllegalStateException when it is not reached within {@code timeoutSeconds}, naming how far it got
     */
    void await(String what, long timeoutSeconds) throws InterruptedException {
        if (!done.await(timeoutSeconds, TimeUnit.SECONDS)) {
            throw new IllegalStateException(what + " consumed " + count.get() + " of " + expected + " messages in "
                    + timeoutSeconds + " s");
        }
    }

    /**
     * The measurement, once finished.
     *
     * @param cpuNanos the consumer side's CPU time, or -1
     * @param batches  polls or jobs that carried the messages, or -1
     * @param counters Sluice's counters, or empty
     */
    Measurement measurement(long cpuNanos, long batches, Map<String, Long> counters) {
        if (!finished()) {
            throw new IllegalStateException("not finished: " + count.get() + " of " + expected);
        }
        long first = firstAt.get();
        return new Measurement(count.get(), first - startedAt, doneAt - first, cpuNanos, batches, counters);
    }
}
