package io.sluice.spring.boot.autoconfigure;

import io.sluice.dsl.Topology;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The {@code sluice} health contributor: one {@link SluiceHealthIndicator} per runtime, named after its Topology
 * bean. It is in no health group by default (neither liveness nor readiness); add it to readiness with
 * {@code management.endpoint.health.group.readiness.include=readinessState,sluice}. Off with
 * {@code management.health.sluice.enabled=false}.
 */
@AutoConfiguration(after = SluiceAutoConfiguration.class,
        beforeName = "org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration")
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean({SluiceRuntimes.class, Topology.class})
@ConditionalOnEnabledHealthIndicator("sluice")
public class SluiceHealthAutoConfiguration {

    /** Named so that the contributor is {@code sluice}. */
    @Bean
    @ConditionalOnMissingBean(name = "sluiceHealthContributor")
    public HealthContributor sluiceHealthContributor(SluiceRuntimes runtimes) {
        Map<String, HealthIndicator> indicators = new LinkedHashMap<>();
        for (String name : runtimes.topologies().keySet()) {
            indicators.put(name, new SluiceHealthIndicator(runtimes, name));
        }
        return CompositeHealthContributor.fromMap(indicators);
    }
}
