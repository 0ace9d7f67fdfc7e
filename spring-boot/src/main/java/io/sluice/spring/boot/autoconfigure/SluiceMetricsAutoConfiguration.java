package io.sluice.spring.boot.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.sluice.runtime.ConsumerListener;
import io.sluice.runtime.metrics.SluiceMetrics;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Sluice's Micrometer meters ({@link SluiceMetrics}) for every runtime, in the context's {@link MeterRegistry}
 * (Actuator's), tagged {@code runtime=<Topology bean name>}, and the Kafka consumers' own client metrics
 * ({@code KafkaClientMetrics}, {@code kafka.consumer.*}) per instance, through a {@link ConsumerListener} bean the
 * runtimes' settings pick up. The registry is looked up when a runtime or consumer is created, so the order
 * against Boot's metrics auto-configuration does not matter; without a registry nothing is bound.
 */
@AutoConfiguration(after = SluiceAutoConfiguration.class)
@ConditionalOnClass({MeterRegistry.class, SluiceMetrics.class})
public class SluiceMetricsAutoConfiguration {

    /** Binds each runtime's meters before it starts. */
    @Bean
    @ConditionalOnMissingBean(name = "sluiceMetricsCustomizer")
    public SluiceRuntimeCustomizer sluiceMetricsCustomizer(ObjectProvider<MeterRegistry> registry) {
        return (name, runtime) -> {
            MeterRegistry r = registry.getIfUnique();
            if (r != null) {
                SluiceMetrics.register(runtime, Tag.of("runtime", name)).bindTo(r);
            }
        };
    }

    /** Binds each consumer's client metrics while it lives. */
    @Bean
    @ConditionalOnMissingBean(name = "sluiceKafkaClientMetrics")
    public ConsumerListener sluiceKafkaClientMetrics(ObjectProvider<MeterRegistry> registry) {
        return new KafkaClientMetricsListener(registry::getIfUnique);
    }
}
