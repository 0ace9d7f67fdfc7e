package io.sluice.web;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.sluice.web.internal.HostAllowList;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the dashboard's one HTTP context on the JDK's HTTP server, routed by {@link DashboardRoutes} on the raw
 * (still percent-encoded) path at the server's root. A request whose {@code Host} is not one of the dashboard's
 * names (see {@link HostAllowList}) gets 421 and nothing else, so a DNS-rebinding page cannot read it. HEAD
 * answers with the headers GET would send, {@code Content-Length} included, and no body.
 */
final class DashboardHandler implements HttpHandler {

    private static final Logger LOG = LoggerFactory.getLogger(DashboardHandler.class);

    private final DashboardRoutes routes;
    private final HostAllowList hosts;

    DashboardHandler(DashboardRoutes routes, HostAllowList hosts) {
        this.routes = routes;
        this.hosts = hosts;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getRawPath();
            LOG.trace("{} {}", method, path);
            if (!hosts.allows(exchange.getRequestHeaders().getFirst("Host"))) {
                send(exchange, DashboardRoutes.text(421, "Misdirected Request: this dashboard does not answer for"
                        + " that host\n"));
                return;
            }
            send(exchange, routes.route(method, path, "/"));
        } catch (IOException e) {
            LOG.debug("dashboard request failed: {}", e.toString()); // the browser went away
        } catch (RuntimeException e) {
            LOG.warn("dashboard request {} failed", exchange.getRequestURI(), e);
            try {
                send(exchange, DashboardRoutes.text(500, "Internal Server Error\n"));
            } catch (IOException | RuntimeException ignored) {
                // the headers were sent already: the connection is closed as it is
            }
        }
    }

    private static void send(HttpExchange exchange, DashboardRoutes.Response response) throws IOException {
        Headers h = exchange.getResponseHeaders();
        for (Map.Entry<String, String> e : response.headers().entrySet()) {
            h.set(e.getKey(), e.getValue());
        }
        byte[] body = response.body();
        if ("HEAD".equals(exchange.getRequestMethod())) {
            // the server sends no Content-Length for HEAD by itself: state what GET would send
            h.set("Content-Length", Integer.toString(body.length));
            exchange.sendResponseHeaders(response.status(), -1);
            return;
        }
        exchange.sendResponseHeaders(response.status(), body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
