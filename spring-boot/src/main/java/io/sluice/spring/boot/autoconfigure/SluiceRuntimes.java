package io.sluice.spring.boot.autoconfigure;

import io.sluice.dsl.Topology;
import io.sluice.runtime.RuntimeSettings;
import io.sluice.runtime.SluiceRuntime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The application's Sluice runtimes: one {@link SluiceRuntime} per {@link Topology} bean, run as a
 * {@link SmartLifecycle}. {@link #start()} creates a runtime for every Topology bean (a stopped runtime cannot be
 * restarted, so each start creates new ones), applies the {@link SluiceRuntimeCustomizer}s and starts it;
 * {@link #stop(Runnable)} closes them all in parallel (in-flight jobs get {@code sluice.shutdown-timeout} to finish,
 * marks are committed) and then reports back, so the context's shutdown phase waits for them. A job still running
 * at the shutdown timeout is not awaited: it may still run when the context closes the DataSource, and then fails
 * and rolls back (an offset-managed partition's row decides what its next owner applies). Its phase is by default the one of Spring Kafka's
 * listener containers: it starts after, and stops before, ordinary beans such as the DataSource, which is closed
 * only when the singletons are destroyed, after every lifecycle phase stopped.
 *
 * <p>Every runtime's consumer properties are made once when this object is constructed, so a missing group id or
 * bootstrap server fails the application's start rather than the lifecycle's. Thread-safe.
 */
public class SluiceRuntimes implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(SluiceRuntimes.class);

    private final Map<String, Topology> topologies;
    private final SluiceConsumerConfig consumerConfig;
    private final RuntimeSettings settings;
    private final Supplier<List<SluiceRuntimeCustomizer>> customizers;
    private final boolean autoStartup;
    private final int phase;
    private volatile Map<String, SluiceRuntime> running = Map.of();

    /**
     * The runtimes of {@code topologies}, not started.
     *
     * @param topologies     the Topology beans by bean name
     * @param consumerConfig the consumer properties of each runtime
     * @param settings       the runtimes' settings
     * @param customizers    the customizers, asked for when the runtimes start
     * @param autoStartup    whether the context starts the runtimes
     * @param phase          the lifecycle phase
     * @throws IllegalStateException when the consumer properties of a runtime cannot be made
     */
    public SluiceRuntimes(Map<String, Topology> topologies, SluiceConsumerConfig consumerConfig,
                          RuntimeSettings settings, Supplier<List<SluiceRuntimeCustomizer>> customizers,
                          boolean autoStartup, int phase) {
        this.topologies = Collections.unmodifiableMap(new LinkedHashMap<>(topologies));
        this.consumerConfig = Objects.requireNonNull(consumerConfig, "consumerConfig");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.customizers = Objects.requireNonNull(customizers, "customizers");
        this.autoStartup = autoStartup;
        this.phase = phase;
        for (String name : this.topologies.keySet()) {
            consumerConfig.consumerProperties(name); // fail now, naming the bean
        }
    }

    /** The Topology beans, by bean name, in the order the context returned them. */
    public Map<String, Topology> topologies() {
        return topologies;
    }

    /** The runtimes of the current start, by Topology bean name; empty while stopped. */
    public Map<String, SluiceRuntime> runtimes() {
        return running;
    }

    /** The current runtime of the Topology bean {@code name}, if started. */
    public Optional<SluiceRuntime> runtime(String name) {
        return Optional.ofNullable(running.get(name));
    }

    /** The settings every runtime runs with. */
    public RuntimeSettings settings() {
        return settings;
    }

    @Override
    public synchronized void start() {
        if (!running.isEmpty()) {
            return;
        }
        Map<String, SluiceRuntime> started = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, Topology> e : topologies.entrySet()) {
                Properties kafka = consumerConfig.consumerProperties(e.getKey());
                SluiceRuntime runtime = SluiceRuntime.create(e.getValue(), kafka, settings);
                for (SluiceRuntimeCustomizer c : customizers.get()) {
                    c.customize(e.getKey(), runtime);
                }
                runtime.start();
                started.put(e.getKey(), runtime);
                LOG.info("Sluice runtime {} of bean '{}' started in group '{}'", runtime.name(), e.getKey(),
                        kafka.getProperty("group.id"));
            }
        } catch (RuntimeException | Error e) {
            started.values().forEach(SluiceRuntime::close);
            throw e;
        }
        running = Collections.unmodifiableMap(started);
    }

    @Override
    public void stop() {
        stopAll();
    }

    @Override
    public void stop(Runnable callback) {
        Thread stopper = new Thread(() -> {
            try {
                stopAll();
            } finally {
                callback.run();
            }
        }, "sluice-runtimes-stop");
        stopper.setDaemon(true);
        stopper.start();
    }

    private void stopAll() {
        Map<String, SluiceRuntime> toStop;
        synchronized (this) {
            toStop = running;
            running = Map.of();
        }
        List<Thread> closing = new ArrayList<>();
        AtomicInteger n = new AtomicInteger();
        for (SluiceRuntime runtime : toStop.values()) {
            Thread t = new Thread(runtime::close, "sluice-runtimes-stop-" + n.incrementAndGet());
            t.start();
            closing.add(t);
        }
        for (Thread t : closing) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public boolean isRunning() {
        return !running.isEmpty();
    }

    @Override
    public boolean isAutoStartup() {
        return autoStartup;
    }

    @Override
    public int getPhase() {
        return phase;
    }
}
