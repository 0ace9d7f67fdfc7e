package io.sluice.web;

import io.sluice.web.internal.Assets;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.sluice.web.internal.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes every request of the dashboard's one HTTP context, on the raw (still percent-encoded) path:
 * <ul>
 *   <li>{@code /} — the page, {@code text/html}, {@code Cache-Control: no-cache};</li>
 *   <li>{@code /api/state} — the state as JSON, {@code Cache-Control: no-cache};</li>
 *   <li>{@code /assets/<version>/<name>} — a static file of this version, cached for a year and immutable: an
 *       upgrade changes every asset URL;</li>
 *   <li>anything else, an asset of another version, an unknown asset or a path-traversal attempt — 404.</li>
 * </ul>
 * Only GET and HEAD are served; any other method gets 405 with {@code Allow: GET, HEAD}. HEAD answers with the
 * headers GET would send, {@code Content-Length} included, and no body.
 */
final class DashboardHandler implements HttpHandler {

    static final String NO_CACHE = "no-cache";
    static final String FOREVER = "max-age=31536000, immutable";
    private static final Logger LOG = LoggerFactory.getLogger(DashboardHandler.class);
    private static final String SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self';"
            + " img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final DashboardModel model;
    private final Assets assets;
    private final long refreshMillis;
    private final String assetPrefix;

    DashboardHandler(DashboardModel model, Assets assets, long refreshMillis) {
        this.model = model;
        this.assets = assets;
        this.refreshMillis = refreshMillis;
        this.assetPrefix = "/assets/" + model.version() + "/";
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getRawPath();
            LOG.trace("{} {}", method, path);
            if (!"GET".equals(method) && !"HEAD".equals(method)) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                text(exchange, 405, "Method Not Allowed: this dashboard is read-only\n");
                return;
            }
            if (path == null) {
                text(exchange, 404, "Not Found\n");
            } else if (path.equals("/")) {
                String page = HtmlPage.render(model.snapshot(), model.version(), refreshMillis);
                send(exchange, 200, "text/html; charset=utf-8", NO_CACHE, page.getBytes(StandardCharsets.UTF_8));
            } else if (path.equals("/api/state")) {
                send(exchange, 200, "application/json; charset=utf-8", NO_CACHE,
                        Json.write(model.snapshot()).getBytes(StandardCharsets.UTF_8));
            } else if (path.startsWith(assetPrefix)) {
                Optional<Assets.Asset> asset = assets.find(path.substring(assetPrefix.length()));
                if (asset.isPresent()) {
                    send(exchange, 200, asset.get().contentType(), FOREVER, asset.get().bytes());
                } else {
                    text(exchange, 404, "Not Found\n");
                }
            } else {
                text(exchange, 404, "Not Found\n");
            }
        } catch (IOException e) {
            LOG.debug("dashboard request failed: {}", e.toString()); // the browser went away
        } catch (RuntimeException e) {
            LOG.warn("dashboard request {} failed", exchange.getRequestURI(), e);
            try {
                text(exchange, 500, "Internal Server Error\n");
            } catch (IOException | RuntimeException ignored) {
                // the headers were sent already: the connection is closed as it is
            }
        }
    }

    private static void text(HttpExchange exchange, int status, String body) throws IOException {
        send(exchange, status, "text/plain; charset=utf-8", NO_CACHE, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange exchange, int status, String contentType, String cacheControl,
                             byte[] body) throws IOException {
        Headers h = exchange.getResponseHeaders();
        h.set("Content-Type", contentType);
        h.set("Cache-Control", cacheControl);
        h.set("X-Content-Type-Options", "nosniff");
        h.set("Referrer-Policy", "no-referrer");
        h.set("Content-Security-Policy", SECURITY_POLICY);
        if ("HEAD".equals(exchange.getRequestMethod())) {
            // the server sends no Content-Length for HEAD by itself: state what GET would send
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
