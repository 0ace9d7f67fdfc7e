package io.sluice.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/** CPU time of threads, from the JVM's thread MX bean. */
final class ThreadCpu {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private ThreadCpu() {
    }

    /** CPU nanoseconds the calling thread has used so far. */
    static long current() {
        return THREADS.getCurrentThreadCpuTime();
    }

    /** CPU nanoseconds used so far by the live threads whose names start with {@code prefix}. */
    static long ofThreadsNamed(String prefix) {
        long sum = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(prefix)) {
                long cpu = THREADS.getThreadCpuTime(t.getId());
                if (cpu > 0) {
                    sum += cpu;
                }
            }
        }
        return sum;
    }
}
