package io.sluice.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.dsl.Topology;
import io.sluice.web.DashboardState;
import java.security.Principal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The conditions of the health contributor and the endpoint, and the endpoint's show-values rules. */
class SluiceActuatorAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SluiceAutoConfiguration.class,
                    SluiceHealthAutoConfiguration.class, SluiceEndpointAutoConfiguration.class))
            .withPropertyValues("sluice.kafka.bootstrap-servers=127.0.0.1:1", "sluice.auto-startup=false",
                    "sluice.runtimes.orders.group-id=g", "sluice.commit-timeout=1s", "sluice.shutdown-timeout=1s");

    private ApplicationContextRunner withOrders() {
        return runner.withBean("orders", Topology.class, () -> SluiceAutoConfigurationTest.topology("orders"));
    }

    @Test
    void oneHealthIndicatorPerRuntimeUpWhileStopped() {
        withOrders().run(context -> {
            CompositeHealthContributor sluice = (CompositeHealthContributor) context.getBean(
                    "sluiceHealthContributor");
            HealthIndicator orders = (HealthIndicator) sluice.getContributor("orders");
            Health health = orders.health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("running", false);
            assertThat(sluice.stream().map(c -> c.name()).toList()).containsExactly("orders");
        });
    }

    @Test
    void noHealthContributorWithoutTopologiesOrWhenDisabledOrWithoutBootHealth() {
        runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("sluiceHealthContributor"));
        withOrders().withPropertyValues("management.health.sluice.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean("sluiceHealthContributor"));
        withOrders().withClassLoader(new FilteredClassLoader(HealthIndicator.class))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("sluiceHealthContributor"));
    }

    @Test
    void theApplicationsOwnHealthContributorWins() {
        HealthIndicator mine = () -> Health.outOfService().build();
        withOrders().withBean("sluiceHealthContributor", HealthContributor.class, () -> mine)
                .run(context -> assertThat(context.getBean("sluiceHealthContributor")).isSameAs(mine));
    }

    @Test
    void theEndpointIsThereOnlyWhenExposed() {
        withOrders().run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(SluiceEndpoint.class));
        withOrders().withPropertyValues("management.endpoints.web.exposure.include=sluice")
                .run(context -> {
                    assertThat(context).hasSingleBean(SluiceEndpoint.class);
                    assertThat(context.getBean(SluiceEndpoint.class).sluice(SecurityContext.NONE))
                            .isEqualTo(Map.of("runtimes", Map.of("orders", Map.of("status", "stopped"))));
                });
        withOrders().withPropertyValues("management.endpoints.web.exposure.include=sluice")
                .withClassLoader(new FilteredClassLoader(DashboardState.class))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(SluiceEndpoint.class));
    }

    @Test
    void errorTextsAreMaskedUnlessShownAndThenCut() {
        withOrders().withPropertyValues("management.endpoints.web.exposure.include=sluice",
                        "management.endpoint.sluice.show-values=when-authorized",
                        "management.endpoint.sluice.roles=ops", "sluice.dashboard.max-error-length=10")
                .run(context -> {
                    SluiceEndpoint endpoint = context.getBean(SluiceEndpoint.class);
                    assertThat(endpoint.shows(SecurityContext.NONE)).isFalse();
                    assertThat(endpoint.shows(caller("dev"))).isFalse();
                    assertThat(endpoint.shows(caller("ops"))).isTrue();
                    Map<String, Object> snapshot = Map.of("errors",
                            List.of(Map.of("kind", "INFRASTRUCTURE", "error", "jdbc:postgresql://db/secret failed")));
                    assertThat(endpoint.sanitized(snapshot, false).get("errors"))
                            .isEqualTo(List.of(Map.of("kind", "INFRASTRUCTURE", "error", "******")));
                    assertThat(endpoint.sanitized(snapshot, true).get("errors"))
                            .isEqualTo(List.of(Map.of("kind", "INFRASTRUCTURE", "error", "jdbc:postg…")));
                });
        withOrders().withPropertyValues("management.endpoints.web.exposure.include=sluice")
                .run(context -> assertThat(context.getBean(SluiceEndpoint.class).shows(caller("ops")))
                        .as("never, by default").isFalse());
    }

    private static SecurityContext caller(String role) {
        return new SecurityContext() {
            @Override
            public Principal getPrincipal() {
                return () -> "user";
            }

            @Override
            public boolean isUserInRole(String r) {
                return r.equals(role);
            }
        };
    }

    @Test
    void theStandaloneDashboardIsOffUnlessAPortIsSet() throws Exception {
        withOrders().run(context -> assertThat(context).doesNotHaveBean(StandaloneDashboards.class));
        withOrders().withClassLoader(new FilteredClassLoader("io.sluice.web"))
                .withPropertyValues("sluice.dashboard.port=0")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(StandaloneDashboards.class));
        withOrders().withPropertyValues("sluice.dashboard.port=0").run(context -> {
            StandaloneDashboards dashboards = context.getBean(StandaloneDashboards.class);
            context.getBean(SluiceRuntimes.class).start();
            java.net.URI url = dashboards.dashboard("orders").url();
            java.net.HttpURLConnection c = (java.net.HttpURLConnection) url.resolve("api/state").toURL()
                    .openConnection();
            assertThat(c.getResponseCode()).isEqualTo(200);
            c.disconnect();
        });
    }

    @Test
    void aMetricsCustomizerWithMicrometerAndNoneWithout() {
        withOrders().withConfiguration(AutoConfigurations.of(SluiceMetricsAutoConfiguration.class))
                .run(context -> assertThat(context).hasBean("sluiceMetricsCustomizer"));
        withOrders().withConfiguration(AutoConfigurations.of(SluiceMetricsAutoConfiguration.class))
                .withClassLoader(new FilteredClassLoader("io.micrometer.core"))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("sluiceMetricsCustomizer"));
    }
}
