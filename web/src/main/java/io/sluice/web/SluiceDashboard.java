package io.sluice.web;

import io.sluice.web.internal.Assets;
import io.sluice.web.internal.HostAllowList;
import io.sluice.web.internal.SluiceVersion;
import com.sun.net.httpserver.HttpServer;
import io.sluice.runtime.SluiceRuntime;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A read-only Web UI for one {@link SluiceRuntime}, served by the JDK's {@code com.sun.net.httpserver}: the
 * topology (topics, consumer, filter chain in order), every assigned partition (instance, state, position,
 * committed and marked offsets, the database offset where an offset manager keeps it, log end, lag, paused until,
 * last verdict), the runtime's counters and its recent errors. The page arrives with every table filled in and then
 * refreshes itself from {@code /api/state}.
 *
 * <pre>{@code
 * SluiceRuntime runtime = SluiceRuntime.create(topology, props);
 * try (SluiceDashboard dashboard = SluiceDashboard.start(runtime)) {   // before runtime.start(): it listens to events
 *     runtime.start();
 *     System.out.println("dashboard: " + dashboard.url());
 *     ...
 * }
 * }</pre>
 *
 * <p>Guarantees: it only reads (GET and HEAD; any other method gets 405); it binds 127.0.0.1 unless told
 * otherwise; assets are served under {@code /assets/<Sluice's version, for a snapshot with a hash of the assets>/} with
 * {@code Cache-Control: max-age=31536000, immutable} and pages and JSON with {@code no-cache}; every text it shows is
 * HTML-escaped on the server and set as text by the script; {@link #close()} is idempotent and never stops the
 * runtime.
 */
public final class SluiceDashboard implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SluiceDashboard.class);

    private final HttpServer server;
    private final ExecutorService threads;
    private final URI url;
    private final String runtimeName;
    private boolean closed;

    private SluiceDashboard(HttpServer server, ExecutorService threads, String runtimeName) {
        this.server = server;
        this.threads = threads;
        this.runtimeName = runtimeName;
        InetSocketAddress bound = server.getAddress();
        InetAddress address = bound.getAddress();
        String host = address.isAnyLocalAddress() ? InetAddress.getLoopbackAddress().getHostAddress()
                : address.getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        this.url = URI.create("http://" + host + ":" + bound.getPort() + "/");
    }

    /**
     * Starts a dashboard for {@code runtime} on 127.0.0.1 and a free port, with default settings.
     *
     * @throws IllegalStateException when the runtime is already started: the dashboard must register as its event
     *                               listener first (for last verdicts and recent errors)
     * @throws UncheckedIOException  when the port cannot be bound
     */
    public static SluiceDashboard start(SluiceRuntime runtime) {
        return start(runtime, DashboardSettings.defaults());
    }

    /**
     * Starts a dashboard for {@code runtime} on {@code address} and {@code port} ({@code 0}: a free one).
     *
     * @throws IllegalStateException when the runtime is already started
     * @throws UncheckedIOException  when the port cannot be bound
     */
    public static SluiceDashboard start(SluiceRuntime runtime, InetAddress address, int port) {
        return start(runtime, DashboardSettings.defaults().withAddress(address).withPort(port));
    }

    /**
     * Starts a dashboard for {@code runtime} with {@code settings}.
     *
     * @throws IllegalStateException when the runtime is already started
     * @throws UncheckedIOException  when the port cannot be bound
     */
    public static SluiceDashboard start(SluiceRuntime runtime, DashboardSettings settings) {
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(settings, "settings");
        EventLog events = new EventLog(settings.clock(), settings.recentErrors());
        try {
            runtime.listener(events);
        } catch (IllegalStateException e) {
            throw new IllegalStateException("start the dashboard before the runtime " + runtime.name()
                    + ": it listens to the runtime's events", e);
        }
        return start(RuntimeView.of(runtime), events, settings);
    }

    /** Starts a dashboard over any view; {@code events} must receive the runtime's events. */
    static SluiceDashboard start(RuntimeView view, EventLog events, DashboardSettings settings) {
        DashboardModel model = new DashboardModel(view, events, settings, SluiceVersion.read());
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(settings.address(), settings.port()), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("the dashboard cannot bind " + settings.address().getHostAddress() + ":"
                    + settings.port(), e);
        }
        AtomicInteger n = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "sluice-dashboard-" + view.name() + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.createContext("/", new DashboardHandler(new DashboardRoutes(model, new Assets(),
                settings.refreshInterval().toMillis(), UnaryOperator.identity()),
                HostAllowList.of(settings.address(), settings.publicHosts())));
        server.setExecutor(threads);
        server.start();
        SluiceDashboard dashboard = new SluiceDashboard(server, threads, view.name());
        LOG.info("dashboard of {} at {} (version {})", view.name(), dashboard.url, model.version());
        return dashboard;
    }

    /** The page's URL, e.g. {@code http://127.0.0.1:43127/}. */
    public URI url() {
        return url;
    }

    /** The bound address and port. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** Stops serving at once; the runtime goes on. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.stop(0);
        threads.shutdownNow();
        LOG.info("dashboard of {} closed", runtimeName);
    }
}
