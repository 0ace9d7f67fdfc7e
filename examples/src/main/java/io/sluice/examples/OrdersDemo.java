package io.sluice.examples;

import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.examples.DemoOptions.InvalidOptionException;
import io.sluice.examples.OrdersTable.Tally;
import io.sluice.filters.OffsetManager;
import io.sluice.filters.PartitionOffsets;
import io.sluice.runtime.RuntimeSettings;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.web.DashboardSettings;
import io.sluice.web.SluiceDashboard;
import io.sluice.web.console.ConsoleSettings;
import io.sluice.web.console.ConsoleTopics;
import io.sluice.web.console.PartitionReport;
import io.sluice.web.console.ReporterSettings;
import io.sluice.web.console.SluiceConsole;
import io.sluice.web.console.SluiceReporter;
import io.sluice.runtime.PartitionState;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jooq.impl.DSL;

/**
 * The runnable demo: exactly-once order processing across a crash.
 *
 * <ol>
 *   <li>Starts the in-process Kafka broker and an H2 file database in the work directory (or uses the cluster
 *       and database the options name), creates the {@code orders} topic and produces N order events.</li>
 *   <li>Consumes them with two {@link SluiceRuntime}s in one group. The topic's chain is the
 *       {@link OffsetManager} (first), a throttle and an expiry; the consumer writes each order into the
 *       {@code orders} table inside the partition's offset transaction ({@link PartitionOffsets#consume}).</li>
 *   <li>Kafka offsets are committed rarely (every {@link #COMMIT_INTERVAL}; and on orderly revocation), so when
 *       one runtime is halted midway ({@link SluiceRuntime#halt()}: a crash, nothing committed) Kafka's
 *       committed offsets of its partitions lag the database's. A new runtime joins; whoever takes those
 *       partitions over is fetched from Kafka's stale offsets, and the offset manager seeks to the database's.</li>
 *   <li>Prints a progress line per second, then checks the table against what was produced and ends with
 *       {@code processed=<N> duplicates=<D> lost=<L>}.</li>
 * </ol>
 * Exit codes: 0 when every order was processed exactly once, 1 otherwise or on a failure, 2 for bad options.
 * {@link #run} does all of it without calling {@link System#exit}, for tests.
 */
public final class OrdersDemo {

    /** How often runtimes commit marks to Kafka: longer than a run, so a halt leaves Kafka behind the database. */
    static final Duration COMMIT_INTERVAL = Duration.ofMinutes(10);
    /** The throttle: per partition and second; generous, it only bites when a partition races ahead. */
    static final int THROTTLE_PER_SECOND = 2_500;
    /** The expiry: far longer than a run, so no order expires; it is in the chain to show the chain. */
    static final Duration EXPIRE_AFTER = Duration.ofHours(1);
    /** {@code max.poll.records} of every consumer. */
    static final int MAX_POLL_RECORDS = 500;
    /** {@code heartbeat.interval.ms} of every consumer. */
    static final int HEARTBEAT_INTERVAL_MS = 500;
    /** Worker threads per runtime. */
    static final int WORKER_THREADS = 3;

    private static final Duration TICK = Duration.ofSeconds(1);
    /**
     * How a bad option's message says to list the options: {@code --help}, unless the launcher knows better (the
     * Maven route sets {@code -Dsluice.demo.help=-Ddemo.args=--help}).
     */
    private static final String HELP_HINT_PROPERTY = "sluice.demo.help";

    private final DemoOptions options;
    private final PrintStream out;
    private final Colors colors;
    private final CountDownLatch lingerCut;
    private final long startedAt = System.nanoTime();
    private final ProcessedOrders processed = new ProcessedOrders();
    private final OffsetManagerSeeks offsetManagerSeeks = new OffsetManagerSeeks();
    private final List<SluiceRuntime> runtimes = new ArrayList<>();
    private final List<SluiceDashboard> dashboards = new ArrayList<>();
    private final List<SluiceReporter> reporters = new ArrayList<>();
    private SluiceConsole console;
    private String bootstrapServers;
    private PartitionOffsets dashboardOffsets;

