package io.sluice.bench;

/**
 * One timed consumption of a topic.
 *
 * @param messages     how many messages were consumed
 * @param startupNanos from starting the consumer (group join, assignment, first fetch) to the first message
 * @param nanos        from the first message seen to the last one done: the rate's time base
 * @param cpuNanos     CPU time the consumer side's threads used over the whole run (the raw loop's thread; Sluice's
 *                     listener and workers), or -1 when unknown; unlike the rate it hardly moves when other
 *                     processes load the machine
 */
record Measurement(long messages, long startupNanos, long nanos, long cpuNanos) {

    /** Messages per second over the consumption proper. */
    double rate() {
        return messages / (nanos / 1e9);
    }

    /** Consumer-side CPU nanoseconds per message, or -1 when unknown. */
    double cpuNanosPerMessage() {
        return cpuNanos < 0 ? -1 : (double) cpuNanos / messages;
    }
}
