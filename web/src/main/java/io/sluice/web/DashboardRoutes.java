package io.sluice.web;

import io.sluice.web.internal.Assets;
import io.sluice.web.internal.Json;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The dashboard's routes, free of any HTTP server: given a method and a path below the dashboard's base, the status,
 * headers and body to send. {@link DashboardHandler} serves them on the JDK's HTTP server and
 * {@link DashboardContent} hands them to other hosts, so both answer alike:
 * <ul>
 *   <li>{@code /} — the page, {@code text/html}, {@code Cache-Control: no-cache};</li>
 *   <li>{@code /api/state} — the state as JSON, {@code Cache-Control: no-cache};</li>
 *   <li>{@code /assets/<token>/<name>} — a static file of this build ({@link Assets#token()}), cached for a year and immutable: an
 *       upgrade changes every asset URL;</li>
 *   <li>anything else, an asset of another version, an unknown asset or a path-traversal attempt — 404.</li>
 * </ul>
 * Only GET and HEAD are served; any other method gets 405 with {@code Allow: GET, HEAD}. The body is always the one
 * GET would send; a host answering HEAD sends the headers and {@code Content-Length} of it, and no body.
 */
final class DashboardRoutes {

    static final String NO_CACHE = "no-cache";
    static final String FOREVER = "max-age=31536000, immutable";
    private static final String SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self';"
            + " img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /** What to send: the status, the headers in order and the body GET would get. */
    record Response(int status, Map<String, String> headers, byte[] body) {
    }

    private final DashboardModel model;
    private final Assets assets;
    private final long refreshMillis;
    private final String assetPrefix;
    private final UnaryOperator<Map<String, Object>> view;

    /**
     * @param view what the page and the JSON show of each snapshot (e.g. error texts cut short); the identity shows
     *             it as it is
     */
    DashboardRoutes(DashboardModel model, Assets assets, long refreshMillis, UnaryOperator<Map<String, Object>> view) {
        this.model = model;
        this.assets = assets;
        this.refreshMillis = refreshMillis;
        this.assetPrefix = "/assets/" + Assets.token() + "/";
        this.view = view;
    }

    /**
     * The response to {@code method} on {@code path}.
     *
     * @param path the raw (still percent-encoded) path below the base, starting with {@code /}; {@code null} is not
     *             found
     * @param base the absolute path the dashboard is served under, ending with {@code /}: the page's links start
     *             with it
     */
    Response route(String method, String path, String base) {
        if (!"GET".equals(method) && !"HEAD".equals(method)) {
            Response r = text(405, "Method Not Allowed: this dashboard is read-only\n");
            r.headers().put("Allow", "GET, HEAD");
            return r;
        }
        if (path == null) {
            return text(404, "Not Found\n");
        } else if (path.equals("/")) {
            String page = HtmlPage.render(view.apply(model.snapshot()), Assets.token(), refreshMillis, base);
            return response(200, "text/html; charset=utf-8", NO_CACHE, page.getBytes(StandardCharsets.UTF_8));
        } else if (path.equals("/api/state")) {
            return response(200, "application/json; charset=utf-8", NO_CACHE,
                    Json.write(view.apply(model.snapshot())).getBytes(StandardCharsets.UTF_8));
        } else if (path.startsWith(assetPrefix)) {
            Optional<Assets.Asset> asset = assets.find(path.substring(assetPrefix.length()));
            if (asset.isPresent()) {
                return response(200, asset.get().contentType(), FOREVER, asset.get().bytes());
            }
        }
        return text(404, "Not Found\n");
    }

    /** A plain-text response, never cached. */
    static Response text(int status, String body) {
        return response(status, "text/plain; charset=utf-8", NO_CACHE, body.getBytes(StandardCharsets.UTF_8));
    }

    private static Response response(int status, String contentType, String cacheControl, byte[] body) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Content-Type", contentType);
        h.put("Cache-Control", cacheControl);
        h.put("X-Content-Type-Options", "nosniff");
        h.put("Referrer-Policy", "no-referrer");
        h.put("Content-Security-Policy", SECURITY_POLICY);
        return new Response(status, h, body);
    }
}
