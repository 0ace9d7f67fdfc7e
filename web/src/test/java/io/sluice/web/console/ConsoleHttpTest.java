package io.sluice.web.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.sluice.testing.ManualClock;
import io.sluice.web.internal.Assets;
import io.sluice.web.internal.SluiceVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The console's HTTP rules, over a real JDK server and raw sockets (so any Host header can be sent). */
class ConsoleHttpTest {

    private static final String TOKEN = "correct horse battery staple";
    private static final List<String> SECURITY_HEADERS = List.of("content-security-policy", "x-content-type-options",
            "referrer-policy", "x-frame-options", "cache-control");

    private final ManualClock clock = new ManualClock(Instant.parse("2026-11-30T12:00:00Z"));
    private final ConsoleState state = new ConsoleState(clock, Duration.ofSeconds(30), Duration.ofMinutes(5), 1_000,
            100);
    private final History history = new History(clock);
    private final List<OperatorCommand> sent = new ArrayList<>();
    private final List<String> replays = new ArrayList<>();
    private HttpServer server;
    private int port;

    private record Response(int status, Map<String, String> headers, String body) {
    }

    private void start(Optional<Path> tokens, Set<String> publicHosts) throws IOException {
        state.report(new ProcessReport("orders-<script>", "host-1", "0.1.0", "orders", clock.instant(),
                Duration.ofSeconds(5), false, 1, 1, List.of("i-0"), List.of(new PartitionReport("orders", 0, "i-0",
                "RUNNING", 10, 8, 10, Optional.of(new PartitionReport.DatabaseOffset(10, clock.instant())),
                OptionalLong.of(12), OptionalLong.of(2), "SKIP")), Map.of("processed", 10L)));
        ConsoleHandler.Backend backend = new ConsoleHandler.Backend() {
            @Override
            public ConsoleState state() {
                return state;
            }

            @Override
            public List<History.Point> series(String group, String topic, Duration window) {
                return history.series(group, topic, window);
            }

            @Override
            public List<String> topics(String group) {
                return state.topics(group);
            }

            @Override
            public List<Map<String, Object>> results() {
                return List.of(Map.of("outcome", "prevented", "summary", "prevented move of orders-0"));
            }

            @Override
            public void send(OperatorCommand command) {
                sent.add(command);
            }

            @Override
            public List<String> deadLetterTopics() {
                return List.of("orders.dlq");
            }

            @Override
            public List<DeadLetterBrowser.Letter> deadLetters(String topic, boolean withPayloads) {
                return List.of(new DeadLetterBrowser.Letter(0, 3, clock.instant(),
                        Map.of("sluice.dlq.original.topic", "orders"), withPayloads ? "k<1>" : null,
                        withPayloads ? "secret <value>" : null));
            }

            @Override
            public DeadLetterBrowser.Replay replay(String topic, int partition, long from, int count, boolean force,
                                                   String operator) {
                replays.add(operator + " " + topic + "/" + partition + "/" + from + " x" + count);
                return new DeadLetterBrowser.Replay(1, 0, 0, 0);
            }
        };
        InetAddress loopback = InetAddress.getLoopbackAddress();
        server = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
        server.createContext("/", new ConsoleHandler(backend, new Assets(), tokens.map(t -> OperatorTokens.parse(readString(t))),
                ConsoleHandler.allowedHosts(loopback, publicHosts), false, clock));
        server.start();
        port = server.getAddress().getPort();
    }

