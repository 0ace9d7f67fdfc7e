package io.sluice.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.dsl.Topology;
import io.sluice.web.DashboardContent;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * The dashboard on the application's own servlet server: its conditions, and a real server behind Spring Security
 * whose default header writer would set {@code Cache-Control: no-cache, no-store, ...} on every response that has
 * none.
 */
class SluiceDashboardServletTest {

    private static final String[] BASE_PROPERTIES = {"sluice.kafka.bootstrap-servers=127.0.0.1:1",
        "sluice.runtimes.orders.group-id=g", "sluice.commit-timeout=1s", "sluice.shutdown-timeout=1s"};

    private final WebApplicationContextRunner web = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SluiceAutoConfiguration.class,
                    SluiceDashboardAutoConfiguration.class))
            .withPropertyValues(BASE_PROPERTIES).withPropertyValues("sluice.auto-startup=false")
            .withBean("orders", Topology.class, () -> SluiceAutoConfigurationTest.topology("orders"));

    @Test
    void servedOnlyWhenEnabledInAServletApplicationWithSluiceWeb() {
        web.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("sluiceDashboardServlet"));
        web.withPropertyValues("sluice.dashboard.enabled=true").run(context -> {
            assertThat(context).hasNotFailed();
            ServletRegistrationBean<?> registration = registration(context);
            assertThat(registration.getUrlMappings()).containsExactly("/sluice/*");
            assertThat(registration.getServlet()).isInstanceOf(SluiceDashboardServlet.class);
        });
        web.withPropertyValues("sluice.dashboard.enabled=true", "sluice.dashboard.path=/ops/sluice")
                .run(context -> assertThat(registration(context).getUrlMappings())
                        .containsExactly("/ops/sluice/*"));
        web.withPropertyValues("sluice.dashboard.enabled=true", "sluice.dashboard.path=/sluice/")
                .run(context -> assertThat(context).hasFailed());
        web.withPropertyValues("sluice.dashboard.enabled=true")
                .withClassLoader(new FilteredClassLoader(DashboardContent.class))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("sluiceDashboardServlet"));
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(SluiceAutoConfiguration.class,
                        SluiceDashboardAutoConfiguration.class))
                .withPropertyValues(BASE_PROPERTIES).withPropertyValues("sluice.auto-startup=false",
                        "sluice.dashboard.enabled=true")
                .withBean("orders", Topology.class, () -> SluiceAutoConfigurationTest.topology("orders"))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("sluiceDashboardServlet"));
    }

    private static ServletRegistrationBean<?> registration(org.springframework.context.ApplicationContext context) {
        return (ServletRegistrationBean<?>) context.getBean("sluiceDashboardServlet");
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class SecuredApplication {
        @Bean
        Topology orders() {
            return SluiceAutoConfigurationTest.topology("orders");
        }

        /** A servlet of the application's that sets no Cache-Control: Spring Security's header writer sets one. */
        @Bean
        ServletRegistrationBean<HttpServlet> plainServlet() {
            return new ServletRegistrationBean<>(new HttpServlet() {
                private static final long serialVersionUID = 1L;

                @Override
                protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
                    response.setContentType("text/plain");
                    response.getWriter().write("plain");
                }
            }, "/plain/*");
        }
    }

    @Test
    void behindTheApplicationsSecurityTheAssetsKeepTheirImmutableCacheControl() throws Exception {
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(SecuredApplication.class)
                .web(WebApplicationType.SERVLET)
                .properties(BASE_PROPERTIES)
                .properties("server.port=0", "sluice.dashboard.enabled=true", "sluice.offsets.enabled=false",
                        "spring.security.user.name=ops", "spring.security.user.password=secret")
                .run()) {
            String root = "http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port");
            HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                    .connectTimeout(Duration.ofSeconds(10)).build();

            // the application's security guards the dashboard like any other path
            assertThat(get(http, root + "/sluice/orders/", false).statusCode()).isEqualTo(401);

            // and its header writer is at work: a response without a Cache-Control of its own gets Security's
            HttpResponse<String> elsewhere = get(http, root + "/plain/x", true);
            assertThat(elsewhere.body()).isEqualTo("plain");
            assertThat(elsewhere.headers().firstValue("Cache-Control")).hasValueSatisfying(
                    v -> assertThat(v).contains("no-store"));

            HttpResponse<String> index = get(http, root + "/sluice/", true);
            assertThat(index.statusCode()).isEqualTo(302);
            assertThat(index.headers().firstValue("Location")).hasValueSatisfying(
                    v -> assertThat(v).endsWith("/sluice/orders/"));

            HttpResponse<String> page = get(http, root + "/sluice/orders/", true);
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-cache");
            assertThat(page.body()).contains("data-state-url=\"/sluice/orders/api/state\"");
            Matcher css = Pattern.compile("href=\"(/sluice/orders/assets/[^/\"]+/dashboard\\.css)\"")
                    .matcher(page.body());
            assertThat(css.find()).as("the page links its stylesheet below the dashboard's path").isTrue();

            HttpResponse<String> asset = get(http, root + css.group(1), true);
            assertThat(asset.statusCode()).isEqualTo(200);
            assertThat(asset.headers().firstValue("Content-Type")).hasValueSatisfying(
                    v -> assertThat(v).startsWith("text/css"));
            assertThat(asset.headers().allValues("Cache-Control")).containsExactly("max-age=31536000, immutable");
            assertThat(asset.headers().firstValue("Pragma")).isEmpty();
            assertThat(asset.headers().firstValue("Expires")).isEmpty();

            HttpResponse<String> state = get(http, root + "/sluice/orders/api/state", true);
            assertThat(state.statusCode()).isEqualTo(200);
            assertThat(state.headers().firstValue("Cache-Control")).hasValue("no-cache");
            assertThat(state.body()).contains("\"topic\":\"orders\"");

            assertThat(get(http, root + "/sluice/payments/", true).statusCode()).isEqualTo(404);
            assertThat(get(http, root + "/sluice/orders/assets/0.0.1/dashboard.css", true).statusCode())
                    .isEqualTo(404);
        }
    }

    private static HttpResponse<String> get(HttpClient http, String url, boolean authenticated) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (authenticated) {
            request.header("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString("ops:secret".getBytes(StandardCharsets.UTF_8)));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