    private OrdersDemo(DemoOptions options, PrintStream out, Colors colors, CountDownLatch lingerCut) {
        this.options = options;
        this.out = out;
        this.colors = colors;
        this.lingerCut = lingerCut;
    }

    /** Runs the demo and exits with its exit code. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs the demo.
     *
     * @param args the command line; {@code --help} lists the options
     * @param out  where progress and the summary go; its last line is {@code processed=.. duplicates=.. lost=..}
     * @param err  where problems go
     * @return 0 when every order was processed exactly once; 1 on duplicates, losses or a failure; 2 when an
     *     option is bad (the message names it)
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Map<String, String> environment = System.getenv();
        return run(args, environment, Colors.detect(environment), out, err, new CountDownLatch(1));
    }

    /**
     * {@link #run(String[], PrintStream, PrintStream)} with the environment and colours given, and a latch that
     * cuts {@code --linger} short when counted down (for tests).
     */
    static int run(String[] args, Map<String, String> environment, Colors colors, PrintStream out, PrintStream err,
                   CountDownLatch lingerCut) {
        DemoOptions options;
        try {
            options = DemoOptions.parse(environment, args);
        } catch (InvalidOptionException e) {
            err.println(colors.bad("OrdersDemo: " + e.getMessage()));
            err.println("Run with " + System.getProperty(HELP_HINT_PROPERTY, "--help") + " to list the options.");
            return 2;
        }
        if (options.help()) {
            out.println(DemoOptions.usage());
            return 0;
        }
        quietJooq();
        try {
            Tally tally = new OrdersDemo(options, out, colors, lingerCut).execute();
            return tally.exactlyOnce() ? 0 : 1;
        } catch (InvalidOptionException e) {
            err.println(colors.bad("OrdersDemo: " + e.getMessage()));
            return 2;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println(colors.bad("OrdersDemo: interrupted"));
            return 1;
        } catch (Exception e) {
            err.println(colors.bad("OrdersDemo failed: " + e));
            e.printStackTrace(err);
            return 1;
        }
    }

    private Tally execute() throws Exception {
        Path workDir = options.jdbcUrl().isEmpty() ? WorkDirectory.prepare(options.workDir()) : null;
        try (DemoKafka kafka = options.bootstrapServers().map(DemoKafka::external).orElseGet(DemoKafka::embedded);
             DemoDatabase database = workDir != null ? DemoDatabase.h2File(workDir)
                     : DemoDatabase.of(options.jdbcUrl().orElseThrow(), options.jdbcUser().orElse(null),
                             options.jdbcPassword().orElse(null))) {
            say("Kafka:    %s", kafka.description());
            say("Database: %s", database.description());
            String topic = options.topic();
            kafka.createTopic(topic, options.partitions());
            PartitionOffsets offsets = PartitionOffsets.builder(database.dataSource(), database.dialect()).build();
            prepareTables(database, offsets, topic);

            Map<TopicPartition, Long> endOffsets = produce(kafka.bootstrapServers(), topic);
            try {
                startConsole(kafka.bootstrapServers());
                Tally tally = consumeAcrossAHalt(kafka, database, offsets, topic, endOffsets);
                summary(tally);
                return tally;
            } finally {
                closeRuntimes();
                closeDashboards();
            }
        }
    }

