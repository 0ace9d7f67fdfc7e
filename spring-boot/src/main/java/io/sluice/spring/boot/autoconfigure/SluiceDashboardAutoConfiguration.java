package io.sluice.spring.boot.autoconfigure;

import io.sluice.web.DashboardContent;
import io.sluice.web.DashboardSettings;
import jakarta.servlet.http.HttpServlet;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;

/**
 * The dashboard of every runtime on the application's own servlet server under {@code sluice.dashboard.path}
 * (default {@code /sluice}), when {@code sluice.dashboard.enabled=true}, the application is a servlet web application
 * and sluice-web is on the classpath. It is an ordinary servlet, so the application's security (Spring Security's
 * filter chain) guards it like any other path; the assets' {@code Cache-Control: max-age=31536000, immutable} is set
 * before the body, so Spring Security's header writer keeps it. Off by default, like Boot's H2 console: the
 * dashboard shows the application's topics, partitions and error texts.
 */
@AutoConfiguration(after = SluiceAutoConfiguration.class)
@ConditionalOnClass({HttpServlet.class, ServletRegistrationBean.class, DashboardContent.class})
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnBooleanProperty("sluice.dashboard.enabled")
@ConditionalOnBean(SluiceRuntimes.class)
@EnableConfigurationProperties(SluiceProperties.class)
public class SluiceDashboardAutoConfiguration {

    /** Keeps each runtime's dashboard state, attached before it starts. */
    @Bean
    @ConditionalOnMissingBean
    DashboardStates sluiceDashboardStates(SluiceProperties properties) {
        return new DashboardStates(DashboardSettings.defaults()
                .withRecentErrors(properties.dashboard().recentErrors()));
    }

    /** The servlet, mapped to {@code <sluice.dashboard.path>/*}. */
    @Bean
    @ConditionalOnMissingBean(name = "sluiceDashboardServlet")
    public ServletRegistrationBean<HttpServlet> sluiceDashboardServlet(SluiceRuntimes runtimes, DashboardStates states,
                                                                       SluiceProperties properties) {
        String path = properties.dashboard().path();
        if (!path.startsWith("/") || path.endsWith("/") || path.contains("*")) {
            throw new IllegalStateException("sluice.dashboard.path must start with '/' and end without one and hold "
                    + "no '*', was '" + path + "'");
        }
        ServletRegistrationBean<HttpServlet> registration = new ServletRegistrationBean<>(
                new SluiceDashboardServlet(runtimes, states, properties.dashboard().maxErrorLength()), path + "/*");
        registration.setName("sluiceDashboard");
        return registration;
    }
}
