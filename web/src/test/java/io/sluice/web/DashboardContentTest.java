package io.sluice.web;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.runtime.SluiceRuntime;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The dashboard's routes below a host's base path, without the JDK's HTTP server. */
class DashboardContentTest {

    private static final String VERSION = System.getProperty("sluice.version", "");
    private static final String BASE = "/app/sluice/orders/";

    private final SluiceRuntime runtime;
    private final DashboardState state;

    DashboardContentTest() {
        Topology topology = Sluice.topology().topic("orders").consumer(() -> (b, c) -> { }).build();
        Properties kafka = new Properties();
        kafka.put("bootstrap.servers", "127.0.0.1:1");
        kafka.put("group.id", "g");
        runtime = SluiceRuntime.create(topology, kafka);
        state = DashboardState.attach(runtime, DashboardSettings.defaults());
    }

    private DashboardContent content(UnaryOperator<Map<String, Object>> view) {
        return DashboardContent.of(state, Duration.ofSeconds(3), view);
    }

    private static String body(DashboardContent.Response r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    @Test
    void thePageLinksItsAssetsAndStateBelowTheBaseAndEveryLinkIsServed() {
        DashboardContent content = content(UnaryOperator.identity());

        DashboardContent.Response page = content.respond("GET", BASE, "/");

        assertEquals(200, page.status());
        assertEquals("text/html; charset=utf-8", page.header("Content-Type"));
        assertEquals("no-cache", page.header("Cache-Control"));
        String html = body(page);
        assertTrue(html.contains("data-state-url=\"" + BASE + "api/state\""), html);
        assertTrue(html.contains("data-refresh-ms=\"3000\""));
        Matcher links = Pattern.compile("(?:href|src)=\"([^\"]+)\"").matcher(html);
        int assets = 0;
        while (links.find()) {
            String link = links.group(1);
            assertTrue(link.startsWith(BASE + "assets/" + io.sluice.web.internal.Assets.token() + "/"), link);
            DashboardContent.Response asset = content.respond("GET", BASE, link.substring(BASE.length() - 1));
            assertEquals(200, asset.status(), link);
            assertEquals("max-age=31536000, immutable", asset.header("Cache-Control"));
            assertEquals("nosniff", asset.header("X-Content-Type-Options"));
            assets++;
        }
        assertEquals(3, assets, "stylesheet, icon and script");
    }

    @Test
    void theJsonIsTheStateSeenThroughTheHostsView() {
        DashboardContent content = content(snapshot -> {
            Map<String, Object> copy = new LinkedHashMap<>(snapshot);
            copy.put("runtime", "seen-through-the-view");
            return copy;
        });

        DashboardContent.Response json = content.respond("GET", BASE, "/api/state");

        assertEquals(200, json.status());
        assertEquals("application/json; charset=utf-8", json.header("Content-Type"));
        assertEquals("no-cache", json.header("Cache-Control"));
        assertTrue(body(json).contains("\"runtime\":\"seen-through-the-view\""), body(json));
        assertTrue(body(content.respond("GET", BASE, "/")).contains("seen-through-the-view"));
        assertFalse(body(json).contains(runtime.name()));
    }

    @Test
    void headHasGetsHeadersAndBodyLengthOtherMethodsAre405AndUnknownPaths404() {
        DashboardContent content = content(UnaryOperator.identity());
        String css = "/assets/" + io.sluice.web.internal.Assets.token() + "/dashboard.css";

        DashboardContent.Response head = content.respond("HEAD", BASE, css);
        DashboardContent.Response get = content.respond("GET", BASE, css);
        assertEquals(get.headers(), head.headers());
        assertArrayEquals(get.body(), head.body());

        DashboardContent.Response post = content.respond("POST", BASE, "/");
        assertEquals(405, post.status());
        assertEquals("GET, HEAD", post.header("Allow"));
        for (String path : List.of("/assets/0.0.1/dashboard.css", "/assets/" + io.sluice.web.internal.Assets.token() + "/..%2Fversion.properties",
                "/api", "/index.html")) {
            assertEquals(404, content.respond("GET", BASE, path).status(), path);
        }
        assertEquals(404, content.respond("GET", BASE, null).status());
    }

    @Test
    void theBaseMustBeAnAbsoluteDirectory() {
        DashboardContent content = content(UnaryOperator.identity());
        assertThrows(IllegalArgumentException.class, () -> content.respond("GET", "sluice/", "/"));
        assertThrows(IllegalArgumentException.class, () -> content.respond("GET", "/sluice", "/"));
    }
}