    /** Consumes with two runtimes, halts one midway, lets a third join; closes them and checks the table. */
    private Tally consumeAcrossAHalt(DemoKafka kafka, DemoDatabase database, PartitionOffsets offsets, String topic,
                                     Map<TopicPartition, Long> endOffsets) throws InterruptedException {
        String groupId = "sluice-demo-" + Long.toString(System.currentTimeMillis(), 36);
        Topology topology = topology(topic, offsets);
        Properties consumerProperties = consumerProperties(kafka.bootstrapServers(), groupId);
        try {
            dashboardOffsets = offsets;
            SluiceRuntime first = startRuntime(topology, consumerProperties);
            startRuntime(topology, consumerProperties);
            say("Consuming with %s and %s in group %s: two runtimes, %d worker threads each",
                    first.name(), runtimes.get(1).name(), groupId, WORKER_THREADS);
            boolean complete = consume(kafka, offsets, topology, consumerProperties, groupId, endOffsets);
            closeRuntimes();
            Map<String, Long> counters = counters();
            say("%s in %.1f s: the offset manager sought %d partition(s) to the database's offset; %,d rebalances,"
                            + " %,d seeks, %,d pauses (throttle) in all",
                    complete ? "Done" : "Gave up", seconds(), offsetManagerSeeks.count(),
                    counters.getOrDefault("rebalances", 0L), counters.getOrDefault("seeks", 0L),
                    counters.getOrDefault("pauses", 0L));
            say("offset manager seeks: %d", offsetManagerSeeks.count());
            return OrdersTable.check(database.dsl(), topic, options.messages());
        } finally {
            closeRuntimes();
        }
    }

