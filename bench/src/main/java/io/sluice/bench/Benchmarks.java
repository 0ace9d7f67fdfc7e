package io.sluice.bench;

import io.sluice.filters.PartitionOffsets;
import io.sluice.testing.EmbeddedKafka;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark command: the end-to-end cases against a bare {@code KafkaConsumer} on an in-process broker, the
 * memory run in a child JVM, and the JMH benchmark of the filter chain. Prints {@code ratio.<case>=<x.xx>} per
 * case and {@code chain.ns_per_message=<x>} on standard output (progress on standard error) and writes the
 * report ({@code BENCHMARKS.md}) when given {@code out=<file>}. See {@link BenchOptions} for the options.
 */
public final class Benchmarks {

    private static final long CASE_TIMEOUT_SECONDS = 900;
    /** Between cases: lets the broker finish what the last case left it (offset commits, the log cleaner). */
    static final long SETTLE_MILLIS = 1_000;
    private static final int DEFAULT_WORKERS = Math.max(2, Runtime.getRuntime().availableProcessors());

    private final BenchOptions options;
    private final List<BenchCase> cases;
    private final Workload workload;
    private final EmbeddedKafka kafka;
    private final OffsetDatabase h2;
    private final OffsetDatabase postgres;
    private String vpTopic;

    private Benchmarks(BenchOptions options, List<BenchCase> cases, EmbeddedKafka kafka, OffsetDatabase h2,
                       OffsetDatabase postgres) {
        this.options = options;
        this.cases = cases;
        this.kafka = kafka;
        this.workload = new Workload(kafka.bootstrapServers(), options.partitions(), options.valueBytes());
        this.h2 = h2;
        this.postgres = postgres;
    }

    public static void main(String[] args) throws Exception {
        BenchOptions options = BenchOptions.parse(args);
        long started = System.nanoTime();
        double loadBefore = MachineInfo.loadAverage();
        Console.progress("options: %s", options);
        Report.Run run = new Report.Run(options, MachineInfo.machine(), MachineInfo.jdk(), loadBefore);

        List<BenchCase> cases = new ArrayList<>(options.cases());
        Optional<OffsetDatabase> postgres = Optional.empty();
        List<BenchCase> needPostgres = List.of(BenchCase.SLUICE_TX_PG, BenchCase.SLUICE_TX_PG_SERIAL,
                BenchCase.SLUICE_VP_TX_PG);
        if (cases.stream().anyMatch(needPostgres::contains)) {
            // one connection per worker of the virtual-partition cases, plus the store's own
            postgres = OffsetDatabase.postgres(Math.max(DEFAULT_WORKERS, BenchCase.VIRTUAL_PARTITIONS) + 2);
            if (postgres.isEmpty()) {
                Console.progress("no PostgreSQL binaries: the PostgreSQL cases are skipped");
                run.notes().add("`sluice_tx_pg`, `sluice_tx_pg_serial` and `sluice_vp_tx_pg` were skipped: no"
                        + " PostgreSQL binaries on this machine.");
                cases.removeAll(needPostgres);
            }
        }
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
             OffsetDatabase h2 = OffsetDatabase.h2(Path.of("target", "bench-h2-" + UUID.randomUUID()),
                     DEFAULT_WORKERS + 2)) {
            run.h2(h2.description());
            postgres.ifPresent(pg -> run.postgres(pg.description()));
            Benchmarks benchmarks = new Benchmarks(options, cases, kafka, h2, postgres.orElse(null));
            benchmarks.endToEnd(run);
            if (options.memory()) {
                run.memory(benchmarks.memoryRun());
            }
        } finally {
            if (postgres.isPresent()) {
                postgres.get().close();
            }
        }
        if (options.jmh()) {
            Console.progress("JMH: the filter chain over %d-message batches", FilterChainBenchmark.BATCH);
            run.chain(ChainBench.run());
        }
        run.finished(MachineInfo.loadAverage(), Duration.ofNanos(System.nanoTime() - started));

