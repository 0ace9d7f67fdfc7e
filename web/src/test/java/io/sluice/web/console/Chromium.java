package io.sluice.web.console;

import io.sluice.web.internal.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * Headless Chromium driven over the Chrome DevTools protocol on {@code java.net.http.WebSocket}: no driver binary,
 * no library. Enough for a test that navigates, clicks, fills in forms, reads the page and takes screenshots.
 */
final class Chromium implements AutoCloseable {

    private static final List<Path> BINARIES = List.of(Path.of("/usr/bin/chromium"),
            Path.of("/usr/bin/chromium-browser"));
    private static final Duration LIMIT = Duration.ofSeconds(30);

    private final Process process;
    private final Path profile;
    private final Map<Long, CompletableFuture<Map<?, ?>>> pending;
    private final WebSocket socket;
    private final AtomicLong ids = new AtomicLong();

    private Chromium(Process process, Path profile, Map<Long, CompletableFuture<Map<?, ?>>> pending,
                     WebSocket socket) {
        this.process = process;
        this.profile = profile;
        this.pending = pending;
        this.socket = socket;
    }

    /** The installed binary, if any. */
    static Optional<Path> binary() {
        return BINARIES.stream().filter(Files::isExecutable).findFirst();
    }

    /** Starts a browser on a fresh profile and attaches to its first page. */
    static Chromium start(Path binary) throws Exception {
        Path profile = Files.createTempDirectory("sluice-cdp-");
        Process process = new ProcessBuilder(binary.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--hide-scrollbars", "--remote-debugging-port=0", "--user-data-dir=" + profile,
                "--window-size=1280,900", "about:blank")
                .redirectErrorStream(true).redirectOutput(profile.resolve("chromium.log").toFile()).start();
        Path portFile = profile.resolve("DevToolsActivePort");
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (!Files.exists(portFile) || Files.readAllLines(portFile).size() < 2) {
            if (System.nanoTime() > deadline || !process.isAlive()) {
                process.destroyForcibly();
                throw new IllegalStateException("Chromium did not open its DevTools port: "
                        + Files.readString(profile.resolve("chromium.log")));
            }
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos()); // poll again
        }
        int port = Integer.parseInt(Files.readAllLines(portFile).get(0).strip());
        HttpClient http = HttpClient.newHttpClient();
        String pageSocket = null;
        while (pageSocket == null) {
            String list = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
            for (Object target : (List<?>) Json.read(list)) {
                if (target instanceof Map<?, ?> t && "page".equals(t.get("type"))) {
                    pageSocket = (String) t.get("webSocketDebuggerUrl");
                }
            }
            if (pageSocket == null && System.nanoTime() > deadline) {
                throw new IllegalStateException("Chromium has no page target");
            }
        }
        Map<Long, CompletableFuture<Map<?, ?>>> pending = new ConcurrentHashMap<>();
        WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create(pageSocket), new WebSocket.Listener() {
            private final StringBuilder message = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                message.append(data);
                if (last) {
                    Object parsed = Json.read(message.toString());
                    message.setLength(0);
                    if (parsed instanceof Map<?, ?> m && m.get("id") instanceof Long id) {
                        CompletableFuture<Map<?, ?>> f = pending.remove(id);
                        if (f != null) {
                            f.complete(m);
                        }
                    }
                }
                webSocket.request(1);
                return null;
            }
        }).get(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        return new Chromium(process, profile, pending, socket);
    }

    /** Sends a DevTools command and waits for its result. */
    Map<?, ?> call(String method, Map<String, Object> params) throws Exception {
        long id = ids.incrementAndGet();
        CompletableFuture<Map<?, ?>> answer = new CompletableFuture<>();
        pending.put(id, answer);
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("id", id);
        message.put("method", method);
        message.put("params", params);
        socket.sendText(Json.write(message), true).get(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        Map<?, ?> reply = answer.get(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        if (reply.get("error") != null) {
            throw new IllegalStateException(method + " failed: " + reply.get("error"));
        }
        return (Map<?, ?>) reply.get("result");
    }

    /** The value of a JavaScript expression in the page. */
    Object eval(String expression) throws Exception {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("expression", expression);
        params.put("returnByValue", true);
        params.put("awaitPromise", true);
        Map<?, ?> result = call("Runtime.evaluate", params);
        if (result.get("exceptionDetails") != null) {
            throw new IllegalStateException("the page threw on " + expression + ": " + result.get("exceptionDetails"));
        }
        return ((Map<?, ?>) result.get("result")).get("value");
    }

    /** Opens {@code url} and waits until the page has loaded. */
    void open(URI url) throws Exception {
        call("Page.navigate", Map.of("url", url.toString()));
        awaitLoaded(url.toString());
    }

    /** Clicks the first element matching {@code selector} (a link or a submit button) and waits for the new page. */
    void click(String selector) throws Exception {
        String before = String.valueOf(eval("String(performance.timeOrigin)"));
        Object found = eval("(() => { const e = document.querySelector(" + Json.write(selector) + ");"
                + " if (!e) { return false; } e.click(); return true; })()");
        if (!Boolean.TRUE.equals(found)) {
            throw new IllegalStateException("nothing to click at " + selector + " on " + text("body"));
        }
        await("a new page after clicking " + selector, () -> {
            Object origin = eval("String(performance.timeOrigin)");
            return !before.equals(origin) && "complete".equals(eval("document.readyState"));
        });
    }

    /** Sets the value of the field matching {@code selector}. */
    void fill(String selector, String value) throws Exception {
        Object found = eval("(() => { const e = document.querySelector(" + Json.write(selector) + ");"
                + " if (!e) { return false; } e.value = " + Json.write(value) + "; return true; })()");
        if (!Boolean.TRUE.equals(found)) {
            throw new IllegalStateException("no field " + selector);
        }
    }

    /** The text content of the first element matching {@code selector}, empty when there is none. */
    String text(String selector) throws Exception {
        Object t = eval("(() => { const e = document.querySelector(" + Json.write(selector) + ");"
                + " return e ? e.textContent : ''; })()");
        return String.valueOf(t);
    }

    /** The page's HTML now. */
    String html() throws Exception {
        return String.valueOf(eval("document.documentElement.outerHTML"));
    }

    /** Reloads the page until {@code wanted} holds for its HTML; returns that HTML. */
    String reloadUntil(String what, Predicate<String> wanted, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            String html = html();
            if (wanted.test(html)) {
                return html;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + limit + ": " + what + "\n" + html);
            }
            String url = String.valueOf(eval("location.href"));
            open(URI.create(url));
            LockSupport.parkNanos(Duration.ofMillis(200).toNanos()); // poll again
        }
    }

    /** Saves a PNG screenshot of the viewport to {@code file}. */
    void screenshot(Path file) throws Exception {
        Map<?, ?> shot = call("Page.captureScreenshot", Map.of("format", "png"));
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, Base64.getDecoder().decode((String) shot.get("data")));
    }

    private void awaitLoaded(String url) throws Exception {
        await("the page " + url + " to load", () -> "complete".equals(eval("document.readyState"))
                && !"about:blank".equals(eval("location.href")));
    }

    private interface Check {
        boolean holds() throws Exception;
    }

    private static void await(String what, Check check) throws Exception {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (!holds(check)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + LIMIT + ": " + what);
            }
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos()); // poll again
        }
    }

    /** Whether the check holds; a page between two documents (its context gone mid-call) does not yet. */
    private static boolean holds(Check check) {
        try {
            return check.holds();
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        socket.abort();
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        try (var files = Files.walk(profile)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