    /** Installs the console's topics (idempotent) and starts the console: one page for the whole group. */
    private void startConsole(String servers) {
        bootstrapServers = servers;
        Map<String, Object> client = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(client)) {
            ConsoleTopics.standard().install(admin, (short) 1);
        }
        console = SluiceConsole.start(client, ConsoleSettings.defaults());
        say("Console of the whole group: %s", console.url());
    }

    private void prepareTables(DemoDatabase database, PartitionOffsets offsets, String topic) {
        offsets.createTableIfMissing();
        // the topic was just created, so any stored offsets of a topic by that name belong to an older one
        database.dsl().deleteFrom(DSL.table(DSL.name(offsets.tableName())))
                .where(DSL.field(DSL.name("topic"), String.class).eq(topic))
                .execute();
        OrdersTable.prepare(database.dsl(), topic);
    }

    private Topology topology(String topic, PartitionOffsets offsets) {
        return Sluice.topology()
                .defaults(d -> d.backoff(Duration.ofMillis(200), Duration.ofSeconds(5)))
                .topic(topic)
                    .deserializers(new StringDeserializer(), new StringDeserializer())
                    .consumer(() -> new OrdersConsumer(offsets, processed))
                    .filter(offsetManagerSeeks.wrap(OffsetManager.using(offsets)))
                    .throttle(THROTTLE_PER_SECOND, Duration.ofSeconds(1))
                    .expireAfter(EXPIRE_AFTER)
                .build();
    }

    private static Properties consumerProperties(String bootstrapServers, String groupId) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(MAX_POLL_RECORDS));
        // classic members learn of a rebalance at their next heartbeat: 3 s by default, a long pause in a demo
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, String.valueOf(HEARTBEAT_INTERVAL_MS));
        return p;
    }

    private SluiceRuntime startRuntime(Topology topology, Properties consumerProperties) {
        RuntimeSettings settings = RuntimeSettings.defaults()
                .withConsumerInstances(1)
                .withWorkerThreads(WORKER_THREADS)
                .withCommitInterval(COMMIT_INTERVAL);
        SluiceRuntime runtime = SluiceRuntime.create(topology, consumerProperties, settings);
        runtime.listener(offsetManagerSeeks.listener());
        runtimes.add(runtime);
        // the dashboard listens to the runtime's events, so it starts first; it shows the database's offsets too
        PartitionOffsets offsets = dashboardOffsets;
        SluiceDashboard dashboard = SluiceDashboard.start(runtime,
                DashboardSettings.defaults().withDatabaseOffsets(tp -> offsets.nextOffset(
                        consumerProperties.getProperty(ConsumerConfig.GROUP_ID_CONFIG), tp)));
        dashboards.add(dashboard);
        say("Dashboard of %s: %s", runtime.name(), dashboard.url());
        String group = consumerProperties.getProperty(ConsumerConfig.GROUP_ID_CONFIG);
        reporters.add(SluiceReporter.start(runtime, Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers), ReporterSettings.defaults().withInterval(Duration.ofSeconds(1))
                .withDatabaseOffsets(tp -> offsets.lastSeen(group, tp)
                        .map(s -> new PartitionReport.DatabaseOffset(s.nextOffset(), s.at())))));
        return runtime.start();
    }

    /** Produces the orders; returns each partition's end offset. */
    private Map<TopicPartition, Long> produce(String bootstrapServers, String topic)
            throws InterruptedException, ExecutionException {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(128 * 1024));
        long started = System.nanoTime();
        Map<TopicPartition, Long> ends = new HashMap<>();
        try (KafkaProducer<String, String> producer =
                     new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            List<Future<RecordMetadata>> sends = new ArrayList<>(options.messages());
            for (long id = 1; id <= options.messages(); id++) {
                Order order = Order.numbered(id);
                sends.add(producer.send(new ProducerRecord<>(topic, order.key(), order.toCsv())));
            }
            for (Future<RecordMetadata> send : sends) {
                RecordMetadata m = send.get();
                ends.merge(new TopicPartition(m.topic(), m.partition()), m.offset() + 1, Math::max);
            }
        }
        say("Produced %,d orders to '%s' (%d partitions) in %.1f s", options.messages(), topic,
                options.partitions(), (System.nanoTime() - started) / 1e9);
        return ends;
    }

    /**
     * Waits, printing a line per tick, until the offset table says every partition is consumed to its end, or the
     * timeout passes; halts a runtime and starts another once the halt point is reached.
     *
     * @return whether every partition was consumed to its end
     */
    private boolean consume(DemoKafka kafka, PartitionOffsets offsets, Topology topology, Properties properties,
                            String groupId, Map<TopicPartition, Long> endOffsets) throws InterruptedException {
        long total = options.messages();
        long deadline = System.nanoTime() + options.timeout().toNanos();
        long nextTick = System.nanoTime() + TICK.toNanos();
        long lastCount = 0;
        long lastTick = System.nanoTime();
        boolean halted = false;
        while (true) {
            long count = processed.count();
            long target = !halted ? options.haltAfter() : count < total ? total : count + 1;
            count = processed.awaitAtLeast(target, Math.min(nextTick, deadline));
            if (!halted && count >= options.haltAfter()) {
                haltOne(kafka, offsets, groupId);
                startRuntime(topology, properties);
                say("Started %s: it joins the group and takes over partitions", last().name());
                halted = true;
            }
            if (count >= total && consumedToEnd(offsets, groupId, endOffsets)) {
                progress(count, lastCount, lastTick);
                return true;
            }
            long now = System.nanoTime();
            if (now - nextTick >= 0) {
                progress(count, lastCount, lastTick);
                lastCount = count;
                lastTick = now;
                nextTick += TICK.toNanos();
                if (now - nextTick >= 0) {
                    nextTick = now + TICK.toNanos(); // a halt took longer than a tick: do not print a burst
                }
            }
            if (now - deadline >= 0) {
                say("Timed out after %d s with %,d of %,d orders processed", options.timeout().toSeconds(), count,
                        total);
                return false;
            }
        }
    }

    /** Halts the runtime that holds the most partitions and shows how far Kafka's offsets lag the database. */
    private void haltOne(DemoKafka kafka, PartitionOffsets offsets, String groupId) throws InterruptedException {
        SluiceRuntime victim = runtimes.stream()
                .filter(SluiceRuntime::isRunning)
                .max(Comparator.comparingInt(r -> ownedPartitions(r).size()))
                .orElseThrow();
        List<TopicPartition> owned = ownedPartitions(victim);
        say("Halting %s at %,d orders processed, like a crash: no close, no commit", victim.name(),
                processed.count());
        long started = System.nanoTime();
        victim.halt();
        say("Halted %s in %d ms; it left the group at once. Its partitions, by the database and by Kafka:",
                victim.name(), (System.nanoTime() - started) / 1_000_000);
        Map<TopicPartition, OffsetAndMetadata> committed = kafka.committedOffsets(groupId);
        for (TopicPartition tp : owned) {
            OptionalLong stored = offsets.nextOffset(groupId, tp);
            OffsetAndMetadata kafkaOffset = committed.get(tp);
            String inKafka = kafkaOffset == null ? "none (auto.offset.reset=earliest: 0)"
                    : String.format(Locale.ROOT, "%,d", kafkaOffset.offset());
            long kafkaNext = kafkaOffset == null ? 0 : kafkaOffset.offset();
            long inDatabase = stored.orElse(kafkaNext);
            say("  %-12s database next offset %,8d   Kafka committed %s%s", tp, inDatabase, inKafka,
                    inDatabase != kafkaNext ? "  -> the new owner must seek" : "");
        }
    }

    private static List<TopicPartition> ownedPartitions(SluiceRuntime runtime) {
        List<TopicPartition> owned = new ArrayList<>();
        for (List<PartitionState> states : runtime.partitions().values()) {
            for (PartitionState s : states) {
                owned.add(s.topicPartition());
            }
        }
        owned.sort(Comparator.comparingInt(TopicPartition::partition));
        return owned;
    }

    private static boolean consumedToEnd(PartitionOffsets offsets, String groupId,
                                         Map<TopicPartition, Long> endOffsets) {
        for (Map.Entry<TopicPartition, Long> e : endOffsets.entrySet()) {
            if (offsets.nextOffset(groupId, e.getKey()).orElse(-1) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private void progress(long count, long lastCount, long lastTick) {
        double elapsed = (System.nanoTime() - lastTick) / 1e9;
        long rate = elapsed > 0 ? Math.round((count - lastCount) / elapsed) : 0;
        Map<String, Long> counters = counters();
        say("processed %,9d / %,d (%5.1f%%)  %,7d msg/s  seeks %,d  rebalances %,d", count, options.messages(),
                100.0 * count / options.messages(), rate, counters.getOrDefault("seeks", 0L),
                counters.getOrDefault("rebalances", 0L));
    }

    private Map<String, Long> counters() {
        Map<String, Long> sum = new HashMap<>();
        for (SluiceRuntime r : runtimes) {
            r.counters().forEach((k, v) -> sum.merge(k, v, Long::sum));
        }
        return sum;
    }

    private SluiceRuntime last() {
        return runtimes.get(runtimes.size() - 1);
    }

    /**
     * Prints the summary line (the demo's last line) and, with {@code --linger}, keeps the dashboards, the broker
     * and the database up that long after it: the runtimes are closed (the halted one shows as halted).
     */
    private void summary(Tally tally) throws InterruptedException {
        Duration linger = options.linger();
        if (!linger.isZero()) {
            say("The console and the dashboards stay up for %d s after the summary line (--linger); Ctrl-C ends the"
                    + " demo sooner",
                    linger.toSeconds());
        }
        out.println(tally.exactlyOnce() ? colors.good(tally.toString()) : colors.bad(tally.toString()));
        out.flush();
        if (!linger.isZero()) {
            lingerCut.await(linger.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void closeRuntimes() {
        for (SluiceRuntime r : runtimes) {
            r.close();
        }
        for (SluiceReporter r : reporters) {
            r.close();
        }
    }

    private void closeDashboards() {
        for (SluiceDashboard d : dashboards) {
            d.close();
        }
        if (console != null) {
            console.close();
        }
    }

    private double seconds() {
        return (System.nanoTime() - startedAt) / 1e9;
    }

    private void say(String format, Object... args) {
        out.printf(Locale.ROOT, "[%5.1fs] " + format + "%n", prepend(seconds(), args));
        out.flush();
    }

    private static Object[] prepend(Object first, Object[] rest) {
        Object[] all = new Object[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    private static void quietJooq() {
        if (System.getProperty("org.jooq.no-logo") == null) {
            System.setProperty("org.jooq.no-logo", "true");
        }
        if (System.getProperty("org.jooq.no-tips") == null) {
            System.setProperty("org.jooq.no-tips", "true");
        }
    }
}
