package io.sluice.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.dsl.Backoff;
import io.sluice.dsl.Consumer;
import io.sluice.dsl.DeadLetterQueue;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.runtime.RuntimeSettings;
import io.sluice.runtime.SluiceRuntime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Scope;

/** The runtimes' conditions, properties and lifecycle, on ApplicationContextRunner (no broker needed). */
@ExtendWith(OutputCaptureExtension.class)
class SluiceAutoConfigurationTest {

    /** Short timeouts: a runtime started against an unreachable broker closes quickly. */
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(KafkaAutoConfiguration.class, SluiceAutoConfiguration.class))
            .withPropertyValues("spring.kafka.bootstrap-servers=127.0.0.1:1", "sluice.commit-timeout=1s",
                    "sluice.shutdown-timeout=1s");

    static Topology topology(String topic) {
        return Sluice.topology().topic(topic).consumer(() -> (batch, ctx) -> { }).build();
    }

    @Configuration(proxyBeanMethods = false)
    static class OneTopology {
        @Bean
        Topology orders() {
            return topology("orders");
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class TwoTopologies {
        @Bean
        Topology orders() {
            return topology("orders");
        }

        @Bean
        Topology payments() {
            return Sluice.topology().topic("payments").consumer(() -> (batch, ctx) -> { })
                    .deadLetterQueue("payments-dlq", 2).build();
        }
    }

    @Test
    void withoutTopologyBeansThereAreNoRuntimesAndNothingStarts() {
        runner.run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(SluiceRuntimes.class);
            SluiceRuntimes runtimes = context.getBean(SluiceRuntimes.class);
            assertThat(runtimes.topologies()).isEmpty();
            assertThat(runtimes.isRunning()).isFalse();
        });
    }

    @Test
    void oneTopologyRunsInTheGroupOfSpringKafkaConsumerGroupId() {
        runner.withUserConfiguration(OneTopology.class)
                .withPropertyValues("spring.kafka.consumer.group-id=orders-service")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    SluiceRuntimes runtimes = context.getBean(SluiceRuntimes.class);
                    assertThat(runtimes.topologies()).containsOnlyKeys("orders");
                    assertThat(context.getBean(SluiceConsumerConfig.class).consumerProperties("orders"))
                            .containsEntry("group.id", "orders-service")
                            .containsEntry("bootstrap.servers", "127.0.0.1:1");
                    assertThat(runtimes.isRunning()).isTrue();
                    SluiceRuntime runtime = runtimes.runtime("orders").orElseThrow();
                    assertThat(runtime.consumerConfig()).containsEntry("group.id", "orders-service");
                });
    }

    @Test
    void aRuntimesOwnGroupIdWinsOverSpringKafkas() {
        runner.withUserConfiguration(OneTopology.class)
                .withPropertyValues("spring.kafka.consumer.group-id=shared", "sluice.runtimes.orders.group-id=own",
                        "sluice.auto-startup=false")
                .run(context -> assertThat(context.getBean(SluiceConsumerConfig.class)
                        .consumerProperties("orders")).containsEntry("group.id", "own"));
    }

    @Test
    void twoTopologiesWithOnlySpringKafkasGroupIdFailStartupNamingTheBeans() {
        runner.withUserConfiguration(TwoTopologies.class)
                .withPropertyValues("spring.kafka.consumer.group-id=shared", "sluice.runtimes.orders.group-id=o")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("[payments]")
                        .hasMessageContaining("sluice.runtimes.<bean name>.group-id")
                        .hasMessageContaining("exactly one Topology bean"));
    }

    @Test
    void twoTopologiesEachWithItsGroupIdRunTwoRuntimes() {
        runner.withUserConfiguration(TwoTopologies.class)
                .withPropertyValues("sluice.runtimes.orders.group-id=o", "sluice.runtimes.payments.group-id=p")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    SluiceRuntimes runtimes = context.getBean(SluiceRuntimes.class);
                    assertThat(runtimes.runtimes()).containsOnlyKeys("orders", "payments");
                    assertThat(runtimes.runtime("payments").orElseThrow().consumerConfig())
                            .containsEntry("group.id", "p");
                });
    }

    @Test
    void noGroupIdAtAllFailsStartupNamingTheProperty() {
        runner.withUserConfiguration(OneTopology.class).run(context -> assertThat(context).hasFailed()
                .getFailure().rootCause().hasMessageContaining("sluice.runtimes.orders.group-id"));
    }

    @Test
    void sluicePropertiesWinOverSpringKafkasAndBootsOwnDefaultsAreNotPassedOn() {
        runner.withUserConfiguration(OneTopology.class)
                .withPropertyValues("spring.kafka.consumer.group-id=g", "spring.kafka.consumer.max-poll-records=7",
                        "spring.kafka.consumer.fetch-min-size=3",
                        "sluice.kafka.bootstrap-servers=10.0.0.1:9092,10.0.0.2:9092",
                        "sluice.kafka.properties[max.poll.records]=11", "sluice.auto-startup=false")
                .run(context -> {
                    Properties p = context.getBean(SluiceConsumerConfig.class).consumerProperties("orders");
                    assertThat(p).containsEntry("bootstrap.servers", "10.0.0.1:9092,10.0.0.2:9092")
                            .containsEntry("max.poll.records", "11")
                            .containsEntry("fetch.min.bytes", "3")
                            // Boot's default isolation level (read_uncommitted) would defeat Sluice's read_committed
                            .doesNotContainKey("isolation.level");
                });
    }

    @Test
    void keysSluiceOwnsFromSpringKafkaAreDroppedWithOneWarning(CapturedOutput output) {
        runner.withUserConfiguration(OneTopology.class)
                .withPropertyValues("spring.kafka.consumer.group-id=g",
                        "spring.kafka.consumer.value-deserializer=org.apache.kafka.common.serialization.LongDeserializer",
                        "spring.kafka.consumer.enable-auto-commit=true", "spring.kafka.consumer.client-id=mine",
                        "sluice.auto-startup=false")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    Properties p = context.getBean(SluiceConsumerConfig.class).consumerProperties("orders");
                    assertThat(p).doesNotContainKeys("value.deserializer", "enable.auto.commit", "client.id");
                });
        String out = output.toString();
        int warning = out.indexOf("which Sluice owns");
        assertThat(warning).isPositive();
        assertThat(out.indexOf("which Sluice owns", warning + 1)).as("one WARN").isEqualTo(-1);
        assertThat(out).contains("[client.id, enable.auto.commit, value.deserializer]");
    }

    @Test
    void bootsKafkaConnectionDetailsGiveTheBrokers() {
        runner.withUserConfiguration(OneTopology.class)
                .withBean(KafkaConnectionDetails.class, () -> () -> List.of("broker-a:9093", "broker-b:9093"))
                .withPropertyValues("spring.kafka.consumer.group-id=g", "sluice.auto-startup=false")
                .run(context -> assertThat(context.getBean(SluiceConsumerConfig.class).consumerProperties("orders"))
                        .containsEntry("bootstrap.servers", "broker-a:9093,broker-b:9093"));
    }

    @Test
    void withoutSpringBootKafkaOnlySluiceKafkaPropertiesCount() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(KafkaAutoConfiguration.class, SluiceAutoConfiguration.class))
                .withClassLoader(new FilteredClassLoader("org.springframework.boot.kafka",
                        "org.springframework.kafka"))
                .withUserConfiguration(OneTopology.class)
                .withPropertyValues("sluice.kafka.bootstrap-servers=127.0.0.1:1",
                        "sluice.kafka.properties[group.id]=plain", "sluice.auto-startup=false")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(SluiceConsumerConfig.class).consumerProperties("orders"))
                            .containsEntry("group.id", "plain").containsEntry("bootstrap.servers", "127.0.0.1:1");
                });
    }

    @Test
    void withoutAnyBrokerStartupFailsNamingTheProperty() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(SluiceAutoConfiguration.class))
                .withUserConfiguration(OneTopology.class)
                .withPropertyValues("sluice.runtimes.orders.group-id=g")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("bootstrap.servers"));
    }

    @Test
    void shutdownAndCommitTimeoutsBeyondTheShutdownPhaseFailStartup() {
        runner.withUserConfiguration(OneTopology.class)
                .withPropertyValues("spring.kafka.consumer.group-id=g", "sluice.shutdown-timeout=28s",
                        "sluice.commit-timeout=5s")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("spring.lifecycle.timeout-per-shutdown-phase (PT30S)"));
        runner.withUserConfiguration(OneTopology.class)
                .withPropertyValues("spring.kafka.consumer.group-id=g", "sluice.shutdown-timeout=28s",
                        "sluice.commit-timeout=5s", "spring.lifecycle.timeout-per-shutdown-phase=40s",
                        "sluice.auto-startup=false")
                .run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void theDefaultTimeoutsFitBootsDefaultShutdownPhase() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(SluiceAutoConfiguration.class))
                .withPropertyValues("sluice.auto-startup=false")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    RuntimeSettings s = context.getBean(RuntimeSettings.class);
                    assertThat(s.shutdownTimeout().plus(s.commitTimeout()))
                            .isLessThanOrEqualTo(SluiceAutoConfiguration.BOOT_DEFAULT_SHUTDOWN_PHASE);
                });
    }

    @Test
    void autoStartupFalseLeavesTheRuntimesStoppedAndTheLifecycleCanStartThem() {
        runner.withUserConfiguration(OneTopology.class)
                .withPropertyValues("spring.kafka.consumer.group-id=g", "sluice.auto-startup=false")
                .run(context -> {
                    SluiceRuntimes runtimes = context.getBean(SluiceRuntimes.class);
                    assertThat(runtimes.isAutoStartup()).isFalse();
                    assertThat(runtimes.isRunning()).isFalse();
                    assertThat(runtimes.runtimes()).isEmpty();
                    runtimes.start();
                    assertThat(runtimes.runtime("orders").orElseThrow().isRunning()).isTrue();
                });
    }

    @Test
    void theRuntimesRunInSpringKafkasContainerPhase() {
        runner.withUserConfiguration(OneTopology.class)
                .withPropertyValues("spring.kafka.consumer.group-id=g", "sluice.auto-startup=false")
                .run(context -> assertThat(context.getBean(SluiceRuntimes.class).getPhase())
                        .isEqualTo(org.springframework.kafka.listener.AbstractMessageListenerContainer.DEFAULT_PHASE));
    }

    /** A DataSource stand-in: records whether the runtime still ran when the context destroyed it. */
    static final class Closeable implements AutoCloseable {
        final List<Boolean> runtimeRunningAtClose = new ArrayList<>();
        SluiceRuntime runtime;

        @Override
        public void close() {
            runtimeRunningAtClose.add(runtime.isRunning());
        }
    }

    @Test
    void closingTheContextStopsTheRuntimesBeforeItsBeansAreDestroyed() {
        Closeable dataSource = new Closeable();
        runner.withUserConfiguration(OneTopology.class)
                .withPropertyValues("spring.kafka.consumer.group-id=g")
                .withBean("dataSource", Closeable.class, () -> dataSource)
                .run(context -> {
                    dataSource.runtime = context.getBean(SluiceRuntimes.class).runtime("orders").orElseThrow();
                    assertThat(dataSource.runtime.isRunning()).isTrue();
                });
        assertThat(dataSource.runtimeRunningAtClose).containsExactly(false);
        assertThat(dataSource.runtime.isRunning()).isFalse();
        assertThat(dataSource.runtime.isHalted()).as("closed gracefully, not halted").isFalse();
    }

    @Test
    void customizersSeeEveryRuntimeBeforeItStarts() {
        List<String> seen = new ArrayList<>();
        runner.withUserConfiguration(OneTopology.class)
                .withPropertyValues("spring.kafka.consumer.group-id=g")
                .withBean(SluiceRuntimeCustomizer.class, () -> (name, runtime) ->
                        seen.add(name + ":" + runtime.isRunning()))
                .run(context -> assertThat(seen).containsExactly("orders:false"));
    }

    @Test
    void topicOverridesFromPropertiesChangeTheTopologyTheRuntimeRuns() {
        runner.withUserConfiguration(TwoTopologies.class)
                .withPropertyValues("sluice.runtimes.orders.group-id=o", "sluice.runtimes.payments.group-id=p",
                        "sluice.auto-startup=false",
                        "sluice.topics.orders.backoff.initial=50ms", "sluice.topics.orders.backoff.max=2s",
                        "sluice.topics.orders.dead-letter.topic=orders-dlq",
                        "sluice.topics.orders.dead-letter.max-retries=4",
                        "sluice.topics.payments.dead-letter.max-retries=9",
                        "sluice.topics.payments.backoff.multiplier=3")
                .run(context -> {
                    SluiceRuntimes runtimes = context.getBean(SluiceRuntimes.class);
                    var orders = runtimes.topologies().get("orders").topic("orders").orElseThrow().settings();
                    assertThat(orders.backoff()).isEqualTo(new Backoff(Duration.ofMillis(50), Duration.ofSeconds(2),
                            2.0));
                    assertThat(orders.deadLetterQueue()).contains(new DeadLetterQueue("orders-dlq", 4));
                    var payments = runtimes.topologies().get("payments").topic("payments").orElseThrow()
                            .settings();
                    assertThat(payments.deadLetterQueue()).contains(new DeadLetterQueue("payments-dlq", 9));
                    assertThat(payments.backoff().multiplier()).isEqualTo(3.0);
                    assertThat(payments.backoff().initial()).isEqualTo(Backoff.DEFAULT.initial());
                });
    }

    @Test
    void anOverrideOfAnUndeclaredTopicFailsStartup() {
        runner.withUserConfiguration(OneTopology.class)
                .withPropertyValues("spring.kafka.consumer.group-id=g", "sluice.topics.ordres.backoff.initial=1s")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("[ordres]"));
        runner.withUserConfiguration(OneTopology.class)
                .withPropertyValues("spring.kafka.consumer.group-id=g", "sluice.topics.orders.dead-letter.max-retries=1")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("sluice.topics.orders.dead-letter needs a topic"));
    }

    @Test
    void everyBeanBacksOffForTheApplicationsOwn() {
        RuntimeSettings own = RuntimeSettings.defaults().withWorkerThreads(3).withShutdownTimeout(Duration.ofSeconds(2));
        runner.withUserConfiguration(OneTopology.class)
                .withPropertyValues("sluice.auto-startup=false")
                .withBean(RuntimeSettings.class, () -> own)
                .withBean(SluiceConsumerConfig.class, () -> name -> {
                    Properties p = new Properties();
                    p.put("bootstrap.servers", "mine:9092");
                    p.put("group.id", "mine-" + name);
                    return p;
                })
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(RuntimeSettings.class)).isSameAs(own);
                    assertThat(context.getBean(SluiceRuntimes.class).settings()).isSameAs(own);
                    assertThat(context.getBean(SluiceConsumerConfig.class).consumerProperties("orders"))
                            .containsEntry("group.id", "mine-orders");
                });
        SluiceRuntimes mine = new SluiceRuntimes(java.util.Map.of(), name -> new Properties(),
                RuntimeSettings.defaults(), List::of, false, 0);
        runner.withBean(SluiceRuntimes.class, () -> mine)
                .run(context -> assertThat(context.getBean(SluiceRuntimes.class)).isSameAs(mine));
    }

    @Test
    void runtimeSettingsComeFromSluiceProperties() {
        runner.withPropertyValues("sluice.consumer-instances=2", "sluice.worker-threads=5",
                        "sluice.poll-timeout=250ms", "sluice.commit-interval=2s", "sluice.blocked-alert-after=1m")
                .run(context -> {
                    RuntimeSettings s = context.getBean(RuntimeSettings.class);
                    assertThat(s.consumerInstances()).isEqualTo(2);
                    assertThat(s.workerThreads()).isEqualTo(5);
                    assertThat(s.pollTimeout()).isEqualTo(Duration.ofMillis(250));
                    assertThat(s.commitInterval()).isEqualTo(Duration.ofSeconds(2));
                    assertThat(s.shutdownTimeout()).isEqualTo(Duration.ofSeconds(1));
                    assertThat(s.blockedAlertAfter()).isEqualTo(Duration.ofMinutes(1));
                });
    }

    /** A consumer with a dependency: made per assignment by Spring, as a prototype bean. */
    static final class InjectedConsumer implements Consumer<byte[], byte[]> {
        static final AtomicInteger MADE = new AtomicInteger();
        final AtomicBoolean dependency;

        InjectedConsumer(AtomicBoolean dependency) {
            this.dependency = dependency;
            MADE.incrementAndGet();
        }

        @Override
        public void consume(io.sluice.dsl.Batch<byte[], byte[]> batch, io.sluice.dsl.ConsumerContext context) {
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class ConsumerBeans {
        @Bean
        AtomicBoolean dependency() {
            return new AtomicBoolean(true);
        }

        @Bean
        @Scope("prototype")
        InjectedConsumer ordersConsumer(AtomicBoolean dependency) {
            return new InjectedConsumer(dependency);
        }

        @Bean
        Topology orders(ObjectProvider<InjectedConsumer> consumers) {
            return Sluice.topology().topic("orders").consumer(consumers::getObject).build();
        }
    }

    @Test
    void consumerFactoriesMayBePrototypeBeansWithTheirDependenciesInjected() {
        runner.withUserConfiguration(ConsumerBeans.class)
                .withPropertyValues("spring.kafka.consumer.group-id=g", "sluice.auto-startup=false")
                .run(context -> {
                    var topic = context.getBean(SluiceRuntimes.class).topologies().get("orders").topic("orders")
                            .orElseThrow();
                    InjectedConsumer first = (InjectedConsumer) topic.newConsumer();
                    InjectedConsumer second = (InjectedConsumer) topic.newConsumer();
                    assertThat(first).isNotSameAs(second);
                    assertThat(first.dependency).isSameAs(context.getBean(AtomicBoolean.class));
                    assertThat(Optional.of(first.dependency.get())).contains(true);
                });
    }

    @Test
    void consumerListenerBeansAreToldOfEveryConsumer() {
        List<String> told = new java.util.concurrent.CopyOnWriteArrayList<>();
        runner.withUserConfiguration(OneTopology.class)
                .withPropertyValues("spring.kafka.consumer.group-id=g")
                .withBean(io.sluice.runtime.ConsumerListener.class, () -> new io.sluice.runtime.ConsumerListener() {
                    @Override
                    public void consumerAdded(String instance, org.apache.kafka.clients.consumer.Consumer<?, ?> c) {
                        told.add("added " + instance);
                    }

                    @Override
                    public void consumerRemoved(String instance,
                                                org.apache.kafka.clients.consumer.Consumer<?, ?> c) {
                        told.add("removed " + instance);
                    }
                })
                .run(context -> {
                    String instance = context.getBean(SluiceRuntimes.class).runtime("orders").orElseThrow().name()
                            + "-consumer-0";
                    assertThat(told).containsExactly("added " + instance);
                    context.getBean(SluiceRuntimes.class).stop();
                    assertThat(told).containsExactly("added " + instance, "removed " + instance);
                });
    }
}
