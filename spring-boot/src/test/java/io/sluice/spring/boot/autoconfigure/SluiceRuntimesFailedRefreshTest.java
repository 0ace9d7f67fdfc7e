package io.sluice.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.runtime.SluiceRuntime;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.ContextRefreshedEvent;

/**
 * A context whose refresh fails after the runtimes started (a later lifecycle phase, or a ContextRefreshedEvent
 * listener, throws) is never closed: Spring destroys its singletons -- the DataSource among them -- without
 * stopping the lifecycle beans. The runtimes must not outlive it.
 */
class SluiceRuntimesFailedRefreshTest {

    private final List<SluiceRuntime> started = new CopyOnWriteArrayList<>();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(KafkaAutoConfiguration.class, SluiceAutoConfiguration.class))
            .withUserConfiguration(SluiceAutoConfigurationTest.OneTopology.class)
            .withPropertyValues("spring.kafka.bootstrap-servers=127.0.0.1:1", "sluice.commit-timeout=1s",
                    "sluice.shutdown-timeout=1s", "spring.kafka.consumer.group-id=g")
            .withBean(SluiceRuntimeCustomizer.class, () -> (name, runtime) -> started.add(runtime));

    /** A lifecycle bean of a later phase than the runtimes' that fails to start. */
    static final class FailingLater implements SmartLifecycle {
        @Override
        public void start() {
            throw new IllegalStateException("a later phase fails");
        }

        @Override
        public void stop() {
        }

        @Override
        public boolean isRunning() {
            return false;
        }

        @Override
        public int getPhase() {
            return Integer.MAX_VALUE;
        }
    }

    @Test
    void aLaterPhaseThatFailsToStartLeavesNoRuntimeRunning() {
        runner.withBean(FailingLater.class, FailingLater::new).run(context -> {
            assertThat(context).hasFailed();
            assertThat(started).hasSize(1);
            assertThat(started.get(0).isRunning()).as("the runtime outlived the failed context").isFalse();
        });
    }

    @Test
    void aContextRefreshedListenerThatThrowsLeavesNoRuntimeRunning() {
        runner.withBean("failingListener", ApplicationListener.class,
                        () -> (ApplicationListener<ContextRefreshedEvent>) e -> {
                            throw new IllegalStateException("a refresh listener fails");
                        })
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(started).hasSize(1);
                    assertThat(started.get(0).isRunning()).as("the runtime outlived the failed context").isFalse();
                });
    }
}
