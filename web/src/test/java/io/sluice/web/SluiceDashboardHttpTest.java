package io.sluice.web;

import io.sluice.web.internal.SluiceVersion;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Filter;
import io.sluice.dsl.FilterFactory;
import io.sluice.dsl.OffsetAuthority;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.dsl.Verdict;
import io.sluice.runtime.SluiceEvent;
import io.sluice.runtime.PartitionState;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The dashboard over HTTP: routes, headers, 404s, 405s, HEAD, escaping, binding. */
class SluiceDashboardHttpTest {

    private static final String VERSION = System.getProperty("sluice.version", "");
    private static final Instant NOW = Instant.parse("2030-01-02T03:04:05.678Z");
    private static final TopicPartition ORDERS_0 = new TopicPartition("orders", 0);
    private static final TopicPartition PAYMENTS_1 = new TopicPartition("payments", 1);
    private static final String EVIL = "<script>alert('x')</script>\"&";
    private static final String INSTANCE = "sluice-9-consumer-0";

    /** Stands for the offset manager: first in chain, keeps the topic's offsets. */
    static final class OffsetManagerStandIn implements FilterFactory<Object, Object> {
        @Override
        public Filter<Object, Object> create(TopicPartition tp) {
            return (batch, ctx) -> Verdict.notApplied();
        }

        @Override
        public boolean firstInChain() {
            return true;
        }

        @Override
        public Optional<OffsetAuthority> offsetAuthority() {
            return Optional.of(new io.sluice.dsl.OffsetAuthority() {
            @Override
            public java.util.OptionalLong read(String group, org.apache.kafka.common.TopicPartition tp) {
                return java.util.OptionalLong.empty();
            }

            @Override
            public void advance(String group, org.apache.kafka.common.TopicPartition tp, long next) {
            }
        });
        }

        @Override
        public String describe() {
            return "OffsetManager";
        }
    }

    /** A filter whose description is markup. */
    static final class EvilNamed implements FilterFactory<Object, Object> {
        @Override
        public Filter<Object, Object> create(TopicPartition tp) {
            return (batch, ctx) -> Verdict.notApplied();
        }

        @Override
        public String describe() {
            return EVIL;
        }
    }

    private final Topology topology = Sluice.topology()
            .topic("orders").consumer(() -> (batch, ctx) -> { })
                .filter(new OffsetManagerStandIn()).filter(new EvilNamed())
            .topic("payments").consumer(() -> (batch, ctx) -> { })
                .deadLetterQueue("payments.dlq", 3)
            .build();
    private final FakeRuntime runtime = new FakeRuntime("sluice-9", topology);
    private final List<TopicPartition> databaseReads = new ArrayList<>();
    private DashboardSettings settings = DashboardSettings.defaults()
            .withClock(Clock.fixed(NOW, ZoneOffset.UTC))
            .withRecentErrors(3)
            .withDatabaseOffsets(tp -> {
                synchronized (databaseReads) {
                    databaseReads.add(tp);
                }
                return OptionalLong.of(41);
            });
    private EventLog events;
    private SluiceDashboard dashboard;

    @BeforeEach
    void start() {
        assertFalse(VERSION.isEmpty(), "Surefire passes the project version as sluice.version");
        runtime.partitions = Map.of(
                INSTANCE, List.of(state(ORDERS_0, 1, "PAUSED", "OrdersConsumer")),
                "sluice-9-consumer-1", List.of(state(PAYMENTS_1, 2, "IDLE", "PaymentsConsumer")));
        Map<String, Long> counters = new LinkedHashMap<>();
        counters.put("messagesConsumed", 1234L);
        counters.put("commits", 7L);
        runtime.counters = counters;
        events = new EventLog(settings.clock(), settings.recentErrors());
        dashboard = SluiceDashboard.start(runtime, events, settings);
    }

    @AfterEach
    void stop() {
        dashboard.close();
    }

    private static PartitionState state(TopicPartition tp, long generation, String state, String consumer) {
        return new PartitionState(tp, generation, state, 120, 100, 90,
                "PAUSED".equals(state) ? Optional.of(NOW.plusSeconds(5)) : Optional.empty(), 2, 0,
                OptionalLong.of(0), OptionalLong.of(150), consumer, OptionalLong.of(160), OptionalLong.of(60), java.util.Set.of(), "", false);
    }

