package io.sluice.spring.boot.autoconfigure;

import io.sluice.web.DashboardSettings;
import io.sluice.web.DashboardState;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The read-only {@link SluiceEndpoint} ({@code sluice}), when Actuator and sluice-web are on the classpath and the
 * endpoint is available (exposed over some technology and not disabled).
 */
@AutoConfiguration(after = SluiceAutoConfiguration.class)
@ConditionalOnClass({Endpoint.class, DashboardState.class, ConditionalOnAvailableEndpoint.class})
@ConditionalOnBean(SluiceRuntimes.class)
@ConditionalOnAvailableEndpoint(SluiceEndpoint.class)
@EnableConfigurationProperties({SluiceEndpointProperties.class, SluiceProperties.class})
public class SluiceEndpointAutoConfiguration {

    /** Keeps each runtime's dashboard state, attached before it starts. */
    @Bean
    @ConditionalOnMissingBean
    DashboardStates sluiceDashboardStates(SluiceProperties properties) {
        return new DashboardStates(DashboardSettings.defaults()
                .withRecentErrors(properties.dashboard().recentErrors()));
    }

    /** The endpoint. */
    @Bean
    @ConditionalOnMissingBean
    public SluiceEndpoint sluiceEndpoint(SluiceRuntimes runtimes, DashboardStates states,
                                         SluiceEndpointProperties endpoint, SluiceProperties properties) {
        return new SluiceEndpoint(runtimes, states, endpoint.getShowValues(), endpoint.getRoles(),
                properties.dashboard().maxErrorLength());
    }
}
