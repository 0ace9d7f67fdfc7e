package io.sluice.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The per-runtime dashboard answers only for its own host names, so a DNS-rebinding page cannot read it. */
class DashboardHostTest {

    private final Topology topology = Sluice.topology()
            .topic("orders").consumer(() -> (batch, ctx) -> { })
            .build();
    private SluiceDashboard dashboard;

    @AfterEach
    void stop() {
        if (dashboard != null) {
            dashboard.close();
        }
    }

    @Test
    void aRequestForAForeignHostIsRefusedAndRevealsNothing() throws IOException {
        FakeRuntime runtime = new FakeRuntime("secret-process-name", topology);
        runtime.partitions = Map.of();
        runtime.counters = Map.of();
        DashboardSettings settings = DashboardSettings.defaults();
        dashboard = SluiceDashboard.start(runtime, new EventLog(settings.clock(), 10), settings);
        int port = dashboard.address().getPort();

        String rebound = get(port, "attacker.example:" + port);
        assertEquals("421", status(rebound), rebound);
        assertFalse(rebound.contains("secret-process-name"), rebound);
        assertFalse(get(port, "attacker.example:" + port, "/api/state").contains("secret-process-name"));
        for (String host : List.of("127.0.0.1:" + port, "localhost:" + port, "LOCALHOST")) {
            assertEquals("200", status(get(port, host)), host);
        }
    }

    @Test
    void aPublicHostNameCanBeAllowed() throws IOException {
        FakeRuntime runtime = new FakeRuntime("p", topology);
        runtime.partitions = Map.of();
        runtime.counters = Map.of();
        DashboardSettings settings = DashboardSettings.defaults().withPublicHosts(Set.of("Dash.Example.com"));
        dashboard = SluiceDashboard.start(runtime, new EventLog(settings.clock(), 10), settings);
        int port = dashboard.address().getPort();
        assertEquals("200", status(get(port, "dash.example.com:" + port)));
        assertEquals("421", status(get(port, "other.example.com:" + port)));
    }

    private static String status(String response) {
        return response.split(" ", 3)[1];
    }

    private static String get(int port, String host) throws IOException {
        return get(port, host, "/");
    }

    private static String get(int port, String host, String path) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
