package io.sluice.spring.boot.autoconfigure;

import io.sluice.runtime.SluiceRuntime;
import io.sluice.web.DashboardSettings;
import io.sluice.web.SluiceDashboard;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;

/**
 * The standalone dashboard server of every runtime (sluice-web on the JDK's HTTP server), on when
 * {@code sluice.dashboard.port} is 0 or more: a runtime started anew gets a new dashboard, the old one is closed, and
 * all close with the context.
 */
final class StandaloneDashboards implements SluiceRuntimeCustomizer, DisposableBean {

    private static final Logger LOG = LoggerFactory.getLogger(StandaloneDashboards.class);

    private final DashboardSettings settings;
    private final Map<String, SluiceDashboard> dashboards = new ConcurrentHashMap<>();

    StandaloneDashboards(DashboardSettings settings) {
        this.settings = settings;
    }

    @Override
    public void customize(String topologyBeanName, SluiceRuntime runtime) {
        SluiceDashboard dashboard = SluiceDashboard.start(runtime, settings);
        SluiceDashboard previous = dashboards.put(topologyBeanName, dashboard);
        if (previous != null) {
            previous.close();
        }
        LOG.info("dashboard of the Sluice runtime of bean '{}': {}", topologyBeanName, dashboard.url());
    }

    /** The dashboard of the runtime of {@code topologyBeanName}, if one was started. */
    SluiceDashboard dashboard(String topologyBeanName) {
        return dashboards.get(topologyBeanName);
    }

    @Override
    public void destroy() {
        dashboards.values().forEach(SluiceDashboard::close);
        dashboards.clear();
    }
}
