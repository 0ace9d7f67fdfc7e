package io.sluice.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, combined broker and controller) running inside this JVM, for
 * integration tests.
 *
 * <p>Guarantees, once {@link #start()} has returned:
 * <ul>
 *   <li>the broker listens only on {@code 127.0.0.1}, on a free port, and {@link #bootstrapServers()} reaches
 *       it; the controller listener is on another free loopback port and is not advertised;</li>
 *   <li>the broker is unfenced and answers metadata requests;</li>
 *   <li>both group protocols work: {@code classic} and {@code consumer} (KIP-848);</li>
 *   <li>group timeouts are lowered so that rebalance tests stay fast: a consumer-protocol member heartbeats
 *       every {@value #CONSUMER_HEARTBEAT_INTERVAL_MS} ms and is dropped after
 *       {@value #CONSUMER_SESSION_TIMEOUT_MS} ms of silence; a classic member may ask for a session timeout
 *       down to {@value #MIN_SESSION_TIMEOUT_MS} ms; the first rebalance of a group is not delayed;</li>
 *   <li>internal topics (offsets, transactions, share-group state) have one partition and replication
 *       factor 1, so transactions and group commits work on a single node;</li>
 *   <li>its data lives in a fresh directory under {@code target/} of the working directory (the module
 *       directory under Maven), which {@link #close()} deletes; or, started by
 *       {@link #start(Path, int, int, Map)}, on the caller's log directory and ports, where a broker started
 *       there before left it, and {@link #close()} keeps it.</li>
 * </ul>
 * Topics are auto-created as in a default broker, but tests should create them with
 * {@link #createTopic(String, int)}, which returns only once the topic can be produced to and fetched from.
 *
 * <p>Instances are thread-safe. {@link #close()} is idempotent. The broker artifacts are optional dependencies
 * of {@code sluice-test-fixtures}: a module that uses this class declares {@code kafka_2.13},
 * {@code kafka-server}, {@code kafka-metadata} and {@code kafka-server-common} itself.
 */
public final class EmbeddedKafka implements AutoCloseable {

    /** Session timeout of consumer-protocol (KIP-848) members, in milliseconds. */
    public static final int CONSUMER_SESSION_TIMEOUT_MS = 6_000;
    /** Heartbeat interval of consumer-protocol (KIP-848) members, in milliseconds. */
    public static final int CONSUMER_HEARTBEAT_INTERVAL_MS = 500;
    /** The smallest session timeout a member of either protocol may be given, in milliseconds. */
    public static final int MIN_SESSION_TIMEOUT_MS = 1_000;

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final int NODE_ID = 1;
    private static final String BROKER_LISTENER = "PLAINTEXT";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final int START_ATTEMPTS = 3;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration POLL_PAUSE = Duration.ofMillis(50);
    private static final String META_PROPERTIES = "meta.properties";

    private final KafkaRaftServer server;
    private final Path dataDir;
    private final boolean ownsDataDir;
    private final String bootstrapServers;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedKafka(KafkaRaftServer server, Path dataDir, boolean ownsDataDir, String bootstrapServers) {
        this.server = server;
        this.dataDir = dataDir;
        this.ownsDataDir = ownsDataDir;
        this.bootstrapServers = bootstrapServers;
    }

    /**
     * Formats a fresh log directory, starts the broker and waits until it serves clients.
     *
     * @return the running broker, never {@code null}; the caller closes it
     * @throws IllegalStateException if the broker did not start
     */
    public static EmbeddedKafka start() {
        return start(Map.of());
    }

    /**
     * Like {@link #start()}, with broker settings that replace or add to the defaults (for example
     * {@code log.cleaner.backoff.ms} for a compaction test). The listeners, node id and log directory are
     * chosen here and should not be overridden.
     *
     * @param overrides broker settings, never {@code null}
     * @return the running broker, never {@code null}; the caller closes it
     * @throws IllegalStateException if the broker did not start
     */
    public static EmbeddedKafka start(Map<String, String> overrides) {
        Objects.requireNonNull(overrides, "overrides");
        RuntimeException lastBindFailure = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            try {
                return startOnce(overrides);
            } catch (RuntimeException e) {
                // The free ports were chosen before binding: another process may have taken one meanwhile.
                if (!causedByBindFailure(e)) {
                    throw e;
                }
                LOG.warn("Embedded Kafka could not bind its ports (attempt {} of {}), retrying on others",
                        attempt, START_ATTEMPTS, e);
                lastBindFailure = e;
            }
        }
        throw new IllegalStateException("Embedded Kafka could not bind free loopback ports", lastBindFailure);
    }

    private static EmbeddedKafka startOnce(Map<String, String> overrides) {
        Path dataDir = ScratchDirectories.create("embedded-kafka-");
        int[] ports = LoopbackPorts.free(2);
        try {
            return launch(dataDir, ports[0], ports[1], overrides, true);
        } catch (RuntimeException | Error e) {
            ScratchDirectories.delete(dataDir);
            throw e;
        }
    }

    /**
     * Starts the broker on a log directory and ports of the caller's choosing, for a broker that must come back
     * where it was (the same data, the same bootstrap address) after a stop or a crash, e.g. in another JVM
     * ({@link KafkaBrokerProcess}). The directory is formatted only when it holds no {@code meta.properties} yet;
     * a directory formatted before, by this method, is reused as it is, with its topics, records and committed
     * offsets (after a crash the broker recovers its logs first). Returns once the broker serves clients, with the
     * same guarantees as {@link #start()} except that {@link #close()} stops the broker and <em>keeps</em> the
     * directory: it belongs to the caller.
     *
     * @param logDir the log directory, created if missing, never {@code null}
     * @param brokerPort the client port on {@code 127.0.0.1}
     * @param controllerPort the controller port on {@code 127.0.0.1}, different from {@code brokerPort}
     * @param overrides broker settings, as for {@link #start(Map)}, never {@code null}
     * @return the running broker, never {@code null}; the caller closes it
     * @throws IllegalStateException if the broker did not start, e.g. because a port is taken (no other ports are
     *     tried)
     */
    public static EmbeddedKafka start(Path logDir, int brokerPort, int controllerPort, Map<String, String> overrides) {
        Objects.requireNonNull(logDir, "logDir");
        Objects.requireNonNull(overrides, "overrides");
        if (brokerPort == controllerPort) {
            throw new IllegalArgumentException("the broker and controller ports must differ, both were " + brokerPort);
        }
        try {
            Files.createDirectories(logDir);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not create the log directory " + logDir, e);
        }
        return launch(logDir.toAbsolutePath(), brokerPort, controllerPort, overrides, false);
    }

    private static EmbeddedKafka launch(Path dataDir, int brokerPort, int controllerPort,
            Map<String, String> overrides, boolean ownsDataDir) {
        long startedAt = System.nanoTime();
        String bootstrapServers = "127.0.0.1:" + brokerPort;
        Properties props = brokerProperties(dataDir, brokerPort, controllerPort);
        props.putAll(overrides);
        KafkaRaftServer server = null;
        try {
            if (Files.exists(dataDir.resolve(META_PROPERTIES))) {
                LOG.debug("{} is formatted already: reusing it", dataDir);
            } else {
                format(dataDir, props);
            }
            server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
            server.startup();
            EmbeddedKafka kafka = new EmbeddedKafka(server, dataDir, ownsDataDir, bootstrapServers);
            awaitReady(bootstrapServers, () -> { });
            LOG.info("Embedded Kafka started on {} in {} ms (data in {})", bootstrapServers,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt), dataDir);
            return kafka;
        } catch (RuntimeException | Error e) {
            if (server != null) {
                shutdown(server);
            }
            throw e;
        }
    }

    private static Properties brokerProperties(Path dataDir, int brokerPort, int controllerPort) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
        p.put("listeners", BROKER_LISTENER + "://127.0.0.1:" + brokerPort
                + "," + CONTROLLER_LISTENER + "://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", BROKER_LISTENER + "://127.0.0.1:" + brokerPort);
        p.put("listener.security.protocol.map",
                BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("inter.broker.listener.name", BROKER_LISTENER);
        p.put("log.dirs", dataDir.toString());

        // one node: every internal topic must live with a single replica
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("share.coordinator.state.topic.num.partitions", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");

        // fast groups: no initial delay, short sessions and heartbeats under both protocols
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("group.min.session.timeout.ms", String.valueOf(MIN_SESSION_TIMEOUT_MS));
        p.put("group.consumer.min.session.timeout.ms", String.valueOf(MIN_SESSION_TIMEOUT_MS));
        p.put("group.consumer.session.timeout.ms", String.valueOf(CONSUMER_SESSION_TIMEOUT_MS));
        p.put("group.consumer.min.heartbeat.interval.ms", String.valueOf(CONSUMER_HEARTBEAT_INTERVAL_MS));
        p.put("group.consumer.heartbeat.interval.ms", String.valueOf(CONSUMER_HEARTBEAT_INTERVAL_MS));

        // a test broker on a shared two-core machine: few threads, a small cleaner buffer
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "2");
        p.put("background.threads", "2");
        p.put("log.cleaner.dedupe.buffer.size", String.valueOf(4 * 1024 * 1024));
        return p;
    }

    private static void format(Path dataDir, Properties props) {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try (PrintStream printStream = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            new Formatter()
                    .setPrintStream(printStream)
                    .setNodeId(NODE_ID)
                    .setClusterId(Uuid.randomUuid().toString())
                    .setDirectories(List.of(dataDir.toString()))
                    .setMetadataLogDirectory(dataDir.toString())
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("Could not format the embedded Kafka log directory " + dataDir, e);
        }
        LOG.debug("Formatted {}: {}", dataDir, output.toString(StandardCharsets.UTF_8).strip());
    }

    /**
     * Waits until the broker at {@code bootstrapServers} answers metadata requests naming itself and every
     * partition of every topic (internal ones too) has a leader, calling {@code check} between polls.
     *
     * @param check throws to give up early, e.g. when the broker's process died
     * @throws IllegalStateException when the broker is not ready within a minute
     */
    static void awaitReady(String bootstrapServers, Runnable check) {
        try (Admin admin = Admin.create(adminProperties(bootstrapServers))) {
            pollUntil("the broker on " + bootstrapServers + " to serve metadata", () -> {
                check.run();
                try {
                    if (admin.describeCluster().nodes().get(1, TimeUnit.SECONDS).isEmpty()) {
                        return false;
                    }
                    Set<String> topics = admin.listTopics(new ListTopicsOptions().listInternal(true)).names()
                            .get(1, TimeUnit.SECONDS);
                    return topics.isEmpty() || admin.describeTopics(topics).allTopicNames().get(1, TimeUnit.SECONDS)
                            .values().stream().flatMap(t -> t.partitions().stream())
                            .allMatch(p -> p.leader() != null && !p.leader().isEmpty());
                } catch (ExecutionException | TimeoutException e) {
                    return false;
                }
            });
        }
    }

    /**
     * The address clients use to reach the broker.
     *
     * @return {@code 127.0.0.1:port}, never {@code null}
     */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /**
     * Creates a topic with the given number of partitions (replication factor 1) and waits until each
     * partition has its leader and answers offset requests, so a producer and a consumer can use it at once.
     *
     * @param name the topic name, never {@code null}
     * @param partitions the number of partitions, at least 1
     * @throws IllegalStateException if the topic exists already or is not usable within a minute
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
     * @throws IllegalStateException if the topic exists already or is not usable within a minute
     */
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        ensureOpen();
        createTopic(adminProperties(), name, partitions, configs);
    }

    /** {@link #createTopic(String, int, Map)} on the broker an admin client with {@code adminProperties} reaches. */
    static void createTopic(Map<String, Object> adminProperties, String name, int partitions,
            Map<String, String> configs) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(configs, "configs");
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, was " + partitions);
        }
        try (Admin admin = Admin.create(adminProperties)) {
            NewTopic topic = new NewTopic(name, partitions, (short) 1).configs(configs);
            try {
                admin.createTopics(List.of(topic)).all().get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("Could not create topic " + name, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while creating topic " + name, e);
            }
            pollUntil("topic " + name + " to be usable", () -> isUsable(admin, name, partitions));
        }
        LOG.debug("Created topic {} with {} partitions", name, partitions);
    }

    private static boolean isUsable(Admin admin, String name, int partitions) throws InterruptedException {
        try {
            TopicDescription description = admin.describeTopics(List.of(name)).topicNameValues().get(name)
                    .get(1, TimeUnit.SECONDS);
            if (description.partitions().size() != partitions
                    || description.partitions().stream().anyMatch(p -> p.leader() == null || p.leader().isEmpty())) {
                return false;
            }
            Map<TopicPartition, OffsetSpec> latest = description.partitions().stream()
                    .collect(Collectors.toMap(p -> new TopicPartition(name, p.partition()), p -> OffsetSpec.latest()));
            admin.listOffsets(latest).all().get(1, TimeUnit.SECONDS);
            return true;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }

    /**
     * A new admin client connected to this broker.
     *
     * @return a new client, never {@code null}; the caller closes it
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
        return adminProperties(bootstrapServers);
    }

    static Map<String, Object> adminProperties(String bootstrapServers) {
        Map<String, Object> props = new HashMap<>();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return props;
    }

    /**
     * Settings for a producer to this broker: {@code acks=all}, no lingering, and byte-array serializers
     * (serializers passed to the producer's constructor take precedence).
     *
     * @return a new mutable map, never {@code null}
     */
    public Map<String, Object> producerProperties() {
        return producerProperties(bootstrapServers);
    }

    static Map<String, Object> producerProperties(String bootstrapServers) {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return props;
    }

    /**
     * Settings for a consumer of this broker in the given group and under the given group protocol:
     * {@code auto.offset.reset=earliest} and byte-array deserializers (deserializers passed to the consumer's
     * constructor take precedence). Nothing else is set, so the settings are valid under both protocols.
     *
     * @param groupId the consumer group, never {@code null}
     * @param protocol {@code CLASSIC} or {@code CONSUMER} (KIP-848), never {@code null}
     * @return a new mutable map, never {@code null}
     */
    public Map<String, Object> consumerProperties(String groupId, GroupProtocol protocol) {
        return consumerProperties(bootstrapServers, groupId, protocol);
    }

    static Map<String, Object> consumerProperties(String bootstrapServers, String groupId, GroupProtocol protocol) {
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(protocol, "protocol");
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        props.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol.name);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return props;
    }

    /**
     * Stops the broker, waits for it to shut down and deletes its data directory, unless the caller chose the
     * directory ({@link #start(Path, int, int, Map)}), which is kept. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long startedAt = System.nanoTime();
        shutdown(server);
        if (ownsDataDir) {
            ScratchDirectories.delete(dataDir);
        }
        LOG.info("Embedded Kafka on {} stopped in {} ms", bootstrapServers,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt));
    }

    @Override
    public String toString() {
        return "EmbeddedKafka[" + bootstrapServers + (closed.get() ? ", closed]" : "]");
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("Embedded Kafka on " + bootstrapServers + " is closed");
        }
    }

    private static void shutdown(KafkaRaftServer server) {
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException e) {
            LOG.warn("Embedded Kafka did not shut down cleanly", e);
        }
    }

    private static boolean causedByBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return true;
            }
        }
        return false;
    }

    static void pollUntil(String what, Condition condition) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        try {
            while (!condition.holds()) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("Timed out after " + READY_TIMEOUT + " waiting for " + what);
                }
                Thread.sleep(POLL_PAUSE.toMillis()); // a pause between polls, not a synchronisation
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for " + what, e);
        }
    }

    /** A condition polled until it holds. */
    @FunctionalInterface
    interface Condition {
        boolean holds() throws InterruptedException;
    }
}
