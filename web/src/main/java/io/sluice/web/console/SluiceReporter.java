package io.sluice.web.console;

import io.sluice.web.internal.SluiceVersion;
import io.sluice.runtime.PartitionState;
import io.sluice.runtime.SluiceEvent;
import io.sluice.runtime.SluiceEventListener;
import io.sluice.runtime.SluiceRuntime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports one runtime to the console: its state every interval to the reports topic, its failures to the errors
 * topic, and a final report marked {@code last} when closed, so the console shows the process as gone at once.
 *
 * <p>It sends through its own producer: not transactional, gzip-compressed, {@code acks=1}; a report that cannot
 * be sent is logged and dropped (the next one replaces it), and nothing the reporter does can block or fail the
 * runtime's consumers: failures are queued (at most 1,000; more count as left out) and sent from the reporter's
 * thread. Identical failures of one partition (same kind and error text) are sent once per
 * {@link ReporterSettings#errorThrottle()}, the next carrying how many were left out.
 *
 * <p>A halted runtime ({@link SluiceRuntime#halt()}, a simulated crash) falls silent: no report, no final one.
 *
 * <p>The console's topics must exist ({@code sluice-web.jar install}); the reporter never creates them.
 */
public final class SluiceReporter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SluiceReporter.class);
    private static final int MAX_QUEUED_ERRORS = 1_000;
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final SluiceRuntime runtime;
    private final ReporterSettings settings;
    private final Producer<String, String> producer;
    private final String group;
    private final String version = SluiceVersion.read();
    private final ScheduledExecutorService scheduler;
    private final ConcurrentLinkedQueue<ErrorReport> errors = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final ErrorThrottle throttle;
    private boolean closed;

    private SluiceReporter(SluiceRuntime runtime, ReporterSettings settings, Producer<String, String> producer) {
        this.runtime = runtime;
        this.settings = settings;
        this.producer = producer;
        this.group = runtime.consumerConfig().getOrDefault("group.id", "");
        this.throttle = new ErrorThrottle(runtime.name(), settings.host(), group, settings.errorThrottle());
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sluice-reporter-" + runtime.name());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts reporting {@code runtime}; call before the runtime starts (the reporter listens to its events).
     *
     * @param kafka the producer's connection settings (bootstrap servers, security); serializers, compression,
     *              acks and idempotence are the reporter's
     * @throws IllegalStateException when a console topic is missing (naming it and the install command), or when
     *                               the runtime already started
     */
    public static SluiceReporter start(SluiceRuntime runtime, Map<String, Object> kafka, ReporterSettings settings) {
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(settings, "settings");
        Map<String, Object> admin = new HashMap<>(kafka);
        admin.keySet().removeIf(k -> k.startsWith("key.") || k.startsWith("value.") || k.equals("acks"));
        try (Admin client = Admin.create(admin)) {
            settings.topics().requireInstalled(client);
        }
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "gzip");
        config.put(ProducerConfig.ACKS_CONFIG, "1");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        config.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, runtime.name() + "-reporter");
        config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Math.max(settings.maxReportBytes() * 2, 1_048_576));
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        SluiceReporter reporter = new SluiceReporter(runtime, settings, new KafkaProducer<>(config));
        try {
            runtime.listener(reporter.listener());
        } catch (IllegalStateException e) {
            reporter.producer.close(Duration.ZERO);
            throw new IllegalStateException("start the reporter before the runtime " + runtime.name()
                    + ": it listens to the runtime's events", e);
        }
        long every = settings.interval().toMillis();
        reporter.scheduler.scheduleAtFixedRate(reporter::tick, 0, every, TimeUnit.MILLISECONDS);
        return reporter;
    }

    /** Sends a final report marked {@code last} and the queued failures, then closes the producer. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        scheduler.shutdown();
        try {
            if (!scheduler.awaitTermination(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                scheduler.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            if (!runtime.isHalted()) {
                sendErrors();
                sendReport(true);
            }
        } catch (RuntimeException e) {
            LOG.warn("the final report of {} could not be sent: {}", runtime.name(), e.toString());
        }
        producer.close(CLOSE_TIMEOUT);
    }

    private void tick() {
        if (runtime.isHalted()) {
            return; // a halted runtime stands for a crashed process: it falls silent, and the console sees it go
        }
        try {
            sendErrors();
            sendReport(false);
        } catch (RuntimeException e) {
            LOG.warn("a report of {} could not be sent: {}", runtime.name(), e.toString());
        }
    }

    private void sendReport(boolean last) {
        ProcessReport report = snapshot(runtime, group, version, settings, last);
        for (String piece : ReportFormat.split(report, settings.maxReportBytes())) {
            producer.send(new ProducerRecord<>(settings.topics().reports(), runtime.name(), piece), (m, e) -> {
                if (e != null) {
                    LOG.warn("a report of {} was not delivered: {}", runtime.name(), e.toString());
                }
            });
        }
    }

    /** What {@code runtime} would report now. */
    static ProcessReport snapshot(SluiceRuntime runtime, String group, String version, ReporterSettings settings,
                                  boolean last) {
        List<PartitionReport> partitions = new ArrayList<>();
        Map<String, List<PartitionState>> byInstance = runtime.partitions();
        for (Map.Entry<String, List<PartitionState>> e : byInstance.entrySet()) {
            for (PartitionState s : e.getValue()) {
                TopicPartition tp = s.topicPartition();
                String state = s.pauseReasons().contains("operator") ? "OPERATOR_PAUSED" : s.state();
                partitions.add(new PartitionReport(tp.topic(), tp.partition(), e.getKey(), state,
                        s.fetchPosition(), s.committed(), s.marked(), settings.databaseOffsets().apply(tp),
                        s.latestLogEnd(), s.lag(), s.lastVerdict() == null ? "" : s.lastVerdict()));
            }
        }
        return new ProcessReport(runtime.name(), settings.host(), version, group, settings.clock().instant(),
                settings.interval(), last, 1, 1, List.copyOf(byInstance.keySet()), partitions, runtime.counters());
    }

    private void sendErrors() {
        ErrorReport error;
        while ((error = errors.poll()) != null) {
            queued.decrementAndGet();
            producer.send(new ProducerRecord<>(settings.topics().errors(), runtime.name(), error.toJson()),
                    (m, e) -> {
                        if (e != null) {
                            LOG.warn("an error report of {} was not delivered: {}", runtime.name(), e.toString());
                        }
                    });
        }
    }

    private SluiceEventListener listener() {
        return event -> {
            if (event instanceof SluiceEvent.Failed f) {
                failed(f);
            }
        };
    }

    private synchronized void failed(SluiceEvent.Failed f) {
        if (queued.get() >= MAX_QUEUED_ERRORS) {
            throttle.leftOut(f);
            return;
        }
        throttle.offer(f, settings.clock().instant()).ifPresent(report -> {
            errors.add(report);
            queued.incrementAndGet();
        });
    }
}
