package io.sluice.spring.boot.test;

import io.sluice.spring.boot.autoconfigure.SluiceAutoConfiguration;
import io.sluice.spring.boot.autoconfigure.SluiceConsumerConfig;
import io.sluice.spring.boot.autoconfigure.SluiceRuntimes;
import io.sluice.testing.TestDriver;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The {@link SluiceTestDrivers} bean, for tests only: imported by {@link AutoConfigureSluiceTestDriver}, not
 * registered as an auto-configuration of applications.
 */
@AutoConfiguration(after = SluiceAutoConfiguration.class)
@ConditionalOnClass(TestDriver.class)
@ConditionalOnBean(SluiceRuntimes.class)
public class SluiceTestDriverAutoConfiguration {

    /** The drivers. */
    @Bean
    @ConditionalOnMissingBean
    public SluiceTestDrivers sluiceTestDrivers(SluiceRuntimes runtimes, SluiceConsumerConfig consumerConfig) {
        return new SluiceTestDrivers(runtimes, consumerConfig);
    }
}
