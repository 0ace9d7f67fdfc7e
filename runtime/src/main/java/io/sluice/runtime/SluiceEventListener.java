package io.sluice.runtime;

/**
 * Receives the runtime's {@link SluiceEvent}s. Called on the listener thread or on a worker thread, so an
 * implementation must be thread-safe and quick; an exception it throws is logged and otherwise ignored.
 */
@FunctionalInterface
public interface SluiceEventListener {

    /** Handles one event. */
    void on(SluiceEvent event);

    /** A listener that ignores every event. */
    static SluiceEventListener none() {
        return event -> { };
    }
}
