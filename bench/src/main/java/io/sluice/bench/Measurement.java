package io.sluice.bench;

import java.util.Map;

/**
 * One timed consumption of a topic.
 *
 * @param messages     how many messages were consumed
 * @param startupNanos from starting the consumer (group join, assignment, first fetch) to the first message
 * @param nanos        from the first message seen to the last one done: the rate's time base
 * @param cpuNanos     CPU time the consumer side's threads used over the whole run (the raw loop's thread; Sluice's
 *                     listener and workers), or -1 when unknown; unlike the rate it hardly moves when other
 *                     processes load the machine
 * @param batches      how many batches carried the messages: the raw loop's non-empty polls, Sluice's jobs; -1 when
 *                     unknown
 * @param counters     Sluice's runtime counters after the run; empty for the raw loop
 */
record Measurement(long messages, long startupNanos, long nanos, long cpuNanos, long batches,
                   Map<String, Long> counters) {

    /** Messages per second over the consumption proper. */
    double rate() {
        return messages / (nanos / 1e9);
    }

    /** Messages per batch (poll or job), or -1 when unknown. */
    double messagesPerBatch() {
        return batches <= 0 ? -1 : (double) messages / batches;
    }

    /** Consumer-side CPU nanoseconds per message, or -1 when unknown. */
    double cpuNanosPerMessage() {
        return cpuNanos < 0 ? -1 : (double) cpuNanos / messages;
    }
}