    private URI at(String path) {
        return dashboard.url().resolve(path);
    }

    // ---------------------------------------------------------------- the page and the state

    @Test
    void thePageIsServerRenderedWithEveryPartitionAndIsNeverCached() throws Exception {
        HttpResponse<String> page = Http.get(dashboard.url());
        assertEquals(200, page.statusCode());
        assertEquals("text/html; charset=utf-8", header(page, "content-type"));
        assertEquals("no-cache", header(page, "cache-control"));
        String html = page.body();
        assertTrue(html.contains("<td>orders-0</td><td>sluice-9-consumer-0</td><td data-value=\"PAUSED\">PAUSED</td>"),
                html);
        assertTrue(html.contains("<td>payments-1</td><td>sluice-9-consumer-1</td><td data-value=\"IDLE\">IDLE</td>"));
        assertTrue(html.contains("<td class=\"num\">60</td>"), "the lag");
        assertTrue(html.contains("<td class=\"num\">41</td>"), "the database offset of the offset-managed topic");
        assertTrue(html.contains("<td>2030-01-02T03:04:10.678Z</td>"), "paused until");
        assertTrue(html.contains("<td>messagesConsumed</td><td class=\"num\">1234</td>"), "counters");
        assertTrue(html.contains("<td>payments.dlq after 3 retries</td>"));
        assertTrue(html.contains("data-source=\"partitions\""));
        assertTrue(html.contains("data-state-url=\"/api/state\""));
    }

    @Test
    void theDatabaseOffsetIsReadOnlyForTopicsWhoseOffsetsLiveOutsideKafka() throws Exception {
        String json = Http.get(at("/api/state")).body();
        assertTrue(json.contains("\"topicPartition\":\"orders-0\""));
        assertTrue(json.contains("\"databaseOffset\":41"), json);
        assertTrue(json.contains("\"databaseOffset\":null"), "payments has no offset manager");
        synchronized (databaseReads) {
            assertEquals(List.of(ORDERS_0), databaseReads);
        }
    }

    @Test
    void aFailingDatabaseOffsetHookShowsAsUnavailable() throws Exception {
        dashboard.close();
        settings = settings.withDatabaseOffsets(tp -> {
            throw new IllegalStateException("database down");
        });
        dashboard = SluiceDashboard.start(runtime, events, settings);
        assertTrue(Http.get(at("/api/state")).body().contains("\"databaseOffset\":\"unavailable\""));
        assertEquals(200, Http.get(dashboard.url()).statusCode());
    }

    @Test
    void theStateIsJsonAndNeverCached() throws Exception {
        HttpResponse<String> state = Http.get(at("/api/state"));
        assertEquals(200, state.statusCode());
        assertEquals("application/json; charset=utf-8", header(state, "content-type"));
        assertEquals("no-cache", header(state, "cache-control"));
        String json = state.body();
        assertTrue(json.startsWith("{\"runtime\":\"sluice-9\",\"status\":\"running\",\"version\":\"" + VERSION
                + "\",\"generatedAt\":\"2030-01-02T03:04:05.678Z\",\"partitions\":["), json);
        assertTrue(json.contains("\"filters\":[\"OffsetManager\","), "the chain in declaration order");
        assertTrue(json.contains("\"consumer\":\"OrdersConsumer\""), "learnt from the assigned partitions");
        assertTrue(json.contains("{\"name\":\"commits\",\"value\":7}"));
        assertTrue(json.contains("\"lag\":60"));
        assertTrue(json.contains("\"logEnd\":160"), "the latest log end, not the one at assignment");
    }

