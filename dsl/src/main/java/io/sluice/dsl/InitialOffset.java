package io.sluice.dsl;

/**
 * Where a topic's partition starts when it has no valid offset (nothing committed, or the committed offset is
 * outside the log): a per-topic {@code auto.offset.reset}, which Sluice applies itself. On an offset-managed topic
 * it applies only when nothing is stored either.
 */
public enum InitialOffset {
    /** The log start: everything still retained is consumed. */
    EARLIEST,
    /** The log end: only messages produced from now on are consumed. */
    LATEST
}
