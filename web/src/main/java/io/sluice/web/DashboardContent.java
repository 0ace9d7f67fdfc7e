package io.sluice.web;

import io.sluice.web.internal.Assets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * The dashboard of one runtime — its page, its JSON state and its assets — as plain responses, for hosts that serve
 * it with their own HTTP server (a servlet container under Spring Boot) rather than {@link SluiceDashboard}'s. The
 * routes, headers and guarantees are {@link SluiceDashboard}'s, below a base path of the host's choosing:
 * {@code <base>} is the page, {@code <base>api/state} the JSON, {@code <base>assets/<Sluice's version (a snapshot's with a hash of the assets)>/<name>} the
 * assets with {@code Cache-Control: max-age=31536000, immutable} (pages and JSON: {@code no-cache}); only GET and HEAD
 * are answered (anything else: 405); every other path is 404.
 *
 * <p>It does no access control: the host decides who may reach it. Thread-safe; immutable.
 */
public final class DashboardContent {

    private final DashboardRoutes routes;

    private DashboardContent(DashboardRoutes routes) {
        this.routes = routes;
    }

    /**
     * What one request gets.
     *
     * @param status  the HTTP status
     * @param headers the headers to set, in order ({@code Content-Type}, {@code Cache-Control} and the security
     *                headers); never {@code Content-Length}, which is the body's length
     * @param body    the body GET gets; a HEAD response sends the same headers and length and no body
     */
    public record Response(int status, Map<String, String> headers, byte[] body) {

        /** Freezes the headers. */
        public Response {
            headers = Map.copyOf(headers);
            Objects.requireNonNull(body, "body");
        }

        /** The value of header {@code name} (exact name as listed), or {@code null}. */
        public String header(String name) {
            return headers.get(name);
        }
    }

    /**
     * The dashboard over {@code state}, refreshing every {@code refreshInterval}, showing every snapshot through
     * {@code view} (the identity shows it as it is; a host may mask or cut error texts).
     */
    public static DashboardContent of(DashboardState state, Duration refreshInterval,
                                      UnaryOperator<Map<String, Object>> view) {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(view, "view");
        if (refreshInterval.toMillis() < 100) {
            throw new IllegalArgumentException("refreshInterval must be at least 100 ms, was " + refreshInterval);
        }
        return new DashboardContent(new DashboardRoutes(state.model(), new Assets(), refreshInterval.toMillis(),
                view));
    }

    /**
     * The response to {@code method} on {@code path}.
     *
     * @param method the HTTP method
     * @param base   the absolute path the dashboard is served under, context path included, ending with {@code /}
     *               (e.g. {@code /app/sluice/orders/}): the page's links start with it
     * @param path   the raw (still percent-encoded) path below {@code base}, starting with {@code /}
     *               ({@code /} is the page); {@code null} answers 404
     */
    public Response respond(String method, String base, String path) {
        Objects.requireNonNull(method, "method");
        if (base == null || !base.startsWith("/") || !base.endsWith("/")) {
            throw new IllegalArgumentException("base must start and end with '/', was " + base);
        }
        DashboardRoutes.Response r = routes.route(method, path, base);
        return new Response(r.status(), r.headers(), r.body());
    }
}