    @Test
    void theLastVerdictIsThatOfThePartitionsCurrentAssignment() throws Exception {
        events.on(new SluiceEvent.Filtered(INSTANCE, ORDERS_0, 1, Verdict.seek(95).marking(90), 3));
        events.on(new SluiceEvent.Filtered("sluice-9-consumer-1", PAYMENTS_1, 1,
                Verdict.pause(7, Duration.ofMillis(1500)), 0));
        String json = Http.get(at("/api/state")).body();
        assertTrue(json.contains("\"lastVerdict\":\"SEEK to 95 (marks 90), 3 dropped\""), json);
        assertFalse(json.contains("PAUSE at 7"), "payments-1 is in its generation 2: the verdict of 1 is stale");

        events.on(new SluiceEvent.Filtered("sluice-9-consumer-1", PAYMENTS_1, 2,
                Verdict.pause(7, Duration.ofMillis(1500)), 0));
        assertTrue(Http.get(dashboard.url()).body().contains("<td>PAUSE at 7 for 1.5 s</td>"));
        events.on(new SluiceEvent.Revoked(INSTANCE, ORDERS_0, 1));
        assertFalse(Http.get(at("/api/state")).body().contains("SEEK to 95"), "forgotten with the assignment");
    }

    @Test
    void recentErrorsAreBoundedAndNewestFirst() throws Exception {
        for (int i = 1; i <= 5; i++) {
            events.on(new SluiceEvent.Failed(INSTANCE, ORDERS_0, 1, io.sluice.runtime.FailureKind.MESSAGE, i, OptionalLong.of(100 + i),
                    new IllegalStateException("failure " + i), Duration.ofSeconds(i)));
        }
        String json = Http.get(at("/api/state")).body();
        Matcher m = Pattern.compile("java.lang.IllegalStateException: failure (\\d)").matcher(json);
        List<String> shown = new ArrayList<>();
        while (m.find()) {
            shown.add(m.group(1));
        }
        assertEquals(List.of("5", "4", "3"), shown);
        assertTrue(json.contains("\"kind\":\"MESSAGE\",\"attempt\":5,\"offset\":105"), json);
    }

    // ---------------------------------------------------------------- escaping

    @Test
    void everyTextIsEscapedInThePage() throws Exception {
        events.on(new SluiceEvent.Failed(INSTANCE, ORDERS_0, 1, io.sluice.runtime.FailureKind.MESSAGE, 1, OptionalLong.empty(),
                new IllegalArgumentException("<img src=x onerror=alert(1)> & 'quoted'"), Duration.ofSeconds(1)));
        runtime.partitions = Map.of("<b>instance\"</b>", List.of(state(ORDERS_0, 1, "IDLE", "<i>Consumer</i>")));
        String html = Http.get(dashboard.url()).body();
        assertFalse(html.contains("<script>alert"), "a filter's description");
        assertFalse(html.contains("<img src=x"), "an error message");
        assertFalse(html.contains("<b>instance"), "an instance name");
        assertFalse(html.contains("<i>Consumer"), "a consumer class");
        assertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;"), html);
        assertTrue(html.contains("&lt;img src=x onerror=alert(1)&gt; &amp; &#39;quoted&#39;"));
        assertTrue(html.contains("&lt;b&gt;instance&quot;&lt;/b&gt;"));
    }

    @Test
    void everyTextIsInertInTheJson() throws Exception {
        events.on(new SluiceEvent.Failed(INSTANCE, ORDERS_0, 1, io.sluice.runtime.FailureKind.MESSAGE, 1, OptionalLong.empty(),
                new IllegalArgumentException("</script><img src=x>\u2028\"\\"), Duration.ofSeconds(1)));
        String json = Http.get(at("/api/state")).body();
        assertFalse(json.contains("<"));
        assertFalse(json.contains(">"));
        assertFalse(json.contains("'"));
        assertFalse(json.contains("\u2028"));
        assertTrue(json.contains("\\u003c/script\\u003e\\u003cimg src=x\\u003e\\u2028\\\"\\\\"), json);
        assertTrue(json.contains("\\u003cscript\\u003ealert(\\u0027x\\u0027)\\u003c/script\\u003e\\\"\\u0026"));
    }

    // ---------------------------------------------------------------- assets

