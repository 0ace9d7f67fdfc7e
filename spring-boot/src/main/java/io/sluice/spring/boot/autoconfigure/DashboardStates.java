package io.sluice.spring.boot.autoconfigure;

import io.sluice.runtime.SluiceRuntime;
import io.sluice.web.DashboardSettings;
import io.sluice.web.DashboardState;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Attaches the dashboard's state view to every runtime as it is created; the sluice endpoint reads it. */
final class DashboardStates implements SluiceRuntimeCustomizer {

    private final DashboardSettings settings;
    private final Map<String, DashboardState> states = new ConcurrentHashMap<>();

    DashboardStates(DashboardSettings settings) {
        this.settings = settings;
    }

    @Override
    public void customize(String topologyBeanName, SluiceRuntime runtime) {
        states.put(topologyBeanName, DashboardState.attach(runtime, settings));
    }

    Optional<DashboardState> state(String topologyBeanName) {
        return Optional.ofNullable(states.get(topologyBeanName));
    }
}
