/**
 * A read-only Web UI for a running Sluice runtime, on the JDK's own {@code com.sun.net.httpserver}: start it with
 * {@link io.sluice.web.SluiceDashboard#start(io.sluice.runtime.SluiceRuntime)}. Everything but
 * {@link io.sluice.web.SluiceDashboard}, {@link io.sluice.web.DashboardSettings}, {@link io.sluice.web.DashboardState}
 * and {@link io.sluice.web.DashboardContent} (the last two for hosts that serve the dashboard themselves) is
 * package-private machinery.
 */
package io.sluice.web;