    private static String readString(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private Path tokens(Path dir) throws IOException {
        Path file = dir.resolve("operators");
        Files.writeString(file, "# operators\nalice:" + OperatorTokens.hash(TOKEN) + "\n\nbob:"
                + OperatorTokens.hash("another token") + "\n");
        return file;
    }

    @Test
    void readOnlyServesPagesAndAnswersEveryWriteWith405() throws Exception {
        start(Optional.empty(), Set.of());
        Response overview = request("GET", "/", Map.of(), "");
        assertEquals(200, overview.status());
        assertTrue(overview.body().contains("orders-&lt;script&gt;") && !overview.body().contains("<script>alert"),
                "escaped");
        assertTrue(overview.body().contains("read-only"));
        assertSecure(overview);
        for (String method : List.of("POST", "PUT", "DELETE", "PATCH")) {
            Response write = request(method, "/commands/pause", Map.of(), "group=orders&topic=orders&partition=0");
            assertEquals(405, write.status(), method);
            assertEquals("GET, HEAD", write.headers().get("allow"), method);
            assertSecure(write);
        }
        assertEquals(404, request("GET", "/login", Map.of(), "").status());
        assertEquals(404, request("GET", "/commands/pause", Map.of(), "").status(), "GET never acts");
        assertEquals(List.of(), sent);
        Response partitions = request("GET", "/partitions", Map.of(), "");
        assertTrue(partitions.body().contains("<tr data-partition=\"orders-0\">"), partitions.body());
        assertFalse(partitions.body().contains("/commands/"), "no forms in read-only mode");
        Response head = request("HEAD", "/", Map.of(), "");
        assertEquals(200, head.status());
        assertEquals("", head.body());
    }

    @Test
    void theConsolesViewIsExportedAsMetricsWithStuckAndNegativeDriftPartitions() throws Exception {
        start(Optional.empty(), Set.of());
        Runnable b = () -> state.report(new ProcessReport("orders-b", "h", "0.1.0", "orders", clock.instant(),
                Duration.ofSeconds(5), false, 1, 1, List.of("b-0"), List.of(new PartitionReport("orders", 1, "b-0",
                "RUNNING", 4, 9, 4, Optional.of(new PartitionReport.DatabaseOffset(4, clock.instant())),
                OptionalLong.of(12), OptionalLong.of(3), "")), Map.of()));
        b.run();
        String body = request("GET", "/metrics", Map.of(), "").body();
        assertTrue(body.contains("sluice_console_processes{group=\"orders\",status=\"live\"} 2\n"), body);
        assertTrue(body.contains("sluice_console_partitions{group=\"orders\"} 2\n"), body);
        assertTrue(body.contains("sluice_console_negative_drift_partitions{group=\"orders\"} 1\n"), body);
        assertTrue(body.contains("sluice_console_lag{group=\"orders\"} 5\n"), body);
        assertTrue(body.contains("sluice_console_stuck_partitions{group=\"orders\"} 0\n"), body);

        clock.advance(Duration.ofMinutes(5)); // b reports again without progress; the other process went silent
        b.run();
        Response metrics = request("GET", "/metrics", Map.of(), "");
        assertEquals(200, metrics.status());
        assertTrue(metrics.headers().get("content-type").startsWith("text/plain; version=0.0.4"));
        body = metrics.body();
        assertTrue(body.contains("sluice_console_stuck_partitions{group=\"orders\"} 1\n"), body);
        assertTrue(body.contains("sluice_console_processes{group=\"orders\",status=\"live\"} 1\n"), body);
    }

    @Test
    void theOverviewSaysWhichProcessesReportInAFormatThisConsoleCannotRead() throws Exception {
        start(Optional.empty(), Set.of());
        String newer = ReportFormat.write(new ProcessReport("future-app", "h", "9.0.0", "orders", clock.instant(),
                Duration.ofSeconds(5), false, 1, 1, List.of(), List.of(), Map.of())).replace("\"major\":1",
                "\"major\":2");
        try {
            ReportFormat.read(newer);
        } catch (NewerReportFormatException e) {
            state.refused("future-app", e.getMessage());
        }
        String page = request("GET", "/", Map.of(), "").body();
        assertTrue(page.contains("data-refused") && page.contains("&#39;future-app&#39;")
                && page.contains("upgrade the console"), page);
    }

    @Test
    void onlyAllowedHostsAreAnswered() throws Exception {
        start(Optional.empty(), Set.of("console.example.org"));
        assertEquals(421, request("GET", "/", Map.of("Host", "attacker.example"), "").status());
        assertEquals(421, request("GET", "/", Map.of("Host", "attacker.example:" + port), "").status());
        assertEquals(200, request("GET", "/", Map.of("Host", "localhost:" + port), "").status());
        assertEquals(200, request("GET", "/", Map.of("Host", "[::1]:" + port), "").status());
        assertEquals(200, request("GET", "/", Map.of("Host", "Console.Example.org"), "").status());
        Response rebinding = request("GET", "/errors", Map.of("Host", "rebind.attacker.example"), "");
        assertEquals(421, rebinding.status());
        assertSecure(rebinding);
    }

    @Test
    void operatorsLogInWithATokenAndActOnlyWithSessionCsrfAndSameOrigin(@TempDir Path dir) throws Exception {
        start(Optional.of(tokens(dir)), Set.of());
        String form = "group=orders&topic=orders&partition=0";
        assertEquals(403, request("POST", "/commands/pause", Map.of(), form).status(), "no session");
        assertEquals(405, request("PUT", "/commands/pause", Map.of(), form).status());
        assertEquals("GET, HEAD, POST", request("DELETE", "/", Map.of(), "").headers().get("allow"));

        Response wrong = request("POST", "/login", Map.of(), "token=guess");
        assertEquals(403, wrong.status());
        assertFalse(wrong.headers().containsKey("set-cookie"));

        Response login = request("POST", "/login", Map.of(), "token=" + TOKEN.replace(' ', '+'));
        assertEquals(303, login.status());
        String cookie = login.headers().get("set-cookie");
        assertTrue(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), cookie);
        String session = cookie.substring(0, cookie.indexOf(';'));
        Map<String, String> withSession = Map.of("Cookie", session);

        Response page = request("GET", "/partitions", withSession, "");
        assertTrue(page.body().contains("operator alice"), page.body());
        Matcher csrf = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"").matcher(page.body());
        assertTrue(csrf.find(), "a CSRF token on every form");
        String token = csrf.group(1);
        assertTrue(page.body().contains("prevented move of orders-0"), "command results are shown");

