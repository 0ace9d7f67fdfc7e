package io.sluice.spring.boot.autoconfigure;

import io.micrometer.observation.ObservationRegistry;
import io.sluice.runtime.observation.JobObservations;
import io.sluice.runtime.observation.SluiceJobObservationConvention;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * A {@code sluice.job} Micrometer observation per job of every runtime, and a {@code sluice.message} observation per
 * {@code ctx.observe(message, work)}, in the context's {@link ObservationRegistry} (Actuator's, with whatever tracing
 * bridge the application has), through {@link JobObservations}; a {@link SluiceJobObservationConvention} bean renames
 * them. Needs {@code micrometer-observation} only. The registry is looked up when a runtime is created, so the order
 * against Boot's observation auto-configuration does not matter; without a registry, or with a no-op one, jobs are not
 * observed.
 */
@AutoConfiguration(after = SluiceAutoConfiguration.class)
@ConditionalOnClass({ObservationRegistry.class, JobObservations.class})
public class SluiceObservationAutoConfiguration {

    /** Sets each runtime's job observer before it starts. */
    @Bean
    @ConditionalOnMissingBean(name = "sluiceObservationCustomizer")
    public SluiceRuntimeCustomizer sluiceObservationCustomizer(ObjectProvider<ObservationRegistry> registry,
                                                               ObjectProvider<SluiceJobObservationConvention> convention) {
        return (name, runtime) -> {
            ObservationRegistry r = registry.getIfUnique();
            if (r != null && !r.isNoop()) {
                runtime.jobObserver(JobObservations.create(r, convention.getIfUnique()));
            }
        };
    }
}
