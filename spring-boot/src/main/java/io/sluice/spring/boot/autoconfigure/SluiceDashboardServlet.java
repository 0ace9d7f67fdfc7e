package io.sluice.spring.boot.autoconfigure;

import io.sluice.web.DashboardContent;
import io.sluice.web.DashboardState;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * The dashboard of every runtime on the application's own servlet server, mapped to {@code <path>/*}: each
 * runtime's dashboard is at {@code <path>/<Topology bean name>/}, with sluice-web's routes, headers and guarantees
 * below it ({@link DashboardContent}); {@code <path>/} lists the runtimes, or redirects to the one there is.
 * Whatever guards the application's other servlets (Spring Security's filter chain) guards this one; the servlet
 * itself does no access control. Error texts are cut to {@code sluice.dashboard.max-error-length}.
 */
final class SluiceDashboardServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Duration REFRESH = Duration.ofSeconds(2);

    private final transient SluiceRuntimes runtimes;
    private final transient DashboardStates states;
    private final transient UnaryOperator<Map<String, Object>> view;
    /** Each runtime's content, by bean name, for its current state: a restarted runtime gets a new state. */
    private final transient Map<String, Content> contents = new ConcurrentHashMap<>();

    private record Content(DashboardState state, DashboardContent content) {
    }

    SluiceDashboardServlet(SluiceRuntimes runtimes, DashboardStates states, int maxErrorLength) {
        this.runtimes = runtimes;
        this.states = states;
        this.view = snapshot -> ErrorTexts.sanitized(snapshot, maxErrorLength);
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String method = request.getMethod();
        // the raw (still percent-encoded) path below the servlet's mapping, so no decoding can smuggle a traversal
        String mount = request.getContextPath() + request.getServletPath();
        String uri = request.getRequestURI();
        String rest = uri.startsWith(mount) ? uri.substring(mount.length()) : "";
        if (rest.isEmpty() || rest.equals("/")) {
            index(request, response, mount + "/");
            return;
        }
        int slash = rest.indexOf('/', 1);
        String name = URLDecoder.decode(slash < 0 ? rest.substring(1) : rest.substring(1, slash),
                StandardCharsets.UTF_8);
        if (!runtimes.topologies().containsKey(name)) {
            text(response, HttpServletResponse.SC_NOT_FOUND, "Not Found\n");
            return;
        }
        String base = mount + "/" + encode(name) + "/";
        if (slash < 0) {
            response.sendRedirect(base);
            return;
        }
        Optional<DashboardState> state = runtimes.runtime(name).flatMap(r -> states.state(name));
        if (state.isEmpty()) {
            text(response, HttpServletResponse.SC_NOT_FOUND, "The Sluice runtime of '" + name
                    + "' has not started\n");
            return;
        }
        DashboardContent content = contents.compute(name, (n, old) -> old != null && old.state() == state.get()
                ? old : new Content(state.get(), DashboardContent.of(state.get(), REFRESH, view))).content();
        send(request, response, content.respond(method, base, rest.substring(slash)));
    }

    /** Redirects to the one runtime's dashboard, or lists them all. */
    private void index(HttpServletRequest request, HttpServletResponse response, String base) throws IOException {
        if (!"GET".equals(request.getMethod()) && !"HEAD".equals(request.getMethod())) {
            response.setHeader("Allow", "GET, HEAD");
            text(response, HttpServletResponse.SC_METHOD_NOT_ALLOWED, "Method Not Allowed: this dashboard is "
                    + "read-only\n");
            return;
        }
        if (runtimes.topologies().size() == 1) {
            response.sendRedirect(base + encode(runtimes.topologies().keySet().iterator().next()) + "/");
            return;
        }
        StringBuilder html = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                + "<title>Sluice</title>\n</head>\n<body>\n<h1>Sluice runtimes</h1>\n<ul>\n");
        for (String name : runtimes.topologies().keySet()) {
            html.append("<li><a href=\"").append(escape(base + encode(name) + "/")).append("\">")
                    .append(escape(name)).append("</a></li>\n");
        }
        html.append("</ul>\n</body>\n</html>\n");
        response.setHeader("Cache-Control", "no-cache");
        response.setHeader("X-Content-Type-Options", "nosniff");
        write(request, response, HttpServletResponse.SC_OK, "text/html; charset=utf-8",
                html.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpServletRequest request, HttpServletResponse response, DashboardContent.Response r)
            throws IOException {
        // every header before the body: a header writer that fills in what is missing (Spring Security's
        // Cache-Control) then finds ours and leaves it
        r.headers().forEach((name, value) -> {
            if (!name.equals("Content-Type")) {
                response.setHeader(name, value);
            }
        });
        write(request, response, r.status(), r.header("Content-Type"), r.body());
    }

    private static void text(HttpServletResponse response, int status, String body) throws IOException {
        response.setHeader("Cache-Control", "no-cache");
        response.setStatus(status);
        response.setContentType("text/plain; charset=utf-8");
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        response.setContentLength(bytes.length);
        try (OutputStream out = response.getOutputStream()) {
            out.write(bytes);
        }
    }

    private static void write(HttpServletRequest request, HttpServletResponse response, int status,
                              String contentType, byte[] body) throws IOException {
        response.setStatus(status);
        response.setContentType(contentType);
        response.setContentLength(body.length);
        if ("HEAD".equals(request.getMethod())) {
            return;
        }
        try (OutputStream out = response.getOutputStream()) {
            out.write(body);
        }
    }

    private static String encode(String name) {
        return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;")
                .replace("'", "&#39;");
    }
}
