package io.sluice.bench;

/**
 * One timed consumption of a topic.
 *
 * @param messages     how many messages were consumed
 * @param startupNanos from starting the consumer (group join, assignment, first fetch) to the first message
 * @param nanos        from the first message seen to the last one done: the rate's time base
 */
record Measurement(long messages, long startupNanos, long nanos) {

    /** Messages per second over the consumption proper. */
    double rate() {
        return messages / (nanos / 1e9);
    }
}
