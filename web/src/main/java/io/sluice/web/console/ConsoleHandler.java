package io.sluice.web.console;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.sluice.web.internal.Assets;
import io.sluice.web.internal.HostAllowList;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every request of the console, with its rules:
 * <ul>
 *   <li>a request naming a {@code Host} outside the allow-list (loopback names and the configured public hosts)
 *       gets 421, so a DNS-rebinding page cannot read the console;</li>
 *   <li>GET never changes state; without operator tokens every other method gets 405 with
 *       {@code Allow: GET, HEAD};</li>
 *   <li>with operator tokens, {@code POST /login} exchanges a token for an HttpOnly, SameSite=Strict session cookie
 *       (failed logins from one client, an IPv4 address or an IPv6 /64, are limited to 5 a minute and logged),
 *       and every other POST needs that session, the session's CSRF token in the form and, when the browser sends
 *       them, an {@code Origin} of this console and {@code Sec-Fetch-Site: same-origin}; otherwise 403;</li>
 *   <li>every response carries the security headers; assets are immutable under their version token, everything
 *       else {@code no-cache}.</li>
 * </ul>
 */
final class ConsoleHandler implements HttpHandler {

    /** What the handler asks of the console behind it. */
    interface Backend {
        ConsoleState state();

        /** Series of the history; the history is read under its own lock. */
        List<History.Point> series(String group, String topic, Duration window);

        /** The topics a group reported. */
        List<String> topics(String group);

        /** The newest command results, newest first. */
        List<Map<String, Object>> results();

        /** Signs and sends {@code command}. */
        void send(OperatorCommand command) throws Exception;

        /** The dead-letter topics. */
        List<String> deadLetterTopics();

        /** The newest dead letters of {@code topic}, payloads only when {@code withPayloads}. */
        List<DeadLetterBrowser.Letter> deadLetters(String topic, boolean withPayloads);

        /** Replays dead letters (see {@link DeadLetterBrowser#replay}). */
        DeadLetterBrowser.Replay replay(String topic, int partition, long from, int count, boolean force,
                                        String operator) throws Exception;
    }

