package io.sluice.runtime.internal;

import io.sluice.runtime.SluiceEvent;
import io.sluice.runtime.SluiceEventListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Delivers events to the user's listener; a listener that throws is logged, never allowed to break the loop. */
final class Events {

    private static final Logger LOG = LoggerFactory.getLogger(Events.class);

    private final SluiceEventListener listener;

    Events(SluiceEventListener listener) {
        this.listener = listener;
    }

    void emit(SluiceEvent event) {
        try {
            listener.on(event);
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            // a listener's failure, even an Error, must not turn a decided batch into a failed one
            LOG.warn("event listener failed on {}: {}", event.getClass().getSimpleName(), e.toString());
        }
    }
}