        for (BenchCase c : run.cases()) {
            Console.result("ratio.%s=%.2f", c.key(), run.ratio(c));
        }
        if (run.chain() != null) {
            Console.result("chain.ns_per_message=%.1f", run.chain().nanosPerMessage());
        }
        if (run.memory() != null) {
            Console.result("memory.peak_heap_used_mb=%.0f", run.memory().peakUsed() / (1024.0 * 1024));
        }
        if (options.out() != null) {
            Report.write(run, options.out());
            Console.progress("wrote %s", options.out());
        }
        Console.progress("done in %s", Duration.ofNanos(System.nanoTime() - started).withNanos(0));
        // the broker and the runtimes leave non-daemon threads behind
        System.exit(0);
    }

    private void endToEnd(Report.Run run) throws InterruptedException {
        String mainTopic = null;
        String ioTopic = null;
        for (BenchCase c : cases) {
            if (c.vp() && vpTopic == null) {
                vpTopic = workload.virtualPartitionTopicWith(kafka, options.ioMessages(), BenchCase.VIRTUAL_PARTITIONS);
            } else if (c.vp()) {
                continue;
            } else if (c.io() && ioTopic == null) {
                ioTopic = workload.topicWith(kafka, options.ioMessages());
            } else if (!c.io() && mainTopic == null) {
                mainTopic = workload.topicWith(kafka, options.messages());
            }
        }
        for (int w = 0; w < options.warmups(); w++) {
            for (BenchCase c : Stats.rotated(cases, w)) {
                long expected = c.io() ? options.warmupIoMessages() : options.warmupMessages();
                Measurement m = runCase(c, mainTopic, ioTopic, expected);
                Console.progress("warm-up %d/%d %-14s %,10.0f msg/s", w + 1, options.warmups(), c.key(), m.rate());
            }
        }
        for (int r = 0; r < options.rounds(); r++) {
            List<BenchCase> order = Stats.rotated(cases, r);
            Map<BenchCase, Measurement> round = new EnumMap<>(BenchCase.class);
            for (BenchCase c : order) {
                Measurement m = runCase(c, mainTopic, ioTopic, c.io() ? options.ioMessages() : options.messages());
                round.put(c, m);
                Console.progress("round %d/%d   %-14s %,10.0f msg/s, consumer CPU %,6.0f ns/msg, %4.0f msg/batch "
                        + "(first message after %d ms)%s", r + 1, options.rounds(), c.key(), m.rate(),
                        m.cpuNanosPerMessage(), m.messagesPerBatch(), TimeUnit.NANOSECONDS.toMillis(m.startupNanos()),
                        m.counters().isEmpty() ? "" : " " + m.counters());
            }
            run.round(order, round);
        }
    }

    /** One run of {@code c} until {@code expected} messages (from the start of its topic) are done. */
    private Measurement runCase(BenchCase c, String mainTopic, String ioTopic, long expected)
            throws InterruptedException {
        settle();
        String topic = c.vp() ? vpTopic : c.io() ? ioTopic : mainTopic;
        boolean exact = expected == (c.io() ? options.ioMessages() : options.messages());
        var props = workload.consumerProperties(workload.freshGroup(c));
        return switch (c) {
            case RAW -> RawLoop.run(props, topic, expected, 0, CASE_TIMEOUT_SECONDS);
            case RAW_IO, RAW_VP -> RawLoop.run(props, topic, expected, options.ioWaitNanos(), CASE_TIMEOUT_SECONDS);
            case SLUICE_VP -> SluiceRun.run(c, props, topic, expected, exact, null, BenchCase.VIRTUAL_PARTITIONS,
                    options.ioWaitNanos(), CASE_TIMEOUT_SECONDS);
            case SLUICE_TX_PG_SERIAL, SLUICE_VP_TX_PG -> SluiceRun.run(c, props, topic, expected, exact,
                    offsets(postgres), BenchCase.VIRTUAL_PARTITIONS, options.ioWaitNanos(), CASE_TIMEOUT_SECONDS);
            case SLUICE, SLUICE_FILTERS ->
                    SluiceRun.run(c, props, topic, expected, exact, null, DEFAULT_WORKERS, 0, CASE_TIMEOUT_SECONDS);
            case SLUICE_IO -> SluiceRun.run(c, props, topic, expected, exact, null, options.ioWorkers(),
                    options.ioWaitNanos(), CASE_TIMEOUT_SECONDS);
            case SLUICE_TX_H2 -> SluiceRun.run(c, props, topic, expected, exact, offsets(h2), DEFAULT_WORKERS, 0,
                    CASE_TIMEOUT_SECONDS);
            case SLUICE_TX_PG -> SluiceRun.run(c, props, topic, expected, exact, offsets(postgres), DEFAULT_WORKERS, 0,
                    CASE_TIMEOUT_SECONDS);
        };
    }

    /**
     * Starts every case from the same quiet state: the previous case's garbage collected (here, not during the
     * next case) and a moment for the broker's background work, so that a case is not charged for its predecessor.
     */
    private static void settle() throws InterruptedException {
        System.gc();
        Thread.sleep(SETTLE_MILLIS);
    }

    private static PartitionOffsets offsets(OffsetDatabase database) {
        return database.freshOffsets();
    }

    /** The {@code sluice} case in a child JVM under {@code -Xmx256m}, against this broker. */
    private Report.Memory memoryRun() throws Exception {
        String topic = workload.topicWith(kafka, options.memoryMessages());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(java, "-Xmx256m", "-XX:+ExitOnOutOfMemoryError",
                "-cp", System.getProperty("java.class.path"), MemoryRun.class.getName(),
                workload.bootstrapServers(), topic, String.valueOf(options.memoryMessages()));
        Console.progress("memory run: sluice over %,d messages under -Xmx256m in a child JVM",
                options.memoryMessages());
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String line = null;
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String l = out.readLine(); l != null; l = out.readLine()) {
                if (l.startsWith("memory ")) {
                    line = l;
                }
            }
        }
        if (!process.waitFor(CASE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("the memory run did not finish in " + CASE_TIMEOUT_SECONDS + " s");
        }
        int exit = process.exitValue();
        Report.Memory memory = Report.Memory.parse(options.memoryMessages(), exit, line);
        Console.progress("memory run: %s", memory);
        return memory;
    }
}