        assertEquals(403, request("POST", "/commands/pause", withSession, form).status(), "no CSRF token");
        assertEquals(403, request("POST", "/commands/pause", withSession, form + "&csrf=forged").status());
        Map<String, String> crossSite = new LinkedHashMap<>(withSession);
        crossSite.put("Sec-Fetch-Site", "cross-site");
        assertEquals(403, request("POST", "/commands/pause", crossSite, form + "&csrf=" + token).status());
        Map<String, String> otherOrigin = new LinkedHashMap<>(withSession);
        otherOrigin.put("Origin", "http://attacker.example");
        assertEquals(403, request("POST", "/commands/pause", otherOrigin, form + "&csrf=" + token).status());
        assertEquals(List.of(), sent, "nothing was sent by a refused request");

        Map<String, String> opaque = new LinkedHashMap<>(withSession);
        opaque.put("Origin", "null");
        assertEquals(403, request("POST", "/commands/pause", opaque, form + "&csrf=" + token).status(),
                "an opaque origin without Sec-Fetch-Site");
        Map<String, String> sameSite = new LinkedHashMap<>(withSession);
        sameSite.put("Sec-Fetch-Site", "same-site");
        assertEquals(403, request("POST", "/commands/pause", sameSite, form + "&csrf=" + token).status());
        assertEquals(List.of(), sent);
        // what Chromium sends for the console's own form: Origin null (a no-referrer policy) and same-origin
        Map<String, String> browserForm = new LinkedHashMap<>(withSession);
        browserForm.put("Origin", "null");
        browserForm.put("Sec-Fetch-Site", "same-origin");
        assertEquals(303, request("POST", "/commands/resume", browserForm, form + "&csrf=" + token).status());
        sent.clear();

        Map<String, String> sameOrigin = new LinkedHashMap<>(withSession);
        sameOrigin.put("Origin", "http://127.0.0.1:" + port);
        sameOrigin.put("Sec-Fetch-Site", "same-origin");
        Response pause = request("POST", "/commands/pause", sameOrigin, form + "&csrf=" + token);
        assertEquals(303, pause.status(), pause.body());
        Response move = request("POST", "/commands/move", sameOrigin,
                form + "&expected=10&target=4&csrf=" + token);
        assertEquals(303, move.status(), move.body());
        assertEquals(2, sent.size());
        assertTrue(sent.get(0) instanceof OperatorCommand.Pause p && p.issuer().equals("alice")
                && p.partition() == 0);
        assertTrue(sent.get(1) instanceof OperatorCommand.MoveOffset m && m.expected() == 10 && m.target() == 4);