    @Test
    void thePageLinksOnlyToAssetsOfThisVersionAndEachIsCachedForever() throws Exception {
        String html = Http.get(dashboard.url()).body();
        Matcher m = Pattern.compile("(?:href|src)=\"([^\"]+)\"").matcher(html);
        List<String> links = new ArrayList<>();
        while (m.find()) {
            links.add(m.group(1));
        }
        String token = io.sluice.web.internal.Assets.token();
        assertEquals(List.of("/assets/" + token + "/dashboard.css", "/assets/" + token + "/favicon.svg",
                "/assets/" + token + "/dashboard.js"), links);
        for (String link : links) {
            HttpResponse<String> asset = Http.get(at(link));
            assertEquals(200, asset.statusCode(), link);
            assertEquals("max-age=31536000, immutable", header(asset, "cache-control"), link);
            assertFalse(asset.body().isEmpty(), link);
        }
        assertEquals("text/css; charset=utf-8", header(Http.get(at(links.get(0))), "content-type"));
        assertEquals("image/svg+xml", header(Http.get(at(links.get(1))), "content-type"));
        assertEquals("text/javascript; charset=utf-8", header(Http.get(at(links.get(2))), "content-type"));
    }

    @Test
    void theVersionIsSluicesOwnFromTheFilteredProperties() {
        assertEquals(VERSION, SluiceVersion.read());
        assertTrue(VERSION.matches("\\d+\\.\\d+\\.\\d+.*"), VERSION);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "/assets/0.0.1/dashboard.css",          // another version
        "/assets/VERSION-old/dashboard.css",
        "/assets/dashboard.css",
        "/assets/VERSION/",
        "/assets/VERSION/nope.css",             // unknown files
        "/assets/VERSION/dashboard.CSS.bak",
        "/assets/VERSION/version.properties",
        "/assets/VERSION/assets",
        "/favicon.ico",
        "/nope",
        "/api/state/",
        "/api/state/x",
        "/index.html",
    })
    void unknownPathsAndOtherVersionsAre404(String path) throws Exception {
        HttpResponse<String> r = Http.get(at(path.replace("VERSION", io.sluice.web.internal.Assets.token())));
        assertEquals(404, r.statusCode(), path);
        assertEquals("no-cache", header(r, "cache-control"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "/assets/VERSION/../version.properties",
        "/assets/VERSION/../SluiceDashboard.class",
        "/assets/VERSION/../../web/version.properties",
        "/assets/VERSION/./dashboard.css",
        "/assets/VERSION/%2e%2e/version.properties",
        "/assets/VERSION/%2E%2E%2Fversion.properties",
        "/assets/VERSION/..%2fversion.properties",
        "/assets/VERSION/..%5cversion.properties",
        "/assets/VERSION/%252e%252e%252fversion.properties",
        "/assets/VERSION/dashboard.css/../../version.properties",
        "/assets/VERSION/%64ashboard.css",
        "/assets/VERSION/dashboard.css%00.js",
        "/assets/../io/sluice/web/version.properties",
        "/assets/%2e%2e/%2e%2e/io/sluice/web/version.properties",
        "/../io/sluice/web/version.properties",
        "/assets/VERSION/.hidden.css",
    })
    void pathTraversalIs404EncodedOrNot(String target) throws IOException {
        Http.Raw r = Http.raw(dashboard.url(), "GET", target.replace("VERSION", io.sluice.web.internal.Assets.token()));
        assertEquals(404, r.status(), target);
        assertFalse(r.body().contains("version="), target);
    }

    @Test
    void aTargetTheServerCannotParseIsRejectedBeforeRouting() throws IOException {
        // a raw backslash is illegal in a URI: the JDK server answers 400 itself
        Http.Raw r = Http.raw(dashboard.url(), "GET", "/assets/" + io.sluice.web.internal.Assets.token() + "/..\\version.properties");
        assertEquals(400, r.status());
        assertFalse(r.body().contains("version="));
    }

    @Test
    void theSameAssetByAnExactRawPathIsServed() throws IOException {
        Http.Raw r = Http.raw(dashboard.url(), "GET", "/assets/" + io.sluice.web.internal.Assets.token() + "/dashboard.css?v=ignored");
        assertEquals(200, r.status());
        assertEquals("max-age=31536000, immutable", r.headers().get("cache-control"));
    }

    // ---------------------------------------------------------------- methods

    @ParameterizedTest
    @ValueSource(strings = {"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "PROPFIND"})
    void onlyGetAndHeadAreServed(String method) throws Exception {
        for (String path : List.of("/", "/api/state", "/assets/" + io.sluice.web.internal.Assets.token() + "/dashboard.js", "/nope")) {
            Http.Raw r = Http.raw(dashboard.url(), method, path);
            assertEquals(405, r.status(), method + " " + path);
            assertEquals("GET, HEAD", r.headers().get("allow"), method + " " + path);
        }
        assertEquals(405, Http.send(method.equals("CONNECT") ? "POST" : method, dashboard.url()).statusCode());
    }

    @Test
    void headAnswersWithTheHeadersOfGetAndNoBody() throws Exception {
        for (String path : List.of("/", "/api/state", "/assets/" + io.sluice.web.internal.Assets.token() + "/dashboard.css")) {
            HttpResponse<String> get = Http.get(at(path));
            HttpResponse<String> head = Http.send("HEAD", at(path));
            assertEquals(200, head.statusCode(), path);
            assertEquals("", head.body(), path);
            assertEquals(header(get, "content-type"), header(head, "content-type"), path);
            assertEquals(header(get, "cache-control"), header(head, "cache-control"), path);
            assertEquals(Integer.toString(get.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length),
                    header(head, "content-length"), path);
        }
        Http.Raw raw = Http.raw(dashboard.url(), "HEAD", "/assets/0.0.1/dashboard.css");
        assertEquals(404, raw.status());
        assertEquals("", raw.body());
    }

    @Test
    void responsesForbidSniffingAndForeignScripts() throws Exception {
        HttpResponse<String> page = Http.get(dashboard.url());
        assertEquals("nosniff", header(page, "x-content-type-options"));
        assertTrue(header(page, "content-security-policy").contains("script-src 'self'"));
    }

    // ---------------------------------------------------------------- binding and lifecycle

    @Test
    void bindsTheLoopbackAddressByDefault() {
        assertEquals("127.0.0.1", dashboard.address().getAddress().getHostAddress());
        assertTrue(dashboard.url().toString().startsWith("http://127.0.0.1:"), dashboard.url().toString());
        assertTrue(dashboard.address().getPort() > 0, "port 0 picks a free port");
    }

    @Test
    void theAddressAndPortAreConfigurable() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        dashboard.close();
        dashboard = SluiceDashboard.start(runtime, events,
                settings.withAddress(InetAddress.getByName("127.0.0.1")).withPort(port));
        assertEquals(port, dashboard.address().getPort());
        assertEquals(URI.create("http://127.0.0.1:" + port + "/"), dashboard.url());
        assertEquals(200, Http.get(dashboard.url()).statusCode());
    }

    @Test
    void aStoppedRuntimeShowsAsStoppedAndNoPartitionsAsAnEmptyRow() throws Exception {
        runtime.running = false;
        runtime.partitions = Map.of();
        String html = Http.get(dashboard.url()).body();
        assertTrue(html.contains("data-value=\"stopped\">stopped</span>"));
        assertTrue(html.contains("<tr class=\"empty\"><td colspan=\"14\">No partitions assigned</td></tr>"));
    }

    @Test
    void aHaltedRuntimeReportsHaltedNotStopped() throws Exception {
        runtime.running = false;
        runtime.halted = true;
        String json = Http.get(at("/api/state")).body();
        assertTrue(json.startsWith("{\"runtime\":\"sluice-9\",\"status\":\"halted\","), json);
        assertTrue(Http.get(dashboard.url()).body().contains("data-value=\"halted\">halted</span>"));

        runtime.halted = false;
        assertTrue(Http.get(at("/api/state")).body().contains("\"status\":\"stopped\""), "closed, not halted");
    }

    @Test
    void closeStopsServingAndIsIdempotent() {
        URI url = dashboard.url();
        dashboard.close();
        dashboard.close();
        assertThrows(IOException.class, () -> Http.get(url));
    }

    @Test
    void invalidSettingsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> settings.withPort(70_000));
        assertThrows(IllegalArgumentException.class, () -> settings.withRefreshInterval(Duration.ofMillis(10)));
        assertThrows(IllegalArgumentException.class, () -> settings.withRecentErrors(0));
        assertThrows(NullPointerException.class, () -> settings.withAddress(null));
    }

    private static String header(HttpResponse<?> response, String name) {
        Optional<String> value = response.headers().firstValue(name);
        assertNotNull(value);
        return value.orElse(null);
    }
}
