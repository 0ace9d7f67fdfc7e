package io.sluice.web.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A test's HTTP client of a running console: pages, an operator's login, and forms posted with the CSRF token. */
final class ConsoleClient {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");

    private final SluiceConsole console;
    private String cookie = "";

    ConsoleClient(SluiceConsole console) {
        this.console = console;
    }

    /** Logs in with {@code token}; later requests carry the session. */
    ConsoleClient login(String token) throws Exception {
        HttpResponse<String> login = HTTP.send(HttpRequest.newBuilder(console.url().resolve("/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("token=" + URLEncoder.encode(token, StandardCharsets.UTF_8)))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(303, login.statusCode(), login.body());
        cookie = login.headers().firstValue("set-cookie").orElseThrow().split(";")[0];
        return this;
    }

    /** The page at {@code path}. */
    String page(String path) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(console.url().resolve(path));
            if (!cookie.isEmpty()) {
                request.header("Cookie", cookie);
            }
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Posts {@code form} to {@code path} with the session's CSRF token; returns the redirect's location. */
    String post(String path, String form) throws Exception {
        Matcher csrf = CSRF.matcher(page("/"));
        assertTrue(csrf.find(), "a CSRF token: log in first");
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(console.url().resolve(path))
                .header("Cookie", cookie).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form + "&csrf=" + csrf.group(1))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(303, r.statusCode(), r.body());
        return r.headers().firstValue("location").orElseThrow();
    }

    /** The page at {@code path} once {@code wanted} holds for it (within 60 s). */
    String await(String path, Predicate<String> wanted) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            last = page(path);
            if (wanted.test(last)) {
                return last;
            }
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos()); // poll again
        }
        throw new AssertionError("not within 60 s on " + path + ":\n" + last);
    }
}