    static final String NO_CACHE = "no-cache";
    static final String FOREVER = "max-age=31536000, immutable";
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleHandler.class);
    private static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
            + " connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    private static final String COOKIE = "sluice_session";
    private static final Duration SESSION_LIFETIME = Duration.ofHours(8);
    private static final int FAILED_LOGINS_PER_MINUTE = 5;
    private static final int MAX_FORM_BYTES = 16_384;

    private record Session(String operator, String csrf, Instant expires) {
    }

    private final Backend backend;
    private final Assets assets;
    private final Optional<OperatorTokens> tokens;
    private final HostAllowList hosts;
    private final boolean secure;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Map<String, Deque<Instant>> failedLogins = new HashMap<>();

    ConsoleHandler(Backend backend, Assets assets, Optional<OperatorTokens> tokens, Set<String> hosts,
                   boolean secure, Clock clock) {
        this.backend = backend;
        this.assets = assets;
        this.tokens = tokens;
        this.hosts = HostAllowList.of(InetAddress.getLoopbackAddress(), hosts);
        this.secure = secure;
        this.clock = clock;
    }

    /** The host names a console bound to {@code address} accepts: loopback names, the address, and {@code extra}. */
    static Set<String> allowedHosts(InetAddress address, Set<String> extra) {
        return HostAllowList.of(address, extra).names();
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            URI uri = exchange.getRequestURI();
            String path = uri.getRawPath() == null ? "" : uri.getRawPath();
            if (!hostAllowed(exchange.getRequestHeaders().getFirst("Host"))) {
                text(exchange, 421, "Misdirected Request: this console does not answer for that host\n");
                return;
            }
            boolean read = "GET".equals(method) || "HEAD".equals(method);
            if (!read && (tokens.isEmpty() || !"POST".equals(method))) {
                exchange.getResponseHeaders().set("Allow", tokens.isEmpty() ? "GET, HEAD" : "GET, HEAD, POST");
                text(exchange, 405, tokens.isEmpty() ? "Method Not Allowed: this console is read-only\n"
                        : "Method Not Allowed\n");
                return;
            }
            if (read) {
                get(exchange, path, query(uri.getRawQuery()));
            } else {
                post(exchange, path);
            }
        } catch (IOException e) {
            LOG.debug("console request failed: {}", e.toString());
        } catch (RuntimeException e) {
            LOG.warn("console request {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    e);
            try {
                text(exchange, 500, "Internal Server Error\n");
            } catch (IOException | RuntimeException ignored) {
                // the headers were sent already
            }
        }
    }

    private void get(HttpExchange exchange, String path, Map<String, String> query) throws IOException {
        ConsolePages.Viewer viewer = viewer(exchange);
        String assetPrefix = "/assets/" + Assets.token() + "/";
        if (path.startsWith("/assets/")) {
            Optional<Assets.Asset> asset = path.startsWith(assetPrefix)
                    ? assets.find(path.substring(assetPrefix.length())) : Optional.empty();
            if (asset.isPresent()) {
                send(exchange, 200, asset.get().contentType(), FOREVER, asset.get().bytes());
            } else {
                text(exchange, 404, "Not Found\n");
            }
            return;
        }
        ConsoleState state = backend.state();
        if (path.equals("/metrics")) {
            send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", NO_CACHE,
                    metrics(state).getBytes(StandardCharsets.UTF_8));
            return;
        }
        String body;
        String title;
        switch (path) {
            case "/" -> {
                title = "Overview";
                body = ConsolePages.overview(state.processes(), state.refused());
            }
            case "/partitions" -> {
                List<String> groups = state.groups();
                String group = query.getOrDefault("group", groups.isEmpty() ? "" : groups.get(0));
                title = "Partitions";
                body = ConsolePages.partitions(groups, group, state.partitions(group), viewer)
                        + (viewer.operatorMode() ? ConsolePages.results(backend.results()) : "");
            }
            case "/history" -> {
                List<String> groups = state.groups();
                String group = query.getOrDefault("group", groups.isEmpty() ? "" : groups.get(0));
                List<String> topics = backend.topics(group);
                String topic = query.getOrDefault("topic", topics.isEmpty() ? "" : topics.get(0));
                title = "History";
                body = ConsolePages.history(groups, group, topics, topic,
                        backend.series(group, topic, Duration.ofHours(1)),
                        backend.series(group, topic, History.KEPT));
            }
            case "/errors" -> {
                String filter = query.getOrDefault("q", "");
                title = "Errors";
                body = ConsolePages.errors(state.errors(filter), filter);
            }
            case "/dead-letters" -> {
                String topic = query.getOrDefault("topic", "");
                title = "Dead letters";
                List<String> topics = backend.deadLetterTopics();
                // only a dead-letter topic is read: the page is no way to read any topic the console may read
                List<DeadLetterBrowser.Letter> letters = topics.contains(topic)
                        ? backend.deadLetters(topic, viewer.loggedIn()) : List.of();
                body = ConsolePages.deadLetters(topics, topics.contains(topic) ? topic : "", letters, viewer,
                        query.getOrDefault("outcome", ""));
            }
            case "/login" -> {
                if (tokens.isEmpty()) {
                    text(exchange, 404, "Not Found: this console is read-only\n");
                    return;
                }
                title = "Login";
                body = ConsolePages.login("", "");
            }
            default -> {
                text(exchange, 404, "Not Found\n");
                return;
            }
        }
        String page = ConsolePages.layout(title, pageId(path), assetPrefix, viewer, body);
        send(exchange, 200, "text/html; charset=utf-8", NO_CACHE, page.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The console's view as Prometheus text: processes by group and status, and per group the partitions shown,
     * the stuck ones, those whose database offset trails Kafka's commit (negative drift), and the total lag.
     */
    static String metrics(ConsoleState state) {
        StringBuilder m = new StringBuilder();
        m.append("# HELP sluice_console_processes Processes reporting, by group and status.\n")
                .append("# TYPE sluice_console_processes gauge\n");
        Map<String, Map<ConsoleState.Status, Integer>> byGroup = new java.util.TreeMap<>();
        for (ConsoleState.ProcessView p : state.processes()) {
            byGroup.computeIfAbsent(p.group(), g -> new java.util.EnumMap<>(ConsoleState.Status.class))
                    .merge(p.status(), 1, Integer::sum);
        }
        byGroup.forEach((group, counts) -> {
            for (ConsoleState.Status status : ConsoleState.Status.values()) {
                m.append("sluice_console_processes{group=\"").append(label(group)).append("\",status=\"")
                        .append(status.name().toLowerCase(Locale.ROOT)).append("\"} ")
                        .append(counts.getOrDefault(status, 0)).append('\n');
            }
        });
        String[][] gauges = {{"partitions", "Partitions shown for the group."},
                {"stuck_partitions", "Partitions with lag and no progress for the stuck threshold."},
                {"negative_drift_partitions", "Partitions whose database offset is below Kafka's committed offset."},
                {"lag", "The group's total lag."}};
        for (String[] g : gauges) {
            m.append("# HELP sluice_console_").append(g[0]).append(' ').append(g[1]).append('\n')
                    .append("# TYPE sluice_console_").append(g[0]).append(" gauge\n");
            for (String group : state.groups()) {
                List<ConsoleState.PartitionView> rows = state.partitions(group);
                long value = switch (g[0]) {
                    case "partitions" -> rows.size();
                    case "stuck_partitions" -> rows.stream().filter(ConsoleState.PartitionView::stuck).count();
                    case "negative_drift_partitions" -> rows.stream().filter(r -> "red".equals(r.driftLevel())).count();
                    default -> rows.stream().mapToLong(r -> r.report().lag().orElse(0)).sum();
                };
                m.append("sluice_console_").append(g[0]).append("{group=\"").append(label(group)).append("\"} ")
                        .append(value).append('\n');
            }
        }
        return m.toString();
    }

    private static String label(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private void post(HttpExchange exchange, String path) throws IOException {
        if (!sameOrigin(exchange)) {
            text(exchange, 403, "Forbidden: a cross-site request\n");
            return;
        }
        Map<String, String> form = form(exchange);
        if (path.equals("/login")) {
            login(exchange, form);
            return;
        }
        Optional<Map.Entry<String, Session>> session = session(exchange);
        if (session.isEmpty()) {
            text(exchange, 403, "Forbidden: log in first\n");
            return;
        }
        byte[] expected = session.get().getValue().csrf().getBytes(StandardCharsets.UTF_8);
        byte[] given = form.getOrDefault("csrf", "").getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(expected, given)) {
            text(exchange, 403, "Forbidden: the form's CSRF token is missing or wrong\n");
            return;
        }
        String operator = session.get().getValue().operator();
        switch (path) {
            case "/logout" -> {
                sessions.remove(session.get().getKey());
                exchange.getResponseHeaders().add("Set-Cookie", cookie("", 0));
                redirect(exchange, "/");
            }
            case "/commands/pause", "/commands/resume", "/commands/move" -> {
                OperatorCommand command;
                try {
                    command = command(path.substring("/commands/".length()), form, operator);
                } catch (RuntimeException e) {
                    text(exchange, 400, "Bad Request: " + e.getMessage() + "\n");
                    return;
                }
                try {
                    backend.send(command);
                } catch (Exception e) {
                    LOG.warn("operator {} could not send {}: {}", operator, command, e.toString());
                    text(exchange, 503, "Service Unavailable: the command could not be sent\n");
                    return;
                }
                LOG.info("operator {} sent {}", operator, command);
                redirect(exchange, "/partitions?group=" + ConsolePages.url(command.group()));
            }
            case "/dead-letters/replay" -> replay(exchange, form, operator);
            default -> text(exchange, 404, "Not Found\n");
        }
    }

    private void replay(HttpExchange exchange, Map<String, String> form, String operator) throws IOException {
        String topic;
        DeadLetterBrowser.Replay done;
        try {
            topic = required(form, "topic");
            if (!backend.deadLetterTopics().contains(topic)) {
                throw new IllegalArgumentException("only a dead-letter topic's messages are replayed");
            }
            int partition = (int) whole(form, "partition", Integer.MAX_VALUE);
            long from = whole(form, "from", Long.MAX_VALUE);
            int count = (int) whole(Map.of("count", form.getOrDefault("count", "1")), "count", Integer.MAX_VALUE);
            boolean force = "true".equals(form.get("force"));
            try {
                done = backend.replay(topic, partition, from, count, force, operator);
            } catch (IllegalArgumentException e) {
                throw e;
            } catch (Exception e) {
                LOG.warn("operator {} could not replay {}: {}", operator, topic, e.toString());
                text(exchange, 503, "Service Unavailable: the replay failed (see the console's log)\n");
                return;
            }
            LOG.info("operator {} replayed {} message(s) of {}-{} from {} (force {}): {}", operator, done.replayed(),
                    topic, partition, from, force, done);
        } catch (RuntimeException e) {
            text(exchange, 400, "Bad Request: " + e.getMessage() + "\n");
            return;
        }
        String outcome = done.replayed() + " replayed, " + done.alreadyReplayed() + " refused as already replayed, "
                + done.withoutOrigin() + " without an original topic"
                + (done.forbiddenOrigin() > 0 ? ", " + done.forbiddenOrigin() + " refused: the original topic named"
                + " is the console's, Kafka's or a dead-letter topic" : "");
        redirect(exchange, "/dead-letters?topic=" + ConsolePages.url(topic) + "&outcome=" + ConsolePages.url(outcome));
    }

    private void login(HttpExchange exchange, Map<String, String> form) throws IOException {
        InetAddress remote = exchange.getRemoteAddress().getAddress();
        String address = remote.getHostAddress();
        String client = client(remote);
        Instant now = clock.instant();
        synchronized (failedLogins) {
            // forget minutes-old failures, and clients left with none, so the map holds the last minute only
            failedLogins.values().removeIf(failures -> {
                while (!failures.isEmpty() && Duration.between(failures.peekFirst(), now).toSeconds() >= 60) {
                    failures.removeFirst();
                }
                return failures.isEmpty();
            });
            Deque<Instant> failures = failedLogins.computeIfAbsent(client, a -> new ArrayDeque<>());
            if (failures.size() >= FAILED_LOGINS_PER_MINUTE) {
                exchange.getResponseHeaders().set("Retry-After", "60");
                text(exchange, 429, "Too Many Requests: too many failed logins, try again in a minute\n");
                return;
            }
            failures.addLast(now); // counted before the check, so parallel guesses cannot pass the limit together
        }
        Optional<String> operator = tokens.orElseThrow().operator(form.getOrDefault("token", ""));
        if (operator.isEmpty()) {
            LOG.warn("a failed operator login from {}", address);
            String page = ConsolePages.layout("Login", "login", "/assets/" + Assets.token() + "/",
                    new ConsolePages.Viewer(true, Optional.empty(), ""),
                    ConsolePages.login("That token is not valid.", ""));
            send(exchange, 403, "text/html; charset=utf-8", NO_CACHE, page.getBytes(StandardCharsets.UTF_8));
            return;
        }
        synchronized (failedLogins) {
            Deque<Instant> failures = failedLogins.get(client);
            if (failures != null) {
                failures.removeLastOccurrence(now);
            }
        }
        String id = randomToken();
        sessions.values().removeIf(s -> s.expires().isBefore(now));
        sessions.put(id, new Session(operator.get(), randomToken(), now.plus(SESSION_LIFETIME)));
        LOG.info("operator {} logged in from {}", operator.get(), address);
        exchange.getResponseHeaders().add("Set-Cookie", cookie(id, SESSION_LIFETIME.toSeconds()));
        redirect(exchange, "/partitions");
    }

    /**
     * Whom failed logins are counted for: an IPv4 address, or the /64 network of an IPv6 address, the block one
     * host usually holds whole, so rotating addresses within it does not multiply the guesses.
     */
    static String client(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (bytes.length == 16) {
            return HexFormat.of().formatHex(bytes, 0, 8) + "::/64";
        }
        return address.getHostAddress();
    }

    private OperatorCommand command(String kind, Map<String, String> form, String operator) {
        String group = required(form, "group");
        String topic = required(form, "topic");
        int partition = (int) whole(form, "partition", Integer.MAX_VALUE);
        UUID id = UUID.randomUUID();
        Instant now = clock.instant();
        return switch (kind) {
            case "pause" -> new OperatorCommand.Pause(id, now, operator, group, topic, partition);
            case "resume" -> new OperatorCommand.Resume(id, now, operator, group, topic, partition);
            default -> new OperatorCommand.MoveOffset(id, now, operator, group, topic, partition,
                    whole(form, "expected", Long.MAX_VALUE), whole(form, "target", Long.MAX_VALUE));
        };
    }

    /** A form field holding a whole number within 0..{@code max}; the message never repeats the value. */
    private static long whole(Map<String, String> form, String name, long max) {
        String value = required(form, name);
        long n;
        try {
            n = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the form field '" + name + "' is not a whole number");
        }
        if (n < 0 || n > max) {
            throw new IllegalArgumentException("the form field '" + name + "' is out of range");
        }
        return n;
    }

    private static String required(Map<String, String> form, String name) {
        String value = form.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("the form field '" + name + "' is missing");
        }
        return value.strip();
    }

    private ConsolePages.Viewer viewer(HttpExchange exchange) {
        Optional<Map.Entry<String, Session>> session = tokens.isPresent() ? session(exchange) : Optional.empty();
        return new ConsolePages.Viewer(tokens.isPresent(), session.map(s -> s.getValue().operator()),
                session.map(s -> s.getValue().csrf()).orElse(""));
    }

    private Optional<Map.Entry<String, Session>> session(HttpExchange exchange) {
        List<String> cookies = exchange.getRequestHeaders().getOrDefault("Cookie", List.of());
        for (String header : cookies) {
            for (String part : header.split(";")) {
                String p = part.strip();
                if (p.startsWith(COOKIE + "=")) {
                    String id = p.substring(COOKIE.length() + 1);
                    Session s = sessions.get(id);
                    if (s != null && s.expires().isAfter(clock.instant())) {
                        return Optional.of(Map.entry(id, s));
                    }
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Whether a POST comes from this console's own pages. A browser says so with {@code Sec-Fetch-Site}; one that
     * does not send it is judged by {@code Origin}, which must name this console ({@code null}, sent for opaque
     * origins, does not); a client that sends neither is not a browser, and a cross-site forgery needs a browser.
     */
    private boolean sameOrigin(HttpExchange exchange) {
        Headers h = exchange.getRequestHeaders();
        String origin = h.getFirst("Origin");
        String own = (secure ? "https://" : "http://") + h.getFirst("Host");
        if (origin != null && !origin.equals("null") && !origin.equalsIgnoreCase(own)) {
            return false;
        }
        String site = h.getFirst("Sec-Fetch-Site");
        if (site != null) {
            return site.equals("same-origin");
        }
        return origin == null || !origin.equals("null");
    }

    private boolean hostAllowed(String host) {
        return hosts.allows(host);
    }

    private String cookie(String value, long maxAge) {
        return COOKIE + "=" + value + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + maxAge
                + (secure ? "; Secure" : "");
    }

    private String randomToken() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static Map<String, String> form(HttpExchange exchange) throws IOException {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readNBytes(MAX_FORM_BYTES + 1);
        }
        if (body.length > MAX_FORM_BYTES) {
            return Map.of();
        }
        return query(new String(body, StandardCharsets.UTF_8));
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> values = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return values;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            try {
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                values.putIfAbsent(name, value);
            } catch (IllegalArgumentException e) {
                // a malformed escape: the pair is ignored
            }
        }
        return values;
    }

    private static String pageId(String path) {
        return path.equals("/") ? "overview" : path.substring(1);
    }

    private static void redirect(HttpExchange exchange, String location) throws IOException {
        exchange.getResponseHeaders().set("Location", location);
        send(exchange, 303, "text/plain; charset=utf-8", NO_CACHE, ("See " + location + "\n")
                .getBytes(StandardCharsets.UTF_8));
    }

    static void text(HttpExchange exchange, int status, String body) throws IOException {
        send(exchange, status, "text/plain; charset=utf-8", NO_CACHE, body.getBytes(StandardCharsets.UTF_8));
    }

    static void send(HttpExchange exchange, int status, String contentType, String cacheControl, byte[] body)
            throws IOException {
        Headers h = exchange.getResponseHeaders();
        h.set("Content-Type", contentType);
        h.set("Cache-Control", cacheControl);
        h.set("X-Content-Type-Options", "nosniff");
        // same-origin, not no-referrer: under no-referrer a browser sends "Origin: null" with the console's own forms
        h.set("Referrer-Policy", "same-origin");
        h.set("X-Frame-Options", "DENY");
        h.set("Content-Security-Policy", POLICY);
        if ("HEAD".equals(exchange.getRequestMethod())) {
            h.set("Content-Length", Integer.toString(body.length));
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
