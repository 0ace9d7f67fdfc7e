package io.sluice.dsl;

/** Who marks a topic's consumed offsets. */
public enum MarkingMode {
    /** After every successful job the runtime marks the batch's settled end, dropped tails included. */
    AUTOMATIC,
    /** The consumer marks through its {@link ConsumerContext}; filters' mark requests are honoured, clamped. */
    MANUAL
}
