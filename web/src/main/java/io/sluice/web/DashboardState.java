package io.sluice.web;

import io.sluice.web.internal.SluiceVersion;
import io.sluice.runtime.SluiceRuntime;
import java.util.Map;
import java.util.Objects;

/**
 * The dashboard's JSON view of one runtime without its HTTP server, for hosts that serve it themselves (Spring
 * Boot's Actuator endpoint): {@link #snapshot()} is the same state {@code /api/state} of {@link SluiceDashboard}
 * returns. Like the dashboard it listens to the runtime's events (last verdicts, recent errors), so it is attached
 * before the runtime starts.
 *
 * <p>The snapshot is a fresh tree of maps and lists of strings, numbers, booleans and {@code null}s, ordered as the
 * dashboard shows it; the error texts under {@code errors[].error} are the failures' messages as they are, which
 * may carry connection URLs or payload fragments: a host that shows them to others should mask or truncate them.
 * Thread-safe.
 */
public final class DashboardState {

    private final DashboardModel model;

    private DashboardState(DashboardModel model) {
        this.model = model;
    }

    /**
     * Attaches a state view to {@code runtime}, with {@code settings}' clock, recent-error capacity and database
     * offsets (its address, port and refresh interval are not used).
     *
     * @throws IllegalStateException when the runtime is already started
     */
    public static DashboardState attach(SluiceRuntime runtime, DashboardSettings settings) {
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(settings, "settings");
        EventLog events = new EventLog(settings.clock(), settings.recentErrors());
        try {
            runtime.listener(events);
        } catch (IllegalStateException e) {
            throw new IllegalStateException("attach the dashboard state before the runtime " + runtime.name()
                    + " starts: it listens to the runtime's events", e);
        }
        return new DashboardState(new DashboardModel(RuntimeView.of(runtime), events, settings,
                SluiceVersion.read()));
    }

    DashboardModel model() {
        return model;
    }

    /** The state now, as the dashboard's {@code /api/state} returns it. */
    public Map<String, Object> snapshot() {
        return model.snapshot();
    }
}
