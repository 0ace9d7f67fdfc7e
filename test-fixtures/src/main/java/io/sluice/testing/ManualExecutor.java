package io.sluice.testing;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Executor;

/**
 * An executor that only queues: jobs run when a test calls {@link #runNext()} or {@link #runAll()}, on the
 * test's thread. So a test can hold a job in flight, revoke its partition, and only then let it run.
 */
public final class ManualExecutor implements Executor {

    private final Deque<Runnable> queue = new ArrayDeque<>();

    @Override
    public synchronized void execute(Runnable command) {
        queue.add(command);
    }

    /** How many jobs wait. */
    public synchronized int pending() {
        return queue.size();
    }

    /** Runs the oldest waiting job; returns whether there was one. */
    public boolean runNext() {
        Runnable next;
        synchronized (this) {
            next = queue.poll();
        }
        if (next == null) {
            return false;
        }
        next.run();
        return true;
    }

    /** Runs waiting jobs, including any they queue, until none waits; returns how many ran. */
    public int runAll() {
        int n = 0;
        while (runNext()) {
            n++;
        }
        return n;
    }
}