        assertEquals(303, request("POST", "/logout", withSession, "csrf=" + token).status());
        assertEquals(403, request("POST", "/commands/resume", withSession, form + "&csrf=" + token).status(),
                "the session ended");
    }

    @Test
    void deadLetterPayloadsAreShownToOperatorsOnlyAndAReplayNeedsTheSessionsCsrfToken(@TempDir Path dir)
            throws Exception {
        start(Optional.of(tokens(dir)), Set.of());
        Response anonymous = request("GET", "/dead-letters?topic=orders.dlq", Map.of(), "");
        assertEquals(200, anonymous.status());
        assertTrue(anonymous.body().contains("data-letter=\"0/3\""), anonymous.body());
        assertFalse(anonymous.body().contains("secret"), "no payload for a visitor");
        assertFalse(anonymous.body().contains("/dead-letters/replay"));

        String cookie = request("POST", "/login", Map.of(), "token=" + TOKEN.replace(' ', '+')).headers()
                .get("set-cookie");
        Map<String, String> session = Map.of("Cookie", cookie.substring(0, cookie.indexOf(';')));
        Response operator = request("GET", "/dead-letters?topic=orders.dlq", session, "");
        assertTrue(operator.body().contains("secret &lt;value&gt;"), "payload shown, escaped");
        Matcher csrf = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"").matcher(operator.body());
        assertTrue(csrf.find());
        String form = "topic=orders.dlq&partition=0&from=3&count=1";
        assertEquals(403, request("POST", "/dead-letters/replay", session, form).status());
        assertEquals(List.of(), replays);
        Response replay = request("POST", "/dead-letters/replay", session, form + "&csrf=" + csrf.group(1));
        assertEquals(303, replay.status());
        assertTrue(replay.headers().get("location").contains("outcome=1+replayed"), replay.headers().toString());
        assertEquals(List.of("alice orders.dlq/0/3 x1"), replays);
    }

    @Test
    void onlyDeadLetterTopicsCanBeBrowsedOrReplayedFrom(@TempDir Path dir) throws Exception {
        start(Optional.of(tokens(dir)), Set.of());
        for (String topic : List.of("payments", "sluice.commands", "__consumer_offsets")) {
            Response anonymous = request("GET", "/dead-letters?topic=" + topic, Map.of(), "");
            assertFalse(anonymous.body().contains("data-letter"), topic + " is no dead-letter topic: "
                    + anonymous.body());
            assertFalse(anonymous.body().contains("sluice.dlq.original.topic"), "no header of " + topic);
        }
        String cookie = request("POST", "/login", Map.of(), "token=" + TOKEN.replace(' ', '+')).headers()
                .get("set-cookie");
        Map<String, String> session = Map.of("Cookie", cookie.substring(0, cookie.indexOf(';')));
        Response operator = request("GET", "/dead-letters?topic=orders.dlq", session, "");
        Matcher csrf = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"").matcher(operator.body());
        assertTrue(csrf.find());
        Response replay = request("POST", "/dead-letters/replay", session,
                "topic=payments&partition=0&from=3&count=1&csrf=" + csrf.group(1));
        assertEquals(400, replay.status(), replay.body());
        assertEquals(List.of(), replays, "nothing re-produced from a topic that is not a dead-letter topic");
    }

    @Test
    void aMalformedOperatorFormReflectsNoneOfItsValues(@TempDir Path dir) throws Exception {
        start(Optional.of(tokens(dir)), Set.of());
        String cookie = request("POST", "/login", Map.of(), "token=" + TOKEN.replace(' ', '+')).headers()
                .get("set-cookie");
        Map<String, String> session = Map.of("Cookie", cookie.substring(0, cookie.indexOf(';')));
        Matcher csrf = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"")
                .matcher(request("GET", "/partitions", session, "").body());
        assertTrue(csrf.find());
        String evil = "%3Cscript%3Ex%3C%2Fscript%3E";
        for (String[] post : new String[][] {{"/commands/pause", "group=g&topic=t&partition=" + evil},
                {"/commands/move", "group=g&topic=t&partition=0&expected=1&target=" + evil},
                {"/dead-letters/replay", "topic=orders.dlq&partition=0&from=" + evil}}) {
            Response r = request("POST", post[0], session, post[1] + "&csrf=" + csrf.group(1));
            assertEquals(400, r.status(), post[0]);
            assertFalse(r.body().contains("script"), r.body());
        }
    }

    @Test
    void failedLoginsFromOneAddressAreLimited(@TempDir Path dir) throws Exception {
        start(Optional.of(tokens(dir)), Set.of());
        for (int i = 0; i < 5; i++) {
            assertEquals(403, request("POST", "/login", Map.of(), "token=guess" + i).status());
        }
        Response limited = request("POST", "/login", Map.of(), "token=" + TOKEN.replace(' ', '+'));
        assertEquals(429, limited.status(), "even the right token waits");
        assertEquals("60", limited.headers().get("retry-after"));
        clock.advance(Duration.ofSeconds(61));
        assertEquals(303, request("POST", "/login", Map.of(), "token=" + TOKEN.replace(' ', '+')).status());
    }

    @Test
    void assetsAreImmutableUnderTheirTokenAndASnapshotTokenCarriesAHashOfTheirBytes() throws Exception {
        start(Optional.empty(), Set.of());
        String token = Assets.token();
        String version = SluiceVersion.read();
        if (version.endsWith("-SNAPSHOT")) {
            assertTrue(token.matches(Pattern.quote(version) + "-[0-9a-f]{10}"), token);
        } else {
            assertEquals(version, token);
        }
        Response css = request("GET", "/assets/" + token + "/console.css", Map.of(), "");
        assertEquals(200, css.status());
        assertEquals("max-age=31536000, immutable", css.headers().get("cache-control"));
        assertTrue(request("GET", "/", Map.of(), "").body().contains("/assets/" + token + "/console.js"));
        assertEquals(404, request("GET", "/assets/" + version + "/console.css", Map.of(), "").status(),
                "a URL of other bytes");
        assertEquals(404, request("GET", "/assets/" + token + "/..%2fversion.properties", Map.of(), "").status());
        Response page = request("GET", "/", Map.of(), "");
        assertEquals("no-cache", page.headers().get("cache-control"));
    }

    @Test
    void malformedRequestsTheJdkAnswersItselfReflectNothing() throws Exception {
        start(Optional.empty(), Set.of());
        for (String target : List.of("//<script>x</script>", "/%zz<b>", "/nowhere?<i>q</i>")) {
            String raw = rawRequest("GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            assertFalse(raw.contains("<script>") || raw.contains("<b>") || raw.contains("<i>"), raw);
        }
        String garbage = rawRequest("GARBAGE\r\n\r\n");
        assertFalse(garbage.contains("GARBAGE"), garbage);
        Response notFound = request("GET", "/nowhere", Map.of(), "");
        assertEquals(404, notFound.status());
        assertSecure(notFound);
    }

    @Test
    void theHistoryPageDrawsItsChartsAsSvgWithoutInlineStyle() throws Exception {
        start(Optional.empty(), Set.of());
        history.record(new ProcessReport("a", "h", "0.1.0", "orders", clock.instant(), Duration.ofSeconds(5), false,
                1, 1, List.of(), List.of(new PartitionReport("orders", 0, "i", "RUNNING", 5, 5, 5, Optional.empty(),
                OptionalLong.of(7), OptionalLong.of(2), "")), Map.of()));
        clock.advance(Duration.ofMinutes(1));
        history.record(new ProcessReport("a", "h", "0.1.0", "orders", clock.instant(), Duration.ofSeconds(5), false,
                1, 1, List.of(), List.of(new PartitionReport("orders", 0, "i", "RUNNING", 25, 25, 25, Optional.empty(),
                OptionalLong.of(27), OptionalLong.of(2), "")), Map.of()));
        Response page = request("GET", "/history?group=orders&topic=orders", Map.of(), "");
        assertEquals(200, page.status());
        assertTrue(page.body().contains("<svg") && page.body().contains("<polyline"), page.body());
        assertFalse(page.body().contains("style="), "the CSP forbids inline style");
        assertTrue(page.body().contains("data-points=\"2\""), "two minutes with reports in the last hour");
    }

    private static void assertSecure(Response r) {
        for (String h : SECURITY_HEADERS) {
            assertNotNull(r.headers().get(h), h + " on " + r.status());
        }
    }

    private Response request(String method, String target, Map<String, String> headers, String body)
            throws IOException {
        StringBuilder head = new StringBuilder(method + " " + target + " HTTP/1.1\r\n");
        if (!headers.containsKey("Host")) {
            head.append("Host: 127.0.0.1:").append(port).append("\r\n");
        }
        headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        if (!body.isEmpty() || method.equals("POST")) {
            head.append("Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ").append(bytes.length)
                    .append("\r\n");
        }
        head.append("Connection: close\r\n\r\n");
        String response = rawRequest(head + body);
        int headEnd = response.indexOf("\r\n\r\n");
        String[] lines = response.substring(0, headEnd).split("\r\n");
        Map<String, String> parsed = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            parsed.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                    lines[i].substring(colon + 1).trim());
        }
        return new Response(Integer.parseInt(lines[0].split(" ")[1]), parsed, response.substring(headEnd + 4));
    }

    private String rawRequest(String request) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
