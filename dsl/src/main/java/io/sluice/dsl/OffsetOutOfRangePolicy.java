package io.sluice.dsl;

/**
 * What an offset manager does when the offset it holds lies outside the partition's log (the topic was
 * recreated, the database restored, or retention passed it). In every case the error is reported first,
 * naming both offsets; none of them jumps silently.
 */
public enum OffsetOutOfRangePolicy {
    /** Keep the partition paused and report the error on every retry until an operator fixes the offset. */
    FAIL,
    /** Move the stored offset to the log start (replays what is left) and go on. */
    RESET_TO_LOG_START,
    /** Move the stored offset to the log end (skips what is left) and go on. */
    RESET_TO_LOG_END
}
