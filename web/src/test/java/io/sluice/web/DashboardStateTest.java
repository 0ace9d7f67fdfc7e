package io.sluice.web;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.runtime.SluiceRuntime;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class DashboardStateTest {

    @Test
    void snapshotIsTheDashboardsStateOfTheAttachedRuntime() {
        Topology topology = Sluice.topology().topic("orders").consumer(() -> (b, c) -> { }).build();
        Properties kafka = new Properties();
        kafka.put("bootstrap.servers", "127.0.0.1:1");
        kafka.put("group.id", "g");
        SluiceRuntime runtime = SluiceRuntime.create(topology, kafka);

        Map<String, Object> state = DashboardState.attach(runtime, DashboardSettings.defaults()).snapshot();

        assertEquals(runtime.name(), state.get("runtime"));
        assertEquals("stopped", state.get("status"));
        assertEquals(List.of("orders"), ((List<?>) state.get("topics")).stream()
                .map(t -> ((Map<?, ?>) t).get("topic")).toList());
        assertEquals(List.of(), state.get("errors"));
    }
}
