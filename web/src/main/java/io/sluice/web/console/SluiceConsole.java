package io.sluice.web.console;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.web.internal.Assets;
import io.sluice.web.internal.Json;
import io.sluice.web.internal.SluiceVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Sluice console: one Web UI for every process of every group that reports to its topics. It reads the topics
 * with {@code assign()} (it joins no group) and keeps what it needs in memory; its only writes are the per-minute
 * history to the compacted metrics topic and, in operator mode, signed commands. Start it with
 * {@link #start(Map, ConsoleSettings)} or {@code java -jar sluice-web.jar --bootstrap-servers ...}.
 *
 * <p>Read-only unless started with operator tokens. Operator mode needs a command signing key, and on a
 * non-loopback address TLS unless {@link ConsoleSettings#insecureHttp()} is set (warned at every start).
 */
public final class SluiceConsole implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SluiceConsole.class);
    private static final int RESULTS_KEPT = 200;

    private final ConsoleSettings settings;
    private final ConsoleState state;
    private final History history;
    private final Deque<Map<String, Object>> results = new ArrayDeque<>();
    private final KafkaConsumer<String, String> reader;
    private final KafkaProducer<String, String> producer;
    private final KafkaProducer<byte[], byte[]> replayer;
    private final DeadLetterBrowser deadLetters;
    private final Thread readerThread;
    private final Local local;
    private final ScheduledExecutorService feed;
    private final HttpServer server;
    private final ExecutorService httpThreads;
    private final Set<String> refusedProcesses = new HashSet<>();
    private volatile boolean running = true;

    /** The runtime a console of one process shows, without Kafka. */
    private record Local(SluiceRuntime runtime, ReporterSettings reporting, Set<String> movableTopics,
                         String group, ErrorThrottle errors) {
    }

    private SluiceConsole(Map<String, Object> kafka, ConsoleSettings settings, Optional<OperatorTokens> tokens,
                          Local local) {
        this.settings = settings;
        this.local = local;
        this.state = new ConsoleState(settings.clock(), settings.ttl(), settings.stuckAfter(),
                settings.driftAmberAbove(), settings.maxErrors());
        this.history = new History(settings.clock());
        if (local != null) {
            this.reader = null;
            this.producer = null;
            this.replayer = null;
            this.deadLetters = null;
            this.readerThread = null;
            this.feed = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "sluice-console-" + local.runtime().name());
                t.setDaemon(true);
                return t;
            });
        } else {
            this.feed = null;
            Map<String, Object> consumer = new HashMap<>(kafka);
            consumer.remove(ConsumerConfig.GROUP_ID_CONFIG);
            consumer.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            consumer.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            consumer.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "sluice-console-reader");
            this.reader = new KafkaConsumer<>(consumer, new StringDeserializer(), new StringDeserializer());
            Map<String, Object> producerConfig = new HashMap<>(kafka);
            producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
            producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            producerConfig.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "sluice-console-writer");
            this.producer = new KafkaProducer<>(producerConfig, new StringSerializer(), new StringSerializer());
            Map<String, Object> replayerConfig = new HashMap<>(producerConfig);
            replayerConfig.put(ProducerConfig.CLIENT_ID_CONFIG, "sluice-console-replayer");
            this.replayer = new KafkaProducer<>(replayerConfig, new ByteArraySerializer(), new ByteArraySerializer());
            this.deadLetters = new DeadLetterBrowser(kafka, producer, replayer, settings.topics().metrics());
            this.readerThread = new Thread(this::read, "sluice-console-reader");
            this.readerThread.setDaemon(true);
        }

        boolean secure = settings.tls().isPresent();
        try {
            InetSocketAddress bind = new InetSocketAddress(settings.address(), settings.port());
            if (secure) {
                HttpsServer https = HttpsServer.create(bind, 0);
                https.setHttpsConfigurator(new HttpsConfigurator(settings.tls().get()));
                this.server = https;
            } else {
                this.server = HttpServer.create(bind, 0);
            }
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("the console cannot bind " + settings.address().getHostAddress() + ":"
                    + settings.port(), e);
        }
        this.httpThreads = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "sluice-console-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(httpThreads);
        server.createContext("/", new ConsoleHandler(backend(), new Assets(), tokens,
                ConsoleHandler.allowedHosts(settings.address(), settings.publicHosts()), secure, settings.clock()));
    }

    /**
     * Starts a console reading through a client with {@code kafka} (bootstrap servers, security settings).
     *
     * @throws IllegalStateException    when a console topic is missing (naming it and the install command), or
     *                                  operator mode lacks its signing key or, on a non-loopback address, TLS
     * @throws IllegalArgumentException when the operator tokens file is malformed
     * @throws UncheckedIOException     when the port cannot be bound
     */
    public static SluiceConsole start(Map<String, Object> kafka, ConsoleSettings settings) {
        Objects.requireNonNull(kafka, "kafka");
        Objects.requireNonNull(settings, "settings");
        Optional<OperatorTokens> tokens = settings.operatorTokens().map(OperatorTokens::parse);
        if (tokens.isPresent()) {
            if (settings.commandSigner().isEmpty()) {
                throw new IllegalStateException("operator mode needs the command signing key the runtimes share");
            }
            requireSafeTransport(settings);
        }
        Map<String, Object> admin = new HashMap<>(kafka);
        try (Admin client = Admin.create(admin)) {
            settings.topics().requireInstalled(client);
        }
        SluiceConsole console = new SluiceConsole(kafka, settings, tokens, null);
        console.assignAndSeek();
        console.readerThread.start();
        console.server.start();
        LOG.info("Sluice console at {} ({})", console.url(), tokens.isPresent() ? "operator mode" : "read-only");
        return console;
    }

    /**
     * The console of one runtime, without Kafka: the same overview, partitions, history and errors pages, fed from
     * {@code runtime} itself every {@link ReporterSettings#interval()} (its database offsets from
     * {@link ReporterSettings#databaseOffsets()}); with operator tokens an operator pauses, resumes and — on
     * {@code movableTopics} — moves offset-managed rows directly, with the same rules as through the commands
     * topic. Dead letters need the console's Kafka mode. Start it before the runtime (it listens to its events).
     *
     * @throws IllegalStateException    when the runtime already started, or operator mode on a non-loopback address
     *                                  lacks TLS and {@code insecureHttp}
     * @throws IllegalArgumentException when the operator tokens are malformed
     * @throws UncheckedIOException     when the port cannot be bound
     */
    public static SluiceConsole local(SluiceRuntime runtime, ConsoleSettings settings, ReporterSettings reporting,
                                      Set<String> movableTopics) {
        Objects.requireNonNull(runtime, "runtime");
        Optional<OperatorTokens> tokens = settings.operatorTokens().map(OperatorTokens::parse);
        if (tokens.isPresent()) {
            requireSafeTransport(settings);
        }
        String group = runtime.consumerConfig().getOrDefault("group.id", "");
        Local local = new Local(runtime, reporting, Set.copyOf(movableTopics), group,
                new ErrorThrottle(runtime.name(), reporting.host(), group, reporting.errorThrottle()));
        SluiceConsole console = new SluiceConsole(Map.of(), settings, tokens, local);
        try {
            runtime.listener(event -> {
                if (event instanceof io.sluice.runtime.SluiceEvent.Failed f) {
                    synchronized (local.errors()) {
                        local.errors().offer(f, reporting.clock().instant()).ifPresent(console.state::error);
                    }
                }
            });
        } catch (IllegalStateException e) {
            console.close();
            throw new IllegalStateException("start the console before the runtime " + runtime.name()
                    + ": it listens to the runtime's events", e);
        }
        String version = SluiceVersion.read();
        console.feed.scheduleAtFixedRate(() -> {
            try {
                ProcessReport report = SluiceReporter.snapshot(runtime, group, version, reporting, false);
                console.state.report(report);
                synchronized (console.history) {
                    console.history.record(report);
                }
            } catch (RuntimeException e) {
                LOG.warn("the console of {} could not read its state: {}", runtime.name(), e.toString());
            }
        }, 0, reporting.interval().toMillis(), TimeUnit.MILLISECONDS);
        console.server.start();
        LOG.info("Sluice console of {} at {} ({})", runtime.name(), console.url(),
                tokens.isPresent() ? "operator mode" : "read-only");
        return console;
    }

    private static void requireSafeTransport(ConsoleSettings settings) {
        if (!settings.address().isLoopbackAddress() && settings.tls().isEmpty()) {
            if (!settings.insecureHttp()) {
                throw new IllegalStateException("operator mode on " + settings.address().getHostAddress()
                        + " needs TLS: give a keystore, bind a loopback address, or accept the risk with"
                        + " --insecure-http");
            }
            LOG.warn("operator mode over plain HTTP on {}: tokens and session cookies cross the network in the"
                    + " clear (--insecure-http)", settings.address().getHostAddress());
        }
    }

    /** The console's address. */
    public URI url() {
        InetSocketAddress bound = server.getAddress();
        String host = bound.getAddress().isAnyLocalAddress() ? "127.0.0.1" : bound.getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create((settings.tls().isPresent() ? "https" : "http") + "://" + host + ":" + bound.getPort()
                + "/");
    }

    /** Stops serving and reading. */
    @Override
    public void close() {
        running = false;
        if (feed != null) {
            feed.shutdownNow();
        }
        if (server != null) {
            server.stop(0);
        }
        if (httpThreads != null) {
            httpThreads.shutdownNow();
        }
        if (reader != null) {
            reader.wakeup();
        }
        if (readerThread != null && readerThread.isAlive()) {
            try {
                readerThread.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else if (reader != null) {
            reader.close(CloseOptions.timeout(Duration.ofSeconds(5)));
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
        if (replayer != null) {
            replayer.close(Duration.ofSeconds(5));
        }
    }

    private void assignAndSeek() {
        ConsoleTopics t = settings.topics();
        TopicPartition reports = new TopicPartition(t.reports(), 0);
        TopicPartition errors = new TopicPartition(t.errors(), 0);
        TopicPartition results = new TopicPartition(t.results(), 0);
        TopicPartition metrics = new TopicPartition(t.metrics(), 0);
        List<TopicPartition> all = List.of(reports, errors, results, metrics);
        reader.assign(all);
        Map<TopicPartition, Long> begin = reader.beginningOffsets(all);
        Map<TopicPartition, Long> end = reader.endOffsets(all);
        long since = settings.clock().millis() - settings.ttl().multipliedBy(2).toMillis();
        OffsetAndTimestamp recent = reader.offsetsForTimes(Map.of(reports, since)).get(reports);
        reader.seek(reports, recent == null ? end.get(reports) : recent.offset());
        reader.seek(errors, Math.max(begin.get(errors), end.get(errors) - settings.maxErrors()));
        reader.seek(results, Math.max(begin.get(results), end.get(results) - RESULTS_KEPT));
        reader.seek(metrics, begin.get(metrics));
    }

    private void read() {
        ConsoleTopics t = settings.topics();
        try {
            while (running) {
                for (ConsumerRecord<String, String> r : reader.poll(Duration.ofMillis(200))) {
                    if (r.value() == null) {
                        continue;
                    }
                    try {
                        if (r.topic().equals(t.reports())) {
                            ProcessReport report = ReportFormat.read(r.value());
                            state.report(report);
                            synchronized (history) {
                                history.record(report);
                            }
                        } else if (r.topic().equals(t.errors())) {
                            state.error(ErrorReport.fromJson(r.value()));
                        } else if (r.topic().equals(t.results())) {
                            result(r.value());
                        } else if (r.topic().equals(t.metrics()) && !deadLetters.remember(r.key())) {
                            History.Aggregate aggregate = History.read(r.value());
                            synchronized (history) {
                                history.load(aggregate);
                            }
                        }
                    } catch (NewerReportFormatException e) {
                        state.refused(String.valueOf(r.key()), e.getMessage());
                        if (refusedProcesses.add(String.valueOf(r.key()))) {
                            LOG.warn("{}", e.getMessage());
                        }
                    } catch (RuntimeException e) {
                        LOG.debug("skipped a record of {} at {}: {}", r.topic(), r.offset(), e.toString());
                    }
                }
                List<History.Aggregate> closed;
                synchronized (history) {
                    closed = history.closedMinutes();
                }
                for (History.Aggregate a : closed) {
                    producer.send(new ProducerRecord<>(t.metrics(), History.key(a), History.write(a)));
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.error("the console stopped reading its topics", e);
        } finally {
            reader.close(CloseOptions.timeout(Duration.ofSeconds(5)));
        }
    }

    private void result(String json) {
        if (Json.read(json) instanceof Map<?, ?> m) {
            Map<String, Object> result = new HashMap<>();
            m.forEach((k, v) -> result.put(String.valueOf(k), v));
            result.putIfAbsent("summary", m.get("outcome") + " " + m.get("command") + " by " + m.get("process"));
            synchronized (results) {
                results.addFirst(result);
                while (results.size() > RESULTS_KEPT) {
                    results.removeLast();
                }
            }
        }
    }

    /** Carries out an operator's command on the one runtime of a local console, and records the answer. */
    private void applyLocally(OperatorCommand command) {
        OperatorActions.Answer answer = OperatorActions.apply(local.runtime(), local.group(), command,
                local.movableTopics(), tp -> logBound(tp, true), tp -> logBound(tp, false));
        Map<String, Object> result = new java.util.LinkedHashMap<>();
        result.put("outcome", answer.outcome());
        result.put("summary", answer.outcome() + ": " + command.getClass().getSimpleName()
                .toLowerCase(java.util.Locale.ROOT) + " of " + command.topic() + "-" + command.partition() + " by "
                + command.issuer() + " at " + local.runtime().name() + " (" + answer.detail() + ")");
        synchronized (results) {
            results.addFirst(result);
            while (results.size() > RESULTS_KEPT) {
                results.removeLast();
            }
        }
    }

    /** A partition's log start or end as its instance last saw it; unknown bounds admit no move. */
    private long logBound(TopicPartition tp, boolean start) {
        return local.runtime().partitions().values().stream().flatMap(List::stream)
                .filter(s -> s.topicPartition().equals(tp)).findFirst()
                .map(s -> start ? s.logStart() : s.latestLogEnd())
                .filter(java.util.OptionalLong::isPresent).map(java.util.OptionalLong::getAsLong)
                .orElse(start ? Long.MAX_VALUE : -1L);
    }

    private ConsoleHandler.Backend backend() {
        return new ConsoleHandler.Backend() {
            @Override
            public ConsoleState state() {
                return state;
            }

            @Override
            public List<History.Point> series(String group, String topic, Duration window) {
                synchronized (history) {
                    return history.series(group, topic, window);
                }
            }

            @Override
            public List<String> topics(String group) {
                return state.topics(group);
            }

            @Override
            public List<Map<String, Object>> results() {
                synchronized (results) {
                    return new ArrayList<>(results);
                }
            }

            @Override
            public List<String> deadLetterTopics() {
                return local != null ? List.of() : deadLetters.topics();
            }

            @Override
            public List<DeadLetterBrowser.Letter> deadLetters(String topic, boolean withPayloads) {
                return local != null ? List.of() : deadLetters.newest(topic, 100, withPayloads);
            }

            @Override
            public DeadLetterBrowser.Replay replay(String topic, int partition, long from, int count, boolean force,
                                                   String operator) throws Exception {
                if (local != null) {
                    throw new IllegalStateException("replaying dead letters needs the console's Kafka mode");
                }
                return deadLetters.replay(topic, partition, from, count, force, operator);
            }

            @Override
            public void send(OperatorCommand command) throws Exception {
                if (local != null) {
                    applyLocally(command);
                    return;
                }
                String signed = settings.commandSigner().orElseThrow().sign(command);
                String key = SluiceCommands.pauseKey(command.group(), command.topic(), command.partition());
                if (command instanceof OperatorCommand.Pause) {
                    // the wish that outlives rebalances and restarts: every runtime of the group reads it
                    producer.send(new ProducerRecord<>(settings.topics().pauses(), key, signed))
                            .get(10, TimeUnit.SECONDS);
                } else if (command instanceof OperatorCommand.Resume) {
                    producer.send(new ProducerRecord<>(settings.topics().pauses(), key, null))
                            .get(10, TimeUnit.SECONDS);
                }
                producer.send(new ProducerRecord<>(settings.topics().commands(), command.id().toString(), signed))
                        .get(10, TimeUnit.SECONDS);
            }
        };
    }
}
