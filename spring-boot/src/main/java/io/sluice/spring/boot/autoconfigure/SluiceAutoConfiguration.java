package io.sluice.spring.boot.autoconfigure;

import io.sluice.dsl.Topology;
import io.sluice.runtime.ConsumerConfigs;
import io.sluice.runtime.ConsumerListener;
import io.sluice.runtime.RuntimeSettings;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.web.DashboardSettings;
import io.sluice.web.SluiceDashboard;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;

/**
 * Runs every {@link Topology} bean on a {@link SluiceRuntime}, through one {@link SluiceRuntimes} lifecycle bean.
 * Ordered after Boot's Kafka auto-configuration (by class name, so it does no harm when that module is absent), whose
 * {@code KafkaConnectionDetails} and {@code spring.kafka.consumer.*} it uses when present. Every bean backs off
 * when the application declares its own.
 *
 * <p>Startup fails when a runtime has no consumer group (see {@link SluiceConsumerConfig}) or when Sluice's
 * {@code shutdown-timeout} plus {@code commit-timeout} exceed {@code spring.lifecycle.timeout-per-shutdown-phase}:
 * the context would give up on the runtimes before they could finish their jobs and commit.
 */
@AutoConfiguration(afterName = "org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration")
@ConditionalOnClass(SluiceRuntime.class)
@EnableConfigurationProperties(SluiceProperties.class)
@Import({SluiceAutoConfiguration.BootKafkaConfiguration.class, SluiceAutoConfiguration.PlainKafkaConfiguration.class,
        SluiceAutoConfiguration.StandaloneDashboardConfiguration.class})
public class SluiceAutoConfiguration {

    /** Boot's default {@code spring.lifecycle.timeout-per-shutdown-phase}. */
    static final Duration BOOT_DEFAULT_SHUTDOWN_PHASE = Duration.ofSeconds(30);

    /** The runtimes' settings from {@code sluice.*}, with every {@link ConsumerListener} bean. */
    @Bean
    @ConditionalOnMissingBean
    public RuntimeSettings sluiceRuntimeSettings(SluiceProperties properties,
                                                 ObjectProvider<ConsumerListener> consumerListeners) {
        List<ConsumerListener> listeners = consumerListeners.orderedStream().toList();
        RuntimeSettings s = RuntimeSettings.defaults()
                .withConsumerListener(listeners.isEmpty() ? ConsumerListener.NONE : new ConsumerListeners(listeners))
                .withConsumerInstances(properties.consumerInstances())
                .withPollTimeout(properties.pollTimeout())
                .withCommitInterval(properties.commitInterval())
                .withRevocationGrace(properties.revocationGrace())
                .withCommitTimeout(properties.commitTimeout())
                .withShutdownTimeout(properties.shutdownTimeout())
                .withBlockedAlertAfter(properties.blockedAlertAfter());
        return properties.workerThreads() > 0 ? s.withWorkerThreads(properties.workerThreads()) : s;
    }

    /** One runtime per Topology bean, with {@code sluice.topics.*} applied to its topology. */
    @Bean
    @ConditionalOnMissingBean
    public SluiceRuntimes sluiceRuntimes(ListableBeanFactory beans, SluiceConsumerConfig consumerConfig,
                                         RuntimeSettings settings, SluiceProperties properties,
                                         ObjectProvider<SluiceRuntimeCustomizer> customizers,
                                         Environment environment) {
        Duration phaseTimeout = Binder.get(environment)
                .bind("spring.lifecycle.timeout-per-shutdown-phase", Duration.class)
                .orElse(BOOT_DEFAULT_SHUTDOWN_PHASE);
        Duration needed = settings.shutdownTimeout().plus(settings.commitTimeout());
        if (needed.compareTo(phaseTimeout) > 0) {
            throw new IllegalStateException("Sluice's shutdown-timeout (" + settings.shutdownTimeout()
                    + ") plus commit-timeout (" + settings.commitTimeout() + ") exceed "
                    + "spring.lifecycle.timeout-per-shutdown-phase (" + phaseTimeout + "): the context would stop "
                    + "waiting before the runtimes finished their jobs and committed; lower sluice.shutdown-timeout "
                    + "or raise spring.lifecycle.timeout-per-shutdown-phase");
        }
        Map<String, Topology> topologies = new LinkedHashMap<>();
        beans.getBeansOfType(Topology.class).forEach((name, topology) ->
                topologies.put(name, TopicOverrides.apply(topology, properties.topics())));
        TopicOverrides.checkAllNamed(topologies.values(), properties.topics().keySet());
        SluiceConsumerConfig checked = name -> {
            Properties props = consumerConfig.consumerProperties(name);
            try {
                ConsumerConfigs.forInstance(props, name);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("the Kafka consumer properties of Topology bean '" + name
                        + "' are not usable: " + e.getMessage() + " (set sluice.kafka.bootstrap-servers or "
                        + "spring.kafka.bootstrap-servers; sluice.kafka.properties.* for the rest)", e);
            }
            return props;
        };
        return new SluiceRuntimes(topologies, checked, settings, () -> customizers.orderedStream().toList(),
                properties.autoStartup(), properties.phase());
    }

    /** The standalone dashboard server per runtime: off under Boot unless {@code sluice.dashboard.port} is set. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(SluiceDashboard.class)
    @ConditionalOnExpression("${sluice.dashboard.port:-1} >= 0")
    static class StandaloneDashboardConfiguration {

        @Bean
        @ConditionalOnMissingBean
        StandaloneDashboards sluiceStandaloneDashboards(SluiceProperties properties) {
            return new StandaloneDashboards(DashboardSettings.defaults().withPort(properties.dashboard().port())
                    .withRecentErrors(properties.dashboard().recentErrors()));
        }
    }

    private static List<String> topologyNames(ListableBeanFactory beans) {
        return Arrays.asList(beans.getBeanNamesForType(Topology.class));
    }

    /** The consumer properties from Boot's Kafka connection and {@code spring.kafka.consumer.*}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(KafkaConnectionDetails.class)
    @ConditionalOnBean(KafkaProperties.class)
    static class BootKafkaConfiguration {

        @Bean
        @ConditionalOnMissingBean
        SluiceConsumerConfig sluiceConsumerConfig(SluiceProperties properties, KafkaProperties kafka,
                                                  ObjectProvider<KafkaConnectionDetails> connection,
                                                  ListableBeanFactory beans) {
            return new DefaultSluiceConsumerConfig(properties, () -> topologyNames(beans),
                    BootKafkaConsumerProperties.of(kafka, connection.getIfAvailable()));
        }
    }

    /** Without Boot's Kafka support: {@code sluice.kafka.*} only. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingBean(type = "org.springframework.boot.kafka.autoconfigure.KafkaProperties")
    static class PlainKafkaConfiguration {

        @Bean
        @ConditionalOnMissingBean
        SluiceConsumerConfig sluiceConsumerConfig(SluiceProperties properties, ListableBeanFactory beans) {
            return new DefaultSluiceConsumerConfig(properties, () -> topologyNames(beans), Map.of());
        }
    }
}
