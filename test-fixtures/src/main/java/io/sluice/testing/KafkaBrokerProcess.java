package io.sluice.testing;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node Kafka broker running in a JVM of its own, so that a test can crash it (SIGKILL) and bring it back
 * where it was, as a production broker crashes and restarts.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>{@link #start(Map)} starts a child JVM ({@code java} of this JVM's {@code java.home}, this JVM's class
 *       path, C1 only, serial GC, 512 MB heap) running the broker of {@link EmbeddedKafka} with the same settings
 *       (group timeouts, single-replica internal topics), a broker session of 3 s with heartbeats every 0.5 s
 *       (so that a restarted broker is unfenced within seconds), and the given overrides on top, on a fresh log
 *       directory under {@code target/} and on free loopback ports chosen here; it returns once clients can reach
 *       it;</li>
 *   <li>the child writes its output to {@link #log()}, which every run of the child appends to and which is kept
 *       after {@link #close()};</li>
 *   <li>{@link #kill()} ends the child with SIGKILL (no orderly shutdown: whatever the broker had not written to
 *       its files is lost, as in a crash) and returns once it is gone; clients then fail or time out;</li>
 *   <li>{@link #restart()} starts a new child on the same log directory and ports, so the bootstrap address and
 *       every setting handed out stay valid, and returns once the broker answers metadata requests and every
 *       partition has a leader again: acknowledged records and committed group offsets are there;</li>
 *   <li>the child never outlives this JVM: it exits when its standard input, whose other end only this object
 *       holds, closes, which the operating system does when this JVM dies, even by SIGKILL;</li>
 *   <li>{@link #close()} kills the child and deletes the log directory; it is idempotent, and a shutdown hook does
 *       it if nobody did.</li>
 * </ul>
 *
 * <p>Instances are thread-safe. Like {@link EmbeddedKafka}, this class needs the optional broker artifacts on
 * the class path, which the child JVM inherits.
 */
public final class KafkaBrokerProcess implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaBrokerProcess.class);
    private static final int START_ATTEMPTS = 3;
    private static final List<String> JVM_FLAGS = List.of("-Xmx512m");

    /**
     * A restarted broker waits for the session of its previous life to expire before it is unfenced: a short
     * session makes a restart take seconds, not the default nine, and heartbeats every half second leave it
     * several misses before a live broker is fenced.
     */
    private static final Map<String, String> RESTART_SETTINGS = Map.of(
            "broker.session.timeout.ms", "3000",
            "broker.heartbeat.interval.ms", "500");

    private final Path logDir;
    private final Path log;
    private final int brokerPort;
    private final int controllerPort;
    private final Map<String, String> overrides;
    private final String bootstrapServers;
    private final Thread shutdownHook;
    private ChildJvm child;
    private boolean closed;

    private KafkaBrokerProcess(Path logDir, Path log, int brokerPort, int controllerPort,
            Map<String, String> overrides) {
        this.logDir = logDir;
        this.log = log;
        this.brokerPort = brokerPort;
        this.controllerPort = controllerPort;
        Map<String, String> settings = new LinkedHashMap<>(RESTART_SETTINGS);
        settings.putAll(overrides);
        this.overrides = Map.copyOf(settings);
        this.bootstrapServers = "127.0.0.1:" + brokerPort;
        this.shutdownHook = new Thread(this::killAndDelete, "kafka-broker-" + brokerPort + "-shutdown");
    }

    /**
     * Starts a broker in a child JVM on a fresh log directory {@code target/kafka-broker-<random>} and free
     * loopback ports, and returns once clients can reach it (within a minute). The child's output goes to
     * {@code target/kafka-broker-<random>.log}.
     *
     * @param overrides broker settings that replace or add to {@link EmbeddedKafka}'s (for example
     *     {@code log.retention.check.interval.ms}); the listeners, node id and log directory are chosen here and
     *     should not be overridden; never {@code null}
     * @return the running broker, never {@code null}; the caller closes it
     * @throws IllegalStateException if the broker did not start (the message names the log file)
     */
    public static KafkaBrokerProcess start(Map<String, String> overrides) {
        Objects.requireNonNull(overrides, "overrides");
        IllegalStateException last = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            Path logDir = ScratchDirectories.create("kafka-broker-");
            Path log = logDir.resolveSibling(logDir.getFileName() + ".log");
            int[] ports = LoopbackPorts.free(2);
            KafkaBrokerProcess broker = new KafkaBrokerProcess(logDir, log, ports[0], ports[1], overrides);
            try {
                synchronized (broker) {
                    broker.launch();
                }
                Runtime.getRuntime().addShutdownHook(broker.shutdownHook);
                return broker;
            } catch (IllegalStateException e) {
                broker.killAndDelete();
                // the ports were free a moment before the child bound them: another process may have taken one
                if (!mentionsBindFailure(log)) {
                    throw e;
                }
                LOG.warn("the broker process could not bind its ports (attempt {} of {}), retrying on others",
                        attempt, START_ATTEMPTS);
                last = e;
            }
        }
        throw last;
    }

    /** Starts the child and waits until it serves clients; on failure the child is gone again. */
    private void launch() {
        long startedAt = System.nanoTime();
        List<String> arguments = new ArrayList<>(List.of(
                logDir.toString(), String.valueOf(brokerPort), String.valueOf(controllerPort)));
        overrides.forEach((key, value) -> arguments.add(key + "=" + value));
        ChildJvm started = ChildJvm.start(KafkaBrokerMain.class.getName(), JVM_FLAGS, arguments, log);
        child = started;
        Runnable alive = () -> {
            if (!started.isAlive()) {
                throw new IllegalStateException("the broker JVM exited with status " + started.exitValue().orElse(-1)
                        + " before it served clients; see " + log + "\n" + ServerProcesses.logTail(log));
            }
        };
        try {
            // a plain connect first, so that the admin client does not log every refused attempt
            EmbeddedKafka.pollUntil("the broker port " + brokerPort + " to accept connections", () -> {
                alive.run();
                return accepts(brokerPort);
            });
            EmbeddedKafka.awaitReady(bootstrapServers, alive);
        } catch (RuntimeException e) {
            destroy();
            throw new IllegalStateException("the broker on " + bootstrapServers + " did not start; see " + log, e);
        }
        LOG.info("Kafka broker process {} serving {} in {} ms (data in {}, output in {})", started.pid(),
                bootstrapServers, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt), logDir, log);
    }

    /**
     * The address clients use to reach the broker; the same across {@link #kill()} and {@link #restart()}.
     *
     * @return {@code 127.0.0.1:port}, never {@code null}
     */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /**
     * Crashes the broker: SIGKILL to its JVM (no orderly shutdown), returning once the process is gone. Does
     * nothing when it is not running.
     *
     * @throws IllegalStateException if the broker is closed, or its JVM did not exit within 30 s
     */
    public synchronized void kill() {
        requireOpen();
        boolean wasAlive = child != null && child.isAlive();
        destroy();
        if (wasAlive) {
            LOG.info("Kafka broker process {} on {} killed", child.pid(), bootstrapServers);
        }
    }

    /**
     * Starts the broker again in a new JVM on the same log directory and ports, after {@link #kill()} or a death
     * of its own (a running broker is killed first), and returns once clients can reach it and every partition
     * has a leader again. The broker recovers its logs as after any crash; records it had acknowledged and group
     * offsets it had committed are there.
     *
     * @throws IllegalStateException if the broker is closed, or did not come back within a minute (e.g. another
     *     process took one of its ports meanwhile; the message names the log file)
     */
    public synchronized void restart() {
        requireOpen();
        destroy();
        launch();
    }

    /**
     * Whether the broker's JVM is alive (it may still be starting or recovering).
     *
     * @return {@code false} after {@link #kill()} or {@link #close()}, or when it died on its own
     */
    public synchronized boolean isAlive() {
        return child != null && child.isAlive();
    }

    /**
     * The file the broker JVM writes its output to, appended to by each run and kept after {@link #close()}.
     *
     * @return a path under {@code target/}, never {@code null}
     */
    public Path log() {
        return log;
    }

    /**
     * The broker's log directory, kept across {@link #kill()} and {@link #restart()} and deleted by
     * {@link #close()}.
     *
     * @return an absolute path under {@code target/}, never {@code null}
     */
    public Path logDirectory() {
        return logDir;
    }

    /**
     * A new admin client of this broker.
     *
     * @return a new client, never {@code null}; the caller closes it
     * @throws IllegalStateException if the broker is closed
     */
    public Admin admin() {
        ensureOpen();
        return Admin.create(adminProperties());
    }

    /**
     * Settings for an admin client of this broker.
     *
     * @return a new mutable map holding {@code bootstrap.servers}, never {@code null}
     */
    public Map<String, Object> adminProperties() {
        return EmbeddedKafka.adminProperties(bootstrapServers);
    }

    /**
     * Settings for a producer to this broker, as {@link EmbeddedKafka#producerProperties()}: {@code acks=all}, no
     * lingering, byte-array serializers.
     *
     * @return a new mutable map, never {@code null}
     */
    public Map<String, Object> producerProperties() {
        return EmbeddedKafka.producerProperties(bootstrapServers);
    }

    /**
     * Settings for a consumer of this broker, as {@link EmbeddedKafka#consumerProperties(String, GroupProtocol)}:
     * the group and protocol, {@code auto.offset.reset=earliest}, byte-array deserializers.
     *
     * @param groupId the consumer group, never {@code null}
     * @param protocol {@code CLASSIC} or {@code CONSUMER} (KIP-848), never {@code null}
     * @return a new mutable map, never {@code null}
     */
    public Map<String, Object> consumerProperties(String groupId, GroupProtocol protocol) {
        return EmbeddedKafka.consumerProperties(bootstrapServers, groupId, protocol);
    }

    /**
     * Creates a topic as {@link EmbeddedKafka#createTopic(String, int)} does: replication factor 1, returning once
     * each partition has its leader and answers offset requests.
     *
     * @param name the topic name, never {@code null}
     * @param partitions the number of partitions, at least 1
     * @throws IllegalStateException if the broker is closed, the topic exists already or is not usable within a
     *     minute
     */
    public void createTopic(String name, int partitions) {
        createTopic(name, partitions, Map.of());
    }

    /**
     * Like {@link #createTopic(String, int)}, with topic-level settings (for example
     * {@code cleanup.policy=compact}).
     *
     * @param name the topic name, never {@code null}
     * @param partitions the number of partitions, at least 1
     * @param configs topic settings, never {@code null}
     * @throws IllegalStateException if the broker is closed, the topic exists already or is not usable within a
     *     minute
     */
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        ensureOpen();
        EmbeddedKafka.createTopic(adminProperties(), name, partitions, configs);
    }

    /** Kills the broker's JVM if it runs and deletes the log directory (the output log is kept). Idempotent. */
    @Override
    public void close() {
        killAndDelete();
        ServerProcesses.removeShutdownHook(shutdownHook);
    }

    private synchronized void killAndDelete() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            destroy();
        } finally {
            ScratchDirectories.delete(logDir);
        }
        LOG.info("Kafka broker on {} closed, {} deleted", bootstrapServers, logDir);
    }

    /** SIGKILLs the child, if any, waits for it to exit and closes our end of its standard input. */
    private void destroy() {
        if (child != null) {
            child.kill();
        }
    }

    /**
     * For tests of the orphan watch: closes this side of the child's standard input, as the death of this JVM
     * does, and returns the child.
     */
    synchronized ChildJvm closeStandardInput() {
        child.closeStandardInput();
        return child;
    }

    /** {@link #requireOpen()} for callers that do not hold the lock (and should not, for long calls). */
    private synchronized void ensureOpen() {
        requireOpen();
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    @Override
    public synchronized String toString() {
        return "KafkaBrokerProcess[" + bootstrapServers + (closed ? ", closed]" : isAlive() ? "]" : ", down]");
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean mentionsBindFailure(Path log) {
        try {
            return Files.readString(log, StandardCharsets.UTF_8).contains(BindException.class.getName());
        } catch (IOException e) {
            return false;
        }
    }
}
