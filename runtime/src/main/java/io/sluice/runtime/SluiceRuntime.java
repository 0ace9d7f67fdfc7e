package io.sluice.runtime;

import io.sluice.dsl.Subscription;
import io.sluice.dsl.Topology;
import io.sluice.runtime.internal.BlockingReportQueue;
import io.sluice.runtime.internal.KafkaDeadLetterPublisher;
import io.sluice.runtime.internal.ListenerLoop;
import io.sluice.runtime.internal.LoopSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link Topology} on real Kafka consumers: one listener thread per consumer instance owns its
 * {@code KafkaConsumer}; batches run as jobs on a shared worker pool, one job at a time per partition.
 *
 * <pre>{@code
 * try (SluiceRuntime runtime = SluiceRuntime.start(topology, props)) {
 *     ...
 * }   // close(): in-flight jobs finish, marks are committed
 * }</pre>
 *
 * <p>Guarantees: {@link #close()} is idempotent and returns within the shutdown timeout plus the commit and
 * close timeouts; {@link #halt()} simulates a crash (nothing committed, the group left at once).
 */
public final class SluiceRuntime implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SluiceRuntime.class);
    private static final AtomicInteger RUNTIMES = new AtomicInteger();

    private final Topology topology;
    private final Properties properties;
    private final RuntimeSettings settings;
    private final Function<Properties, Consumer<byte[], byte[]>> consumers;
    private final List<Instance> instances = new ArrayList<>();
    private final String name;
    private final List<SluiceEventListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private JobObserver jobObserver = JobObserver.NONE;
    private final Set<TopicPartition> operatorPauses = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Set<TopicPartition> operatorMoves = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private ExecutorService workers;
    private KafkaDeadLetterPublisher deadLetters;
    private final Properties deadLetterProducer = new Properties();
    private KafkaTransactionSettings transactions;
    private final Map<String, io.sluice.runtime.internal.KafkaTransactionalProducers> transactionalProducers =
            new LinkedHashMap<>();
    private boolean started;
    private boolean stopped;
    private boolean halted;

    private SluiceRuntime(Topology topology, Properties properties, RuntimeSettings settings,
                          Function<Properties, Consumer<byte[], byte[]>> consumers) {
        this.topology = Objects.requireNonNull(topology, "topology");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.consumers = Objects.requireNonNull(consumers, "consumers");
        this.name = "sluice-" + RUNTIMES.incrementAndGet();
        // validate now, so a bad configuration fails before anything starts
        ConsumerConfigs.forInstance(Objects.requireNonNull(properties, "properties"), name);
        this.properties = new Properties();
        this.properties.putAll(properties);
        for (Subscription s : topology.subscriptions()) {
            ConsumerConfigs.forInstance(propertiesOf(s), name);
        }
        refuseSharedTopics(topology);
    }

    /**
     * Two subscriptions in one Kafka group (a {@code .group(id)} named like the runtime's own {@code group.id})
     * must not subscribe to one topic: the group would split its partitions between their consumer instances, each
     * with its own declaration. build() rejects this within an explicit group; only here is the runtime's group known.
     */
    private void refuseSharedTopics(Topology topology) {
        List<Subscription> all = topology.subscriptions();
        for (int i = 0; i < all.size(); i++) {
            for (int j = i + 1; j < all.size(); j++) {
                Subscription a = all.get(i);
                Subscription b = all.get(j);
                String group = propertiesOf(a).getProperty(ConsumerConfig.GROUP_ID_CONFIG, "").trim();
                if (!group.equals(propertiesOf(b).getProperty(ConsumerConfig.GROUP_ID_CONFIG, "").trim())) {
                    continue;
                }
                List<String> shared = sharedTopics(a, b);
                if (!shared.isEmpty()) {
                    throw new IllegalArgumentException("topic '" + shared.get(0) + "' is subscribed to twice in consumer"
                            + " group '" + group + "' (" + describe(a) + " and " + describe(b) + "): the group would"
                            + " split its partitions between the two declarations; declare it once per group");
                }
            }
        }
    }

    private static List<String> sharedTopics(Subscription a, Subscription b) {
        List<String> shared = new ArrayList<>();
        for (String topic : a.topics()) {
            if (b.topics().contains(topic) || matches(b, topic)) {
                shared.add(topic);
            }
        }
        for (String topic : b.topics()) {
            if (matches(a, topic)) {
                shared.add(topic);
            }
        }
        return shared;
    }

    private static boolean matches(Subscription s, String topic) {
        return s.patterns().stream().anyMatch(p -> java.util.regex.Pattern.compile(p).matcher(topic).matches());
    }

    private static String describe(Subscription s) {
        return s.group().map(g -> "group '" + g + "'").orElse("the topology's top-level topics")
                + (s.name().equals(Subscription.DEFAULT) ? "" : ", subscription group '" + s.name() + "'");
    }

    /**
     * A runtime for {@code topology} with the given Kafka consumer properties and default settings; not started.
     *
     * @throws IllegalArgumentException when {@code bootstrap.servers} or {@code group.id} is missing
     */
    public static SluiceRuntime create(Topology topology, Properties kafka) {
        return create(topology, kafka, RuntimeSettings.defaults());
    }

    /** A runtime with explicit settings; not started. */
    public static SluiceRuntime create(Topology topology, Properties kafka, RuntimeSettings settings) {
        return new SluiceRuntime(topology, kafka, settings, KafkaConsumer::new);
    }

    /** A runtime over consumers made by {@code consumers} (tests inject their own); not started. */
    static SluiceRuntime create(Topology topology, Properties kafka, RuntimeSettings settings,
                                Function<Properties, Consumer<byte[], byte[]>> consumers) {
        return new SluiceRuntime(topology, kafka, settings, consumers);
    }

    /** Creates and starts a runtime with default settings. */
    public static SluiceRuntime start(Topology topology, Properties kafka) {
        return create(topology, kafka).start();
    }

    /** Creates and starts a runtime. */
    public static SluiceRuntime start(Topology topology, Properties kafka, RuntimeSettings settings) {
        return create(topology, kafka, settings).start();
    }

    /**
     * Adds a listener that receives this runtime's events (metrics, a dashboard); call before {@link #start()}.
     * Listeners are called in the order added. Returns this.
     */
    public synchronized SluiceRuntime listener(SluiceEventListener eventListener) {
        if (started) {
            throw new IllegalStateException("add event listeners before starting " + name);
        }
        listeners.add(Objects.requireNonNull(eventListener, "eventListener"));
        return this;
    }

    /**
     * Wraps every batch job of this runtime with {@code observer} (Sluice's Spring Boot support makes each a Micrometer
     * observation), replacing the one set before; call before {@link #start()}. Returns this.
     */
    public synchronized SluiceRuntime jobObserver(JobObserver observer) {
        if (started) {
            throw new IllegalStateException("set the job observer before starting " + name);
        }
        jobObserver = Objects.requireNonNull(observer, "observer");
        return this;
    }

    /**
     * Pauses {@code topicPartition} for an operator: an instance that holds it stops fetching it at its next step (a
     * job in flight finishes), and keeps it paused through rebalances — an instance that is assigned it later pauses
     * it before fetching — until {@link #resumeByOperator(TopicPartition)}. The wish lives in this runtime; the
     * console's pauses topic carries it to every process and across restarts. May be called before or after
     * {@link #start()}, from any thread.
     *
     * @return whether an instance of this runtime holds the partition now
     */
    public boolean pauseByOperator(TopicPartition topicPartition) {
        operatorPauses.add(Objects.requireNonNull(topicPartition, "topicPartition"));
        return holds(topicPartition);
    }

    /**
     * Ends an operator's pause of {@code topicPartition}; other reasons to pause it (a filter's verdict, a backoff)
     * still hold.
     *
     * @return whether an instance of this runtime holds the partition now
     */
    public boolean resumeByOperator(TopicPartition topicPartition) {
        operatorPauses.remove(Objects.requireNonNull(topicPartition, "topicPartition"));
        return holds(topicPartition);
    }

    /**
     * Tells the instance holding {@code topicPartition} that an operator moved its stored offset (the offset
     * manager's row, see {@code OffsetAuthority.move}): it voids its marks and enforces the partition again, so
     * consuming resumes from the row. From any thread.
     *
     * @return whether an instance of this runtime holds the partition now
     */
    public boolean enforceAfterOperatorMove(TopicPartition topicPartition) {
        boolean held = holds(Objects.requireNonNull(topicPartition, "topicPartition"));
        if (held) {
            operatorMoves.add(topicPartition);
        }
        return held;
    }

    /** The partitions operators want paused, unmodifiable. */
    public Set<TopicPartition> operatorPauses() {
        return Set.copyOf(operatorPauses);
    }

    private boolean holds(TopicPartition topicPartition) {
        return partitions().values().stream().flatMap(List::stream)
                .anyMatch(s -> s.topicPartition().equals(topicPartition));
    }

    /** The job observer set with {@link #jobObserver(JobObserver)}; {@link JobObserver#NONE} by default. */
    public synchronized JobObserver jobObserver() {
        return jobObserver;
    }

    /**
     * Gives the dead-letter producer its own Kafka properties, read now from {@code file} (a {@code .properties}
     * file): another cluster, other credentials. Without {@code bootstrap.servers} in the file, the file overrides
     * the consumer's settings; with it, nothing is taken from the consumer's properties (its credentials never go
     * to another cluster). {@code acks=all}, idempotence and the serializers are always Sluice's. The properties
     * are never logged, and a failure to read the file names the file, not its content. Call before
     * {@link #start()}. Returns this.
     *
     * @throws IllegalArgumentException when the file cannot be read
     */
    public synchronized SluiceRuntime deadLetterProducerProperties(java.nio.file.Path file) {
        if (started) {
            throw new IllegalStateException("set the dead-letter producer's properties before starting " + name);
        }
        Properties read = new Properties();
        try (java.io.Reader in = java.nio.file.Files.newBufferedReader(Objects.requireNonNull(file, "file"),
                java.nio.charset.StandardCharsets.UTF_8)) {
            read.load(in);
        } catch (java.io.IOException | IllegalArgumentException e) {
            // the exception's own message could quote the content: name the file and the kind of error only
            throw new IllegalArgumentException("cannot read the dead-letter producer's properties from " + file
                    + " (" + e.getClass().getSimpleName() + ")");
        }
        deadLetterProducer.clear();
        deadLetterProducer.putAll(read);
        return this;
    }

    /**
     * Configures the transactional producers that topics declared with {@code kafkaTransactions()} send through (see
     * {@link KafkaTransactionSettings}); required for such a topology. Call before {@link #start()}. Returns this.
     *
     * @throws IllegalArgumentException when {@code transaction.timeout.ms} does not exceed the longest job
     *                                  ({@code maxJobDuration}) plus the commit timeout
     */
    public synchronized SluiceRuntime kafkaTransactions(KafkaTransactionSettings value) {
        if (started) {
            throw new IllegalStateException("configure Kafka transactions before starting " + name);
        }
        Objects.requireNonNull(value, "value");
        Duration needed = value.maxJobDuration().plus(settings.commitTimeout());
        if (value.transactionTimeout().compareTo(needed) <= 0) {
            throw new IllegalArgumentException("transaction.timeout.ms " + value.transactionTimeout().toMillis()
                    + " must exceed the longest job (maxJobDuration " + value.maxJobDuration().toMillis()
                    + " ms) plus the commit timeout (" + settings.commitTimeout().toMillis() + " ms): the broker would"
                    + " abort transactions Sluice may still commit");
        }
        this.transactions = value;
        return this;
    }

    /** The consumer properties of {@code s}: the runtime's, its consumer group and its Kafka properties. */
    private Properties propertiesOf(Subscription s) {
        Properties p = new Properties();
        p.putAll(properties);
        s.group().ifPresent(g -> p.put(ConsumerConfig.GROUP_ID_CONFIG, g));
        p.putAll(s.kafka());
        return p;
    }

    /** The dead-letter producer's effective properties (for tests; never logged). */
    synchronized Properties deadLetterProducerConfig() {
        return KafkaDeadLetterPublisher.producerProperties(properties, deadLetterProducer);
    }

    /** The runtime's name, unique in this JVM (prefix of its threads and client ids). */
    public String name() {
        return name;
    }

    /** The topology this runtime runs. */
    public Topology topology() {
        return topology;
    }

    /** Starts the listener threads; returns this. */
    public synchronized SluiceRuntime start() {
        if (started) {
            throw new IllegalStateException(name + " is already started");
        }
        if (transactions == null && topology.topics().stream().anyMatch(t -> t.settings().kafkaTransactions())) {
            throw new IllegalStateException("the topology declares kafkaTransactions(); configure the transactional"
                    + " producers with kafkaTransactions(KafkaTransactionSettings) before start()");
        }
        started = true;
        workers = Executors.newFixedThreadPool(settings.workerThreads(), threads(name + "-worker"));
        deadLetters = new KafkaDeadLetterPublisher(properties, deadLetterProducer,
                settings.commitTimeout().multipliedBy(6));
        // one set of consumer instances per subscription (consumer group and subscription group)
        for (Subscription s : topology.subscriptions()) {
            Properties subscriptionProperties = propertiesOf(s);
            Duration maxPollInterval = Duration.ofMillis(Long.parseLong(subscriptionProperties.getProperty(
                    ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, "300000").trim()));
            LoopSettings subscriptionLoop = new LoopSettings(settings.pollTimeout(), settings.commitInterval(),
                    settings.effectiveRevocationGrace(maxPollInterval), settings.commitTimeout(),
                    settings.blockedAlertAfter(), ConsumerConfigs.userAutoOffsetReset(subscriptionProperties));
            for (int i = 0; i < settings.consumerInstances(); i++) {
                String instanceName = name + (s.isDefault() ? "" : "-" + s.group().map(g -> g + "-").orElse("")
                        + s.name()) + "-consumer-" + i;
                String memberSuffix = (s.name().equals(Subscription.DEFAULT) ? "" : s.name() + "-") + i;
                Consumer<byte[], byte[]> consumer = consumers.apply(
                        ConsumerConfigs.forInstance(subscriptionProperties, instanceName, memberSuffix));
                notifyConsumerListener(true, instanceName, consumer);
                ListenerLoop loop = new ListenerLoop(instanceName, topology.select(s), consumer, settings.clock(),
                        System::nanoTime, workers, new BlockingReportQueue(), subscriptionLoop, this::emit,
                        deadLetters);
                loop.brokerSidePatterns(ConsumerConfigs.isConsumerProtocol(subscriptionProperties));
                loop.jobObserver(jobObserver);
                loop.operatorPauses(operatorPauses);
                loop.operatorMoves(operatorMoves);
                if (transactions != null) {
                    String group = subscriptionProperties.getProperty(ConsumerConfig.GROUP_ID_CONFIG).trim();
                    loop.kafkaTransactions(transactionalProducers.computeIfAbsent(group, g -> {
                        Properties own = new Properties();
                        own.putAll(transactions.producerProperties());
                        return new io.sluice.runtime.internal.KafkaTransactionalProducers(
                                KafkaDeadLetterPublisher.producerProperties(subscriptionProperties, own),
                                transactions.transactionalIdPrefix(), g, transactions.producers(),
                                settings.commitTimeout());
                    }), transactions.maxJobDuration());
                }
                Instance instance = new Instance(instanceName, loop, consumer);
                instances.add(instance);
                instance.thread.start();
            }
        }
        LOG.info("{} started: {} consumer instance(s), {} worker(s), {}", name, instances.size(),
                settings.workerThreads(), topology);
        return this;
    }

    /** Closes with the configured shutdown timeout. */
    @Override
    public void close() {
        stop(false);
    }

    /**
     * A simulated crash, for demos and tests: marks are discarded, nothing is committed, and every consumer
     * leaves its group at once, so the partitions move without waiting out a session timeout. Idempotent.
     */
    public void halt() {
        stop(true);
    }

    /** Whether the runtime is started and not yet closed or halted. */
    public synchronized boolean isRunning() {
        return started && !stopped;
    }

    /**
     * Whether the runtime was stopped by {@link #halt()} (a simulated crash) rather than by {@link #close()}; false
     * while it runs or was never started. A halt after a close changes nothing, so it stays false then.
     */
    public synchronized boolean isHalted() {
        return halted;
    }

    /**
     * The consumer instances that stopped on an unexpected error, with the error; empty while all are healthy.
     * A runtime with failures keeps running its other instances; {@link #isRunning()} stays true until closed.
     */
    public Map<String, Throwable> failures() {
        Map<String, Throwable> failed = new LinkedHashMap<>();
        for (Instance i : instances) {
            if (i.failure != null) {
                failed.put(i.name, i.failure);
            }
        }
        return failed;
    }

    /**
     * The Kafka consumer configuration the runtime's instances run with: the user's properties with the ones the
     * runtime owns applied ({@code auto.offset.reset=none}, {@code isolation.level} when unset, deserializers,
     * {@code enable.auto.commit}, the assignor), as instance 0 of the topology's first subscription gets it (later
     * instances differ only in {@code client.id} and {@code group.instance.id}; other subscriptions also in their
     * {@code group.id} and their subscription group's properties). Values of keys that hold secrets
     * ({@code password}, {@code sasl.jaas.config}) are masked. Unmodifiable.
     */
    public Map<String, String> consumerConfig() {
        Properties effective = ConsumerConfigs.forInstance(propertiesOf(topology.subscriptions().get(0)),
                name + "-consumer-0");
        Map<String, String> config = new java.util.TreeMap<>();
        for (String key : effective.stringPropertyNames()) {
            String lower = key.toLowerCase(java.util.Locale.ROOT);
            boolean secret = lower.contains("password") || lower.contains("jaas.config");
            config.put(key, secret ? "[hidden]" : effective.getProperty(key));
        }
        return java.util.Collections.unmodifiableMap(config);
    }

    /**
     * Whether the runtime is caught up: started, every consumer instance has polled, at least one partition is
     * assigned, and every assigned partition is idle at the log end it last saw (the last stable offset under {@code read_committed})
     * with everything before it decided, with no job in flight. Turns false again as soon as new records arrive
     * and are fetched. Meant for tests and health checks that must not infer completion from offset rows.
     */
    public boolean isCaughtUp() {
        if (!isRunning() || instances.isEmpty()) {
            return false;
        }
        boolean holdsAny = false;
        for (Instance i : instances) {
            if (!i.caughtUp) {
                return false;
            }
            holdsAny |= !i.snapshot.isEmpty();
        }
        return holdsAny;
    }

    /** Snapshots of every assigned partition, by consumer instance name. */
    public Map<String, List<PartitionState>> partitions() {
        Map<String, List<PartitionState>> all = new LinkedHashMap<>();
        for (Instance i : instances) {
            all.put(i.name, i.snapshot);
        }
        return all;
    }

    /** Counters of every consumer instance, summed. */
    public Map<String, Long> counters() {
        Map<String, Long> sum = new LinkedHashMap<>();
        for (Instance i : instances) {
            i.loop.counters().snapshot().forEach((k, v) -> sum.merge(k, v, Long::sum));
        }
        return sum;
    }

    private void emit(SluiceEvent event) {
        for (SluiceEventListener l : listeners) {
            try {
                l.on(event);
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable e) {
                LOG.warn("event listener {} failed on {}: {}", l, event.getClass().getSimpleName(), e.toString());
            }
        }
    }

    private void stop(boolean crash) {
        synchronized (this) {
            if (!started || stopped) {
                return;
            }
            stopped = true;
            halted = crash;
        }
        for (Instance i : instances) {
            i.requestStop(crash);
        }
        long waitMillis = settings.shutdownTimeout().plus(settings.commitTimeout()).plusSeconds(30).toMillis();
        for (Instance i : instances) {
            try {
                if (!i.done.await(waitMillis, TimeUnit.MILLISECONDS)) {
                    LOG.error("{} did not stop within {} ms", i.name, waitMillis);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (crash) {
            workers.shutdownNow();
        } else {
            workers.shutdown();
        }
        deadLetters.close();
        transactionalProducers.values().forEach(io.sluice.runtime.internal.KafkaTransactionalProducers::close);
        LOG.info("{} {}", name, crash ? "halted" : "closed");
    }

    /** Tells the settings' consumer listener; what it throws is logged, never thrown on. */
    private void notifyConsumerListener(boolean added, String instanceName, Consumer<byte[], byte[]> consumer) {
        try {
            if (added) {
                settings.consumerListener().consumerAdded(instanceName, consumer);
            } else {
                settings.consumerListener().consumerRemoved(instanceName, consumer);
            }
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            LOG.warn("consumer listener {} failed on {} of {}: {}", settings.consumerListener(),
                    added ? "the creation" : "the close", instanceName, e.toString());
        }
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** One consumer instance: its listener thread runs the loop until asked to stop. */
    private final class Instance {
        final String name;
        final ListenerLoop loop;
        final Consumer<byte[], byte[]> consumer;
        final Thread thread;
        final CountDownLatch done = new CountDownLatch(1);
        volatile boolean stopRequested;
        volatile boolean crash;
        volatile List<PartitionState> snapshot = List.of();
        volatile boolean caughtUp;
        volatile Throwable failure;

        Instance(String name, ListenerLoop loop, Consumer<byte[], byte[]> consumer) {
            this.name = name;
            this.loop = loop;
            this.consumer = consumer;
            this.thread = new Thread(this::run, name);
        }

        void requestStop(boolean asCrash) {
            crash = asCrash;
            stopRequested = true;
            consumer.wakeup();
        }

        private void run() {
            try {
                loop.subscribe();
                while (!stopRequested) {
                    step();
                }
                if (crash) {
                    loop.halt(settings.commitTimeout());
                    return;
                }
                loop.beginClose();
                long deadline = System.nanoTime() + settings.shutdownTimeout().toNanos();
                while (loop.hasJobsInFlight() && System.nanoTime() < deadline) {
                    step();
                }
                loop.finishClose(settings.commitTimeout());
            } catch (RuntimeException | Error e) {
                LOG.error("{} stopped on an unexpected error", name, e);
                emit(new SluiceEvent.InstanceFailed(name, e));
                failure = e;
                try {
                    consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(settings.commitTimeout()));
                } catch (RuntimeException closing) {
                    LOG.warn("{}: closing after the error failed: {}", name, closing.toString());
                }
            } finally {
                snapshot = List.of();
                caughtUp = false;
                notifyConsumerListener(false, name, consumer);
                done.countDown();
            }
        }

        private void step() {
            loop.step();
            int failures = loop.consecutivePollFailures();
            if (failures > 0) {
                // a poll that keeps failing must not spin a core: back off, 100 ms doubling up to 5 s
                long millis = Math.min(5_000L, 100L << Math.min(failures - 1, 6));
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(millis));
            }
            snapshot = loop.partitions();
            caughtUp = loop.caughtUp();
        }
    }
}
