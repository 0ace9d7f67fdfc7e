package io.sluice.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Collects one benchmark run and writes it as {@code BENCHMARKS.md}. */
final class Report {

    /** Hand-written analysis (profiles of missed targets), appended to every report. */
    private static final String ANALYSIS = "analysis.md";
    private static final String COMMAND = "mvn -B -q -pl bench -am -DskipTests -Pbench package";

    private Report() {
    }

    /** Everything one run measured, in the order it happened. */
    static final class Run {
        private final BenchOptions options;
        private final String machine;
        private final String jdk;
        private final double loadBefore;
        private final ZonedDateTime date = ZonedDateTime.now(ZoneOffset.UTC);
        private final Set<BenchCase> cases = new LinkedHashSet<>();
        private final List<List<BenchCase>> orders = new ArrayList<>();
        private final Map<BenchCase, List<Measurement>> rounds = new EnumMap<>(BenchCase.class);
        private final List<String> notes = new ArrayList<>();
        private String h2 = "-";
        private String postgres = "-";
        private ChainBench.Score chain;
        private Memory memory;
        private double loadAfter = -1;
        private Duration took = Duration.ZERO;

        Run(BenchOptions options, String machine, String jdk, double loadBefore) {
            this.options = options;
            this.machine = machine;
            this.jdk = jdk;
            this.loadBefore = loadBefore;
        }

        void round(List<BenchCase> order, Map<BenchCase, Measurement> results) {
            orders.add(List.copyOf(order));
            for (BenchCase c : order) {
                cases.add(c);
                rounds.computeIfAbsent(c, k -> new ArrayList<>()).add(results.get(c));
            }
        }

        List<String> notes() {
            return notes;
        }

        void h2(String description) {
            h2 = description;
        }

        void postgres(String description) {
            postgres = description;
        }

        void chain(ChainBench.Score score) {
            chain = score;
        }

        ChainBench.Score chain() {
            return chain;
        }

        void memory(Memory m) {
            memory = m;
        }

        Memory memory() {
            return memory;
        }

        void finished(double load, Duration duration) {
            loadAfter = load;
            took = duration;
        }

        /** The cases measured, in the first round's order, baselines first. */
        List<BenchCase> cases() {
            return List.of(BenchCase.values()).stream().filter(cases::contains).toList();
        }

        List<Double> rates(BenchCase c) {
            return rounds.get(c).stream().map(Measurement::rate).toList();
        }

        double median(BenchCase c) {
            return Stats.median(rates(c));
        }

        /** The median consumer-side CPU per message, in nanoseconds; -1 when unknown. */
        double cpuMedian(BenchCase c) {
            return Stats.median(rounds.get(c).stream().map(Measurement::cpuNanosPerMessage).toList());
        }

        /** The paired ratio against the case's baseline; 1 for a baseline, NaN when the baseline did not run. */
        double ratio(BenchCase c) {
            if (c.baseline()) {
                return 1.0;
            }
            if (!rounds.containsKey(c.baselineCase())) {
                return Double.NaN;
            }
            return Stats.pairedRatio(rates(c), rates(c.baselineCase()));
        }
    }

    /**
     * The memory run's outcome.
     *
     * @param messages  how many messages it consumed
     * @param exitCode  the child JVM's exit status (non-zero: it ran out of heap or failed)
     * @param peakUsed  the most heap in use at any sample, in bytes
     * @param peakLive  the most heap still in use after a collection, in bytes
     * @param maxHeap   the heap limit, in bytes
     * @param rate      messages per second
     * @param gcs       collections seen
     */
    record Memory(long messages, int exitCode, long peakUsed, long peakLive, long maxHeap, double rate, long gcs) {

        private static final Pattern LINE = Pattern.compile(
                "memory peak_used=(\\d+) peak_live=(\\d+) max=(\\d+) rate=(\\d+) gcs=(\\d+)");

        static Memory parse(long messages, int exitCode, String line) {
            if (line == null) {
                return new Memory(messages, exitCode, -1, -1, -1, 0, 0);
            }
            Matcher m = LINE.matcher(line.trim());
            if (!m.matches()) {
                throw new IllegalStateException("unexpected memory run output: " + line);
            }
            return new Memory(messages, exitCode, Long.parseLong(m.group(1)), Long.parseLong(m.group(2)),
                    Long.parseLong(m.group(3)), Double.parseDouble(m.group(4)), Long.parseLong(m.group(5)));
        }

        boolean passed() {
            return exitCode == 0 && peakUsed > 0;
        }

        @Override
        public String toString() {
            return passed()
                    ? String.format(Locale.ROOT, "ok, peak heap used %s, peak live %s of %s, %,.0f msg/s, %d GCs",
                    mib(peakUsed), mib(peakLive), mib(maxHeap), rate, gcs)
                    : "FAILED with exit status " + exitCode;
        }
    }

    static void write(Run run, Path out) throws IOException {
        Files.writeString(out, render(run), StandardCharsets.UTF_8);
    }

    static String render(Run run) throws IOException {
        BenchOptions o = run.options;
        StringBuilder md = new StringBuilder();
        md.append("# Benchmarks\n\n");
        md.append("Generated by `").append(COMMAND).append("` (see the README's Benchmarks section); do not edit by hand:\n"
                + "the next run rewrites this file. The analysis at the end comes from "
                + "`bench/src/main/resources/io/sluice/bench/").append(ANALYSIS).append("`.\n\n");
        if (o.messages() != 2_000_000 || o.rounds() < 8 || o.warmups() < 2 || o.ioMessages() != 200_000
                || o.memoryMessages() != 2_000_000) {
            md.append("> **Reduced run**: not the issue's full size (M = 2,000,000, I/O M = 200,000, 2 warm-ups, ")
                    .append("≥ 8 rounds, memory M = 2,000,000). See the settings below.\n\n");
        }
        md.append("| | |\n|---|---|\n");
        row(md, "date (UTC)", run.date.format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")));
        row(md, "machine", run.machine);
        row(md, "JDK", run.jdk);
        row(md, "load average (1 min) before / after", fmt("%.2f / %.2f", run.loadBefore, run.loadAfter));
        row(md, "M (main cases)", fmt("%,d messages", o.messages()));
        row(md, "M (`raw_io`, `sluice_io`)", fmt("%,d messages, %,d ns of blocking wait each (`LockSupport.parkNanos`)",
                o.ioMessages(), o.ioWaitNanos()));
        row(md, "`raw_vp`, `sluice_vp`", fmt("the I/O cases' M and wait on a one-partition topic whose keys take turns "
                + "over %d keys, one per virtual partition; `sluice_vp`: %d virtual partitions, %d workers; its "
                + "`meanGroupsInFlightX100` counter is the achieved concurrency (mean groups in the consumer when one "
                + "began, ×100)", BenchCase.VIRTUAL_PARTITIONS, BenchCase.VIRTUAL_PARTITIONS,
                BenchCase.VIRTUAL_PARTITIONS));
        row(md, "`sluice_tx_pg_serial`, `sluice_vp_tx_pg`", fmt("the same topic, M and wait, the wait inside each "
                + "offset-manager transaction on PostgreSQL (pool of %d connections), %d workers; without and with %d "
                + "virtual partitions", BenchCase.VIRTUAL_PARTITIONS + 2, BenchCase.VIRTUAL_PARTITIONS,
                BenchCase.TX_VIRTUAL_PARTITIONS));
        row(md, "message", fmt("8-byte key, %d-byte value, no compression", o.valueBytes()));
        row(md, "topic", fmt("%d partitions on one in-process broker (`EmbeddedKafka`), pre-produced", o.partitions()));
        row(md, "consumers", "a fresh group per run; `max.poll.records=500`, `fetch.min.bytes=1`, "
                + "`fetch.max.wait.ms=500`, `max.partition.fetch.bytes=1 MiB`, `fetch.max.bytes=50 MiB`, "
                + "earliest; classic group protocol");
        row(md, "Sluice", fmt("one consumer instance; %d workers (`sluice_io`: %d); default 5 s commit interval",
                Math.max(2, Runtime.getRuntime().availableProcessors()), o.ioWorkers()));
        row(md, "databases", "H2: " + run.h2 + "; PostgreSQL: " + run.postgres + "; HikariCP pools");
        row(md, "rounds", fmt("%d untimed warm-up rounds (each case over the first %,d messages, I/O cases %,d), "
                + "then %d timed rounds over all M; the case order rotated by one each round; before each case a "
                + "full GC and a %d ms pause, so that no case pays for its predecessor's garbage or broker work",
                o.warmups(), o.warmupMessages(), o.warmupIoMessages(), run.orders.size(), Benchmarks.SETTLE_MILLIS));
        row(md, "duration", fmt("%d min %d s", run.took.toMinutes(), run.took.toSecondsPart()));
        md.append('\n');
        md.append("Rate = messages ÷ time from the first message seen to the last one done (group join and the first "
                + "fetch are excluded and the same for every case; the raw loop's last synchronous commit is "
                + "included, Sluice commits its marks every 5 s and on close, as it does in production). "
                + "**Paired ratio** = median over rounds of (case ÷ its baseline in the same round); the baseline "
                + "of `sluice_io` is `raw_io`, of `sluice_vp` `raw_vp`, of `sluice_vp_tx_pg` `sluice_tx_pg_serial`, of every other case `raw`.\n\n");
        for (String note : run.notes) {
            md.append("- ").append(note).append('\n');
        }
        if (!run.notes.isEmpty()) {
            md.append('\n');
        }

        List<BenchCase> cases = run.cases();
        if (!cases.isEmpty()) {
            md.append("## Summary\n\n| case | median msg/s | paired ratio | target | "
                    + "| spread | consumer CPU ns/msg (median) | msg/batch |\n"
                    + "|---|---:|---:|---:|---|---:|---:|---:|\n");
            for (BenchCase c : cases) {
                double ratio = run.ratio(c);
                String target = c.baseline() ? "baseline" : fmt("≥ %.2f", c.target());
                String verdict = c.baseline() ? "" : ratio >= c.target() ? "met" : "**missed**";
                md.append(fmt("| `%s` | %,.0f | %.2f | %s | %s | %.0f %% | %,.0f | %.0f |\n", c.key(), run.median(c),
                        ratio, target, verdict, 100 * Stats.spread(run.rates(c)), run.cpuMedian(c),
                        Stats.median(run.rounds.get(c).stream().map(Measurement::messagesPerBatch).toList())));
            }
            if (run.chain != null) {
                double ns = run.chain.nanosPerMessage();
                md.append(fmt("| filter chain (JMH) | %.1f ns/message (± %.1f) | | ≤ 50 ns | %s | | | |\n", ns,
                        run.chain.error(), ns <= 50 ? "met" : "**missed**"));
            }
            md.append('\n');
            md.append("Spread = (max − min) ÷ median of a case's rates over its timed rounds: how much one round can "
                    + "differ from the next on this machine.\n\n");
            md.append("Consumer CPU = CPU time of the consumer side's threads over the run (the raw loop's thread; "
                    + "Sluice's listener and workers; not the broker, not Kafka's heartbeat thread) ÷ messages. "
                    + "Unlike the rates it hardly moves when other processes load the machine, so it shows the "
                    + "framework's own cost when the rates are noisy. msg/batch = messages per non-empty poll of the "
                    + "raw loop, per job (one partition's share of a poll) of Sluice.\n\n");

            md.append("## Every round (msg/s; the case order of each round in brackets)\n\n| round |");
            for (BenchCase c : cases) {
                md.append(" `").append(c.key()).append("` |");
            }
            md.append(" order |\n|---:|");
            md.append("---:|".repeat(cases.size())).append("---|\n");
            for (int r = 0; r < run.orders.size(); r++) {
                md.append("| ").append(r + 1).append(" |");
                for (BenchCase c : cases) {
                    md.append(fmt(" %,.0f |", run.rounds.get(c).get(r).rate()));
                }
                md.append(" ").append(run.orders.get(r).stream().map(BenchCase::key).toList()).append(" |\n");
            }
            md.append("| **median** |");
            for (BenchCase c : cases) {
                md.append(fmt(" **%,.0f** |", run.median(c)));
            }
            md.append(" |\n\n");

            md.append("## Every round, consumer CPU (ns per message)\n\n| round |");
            for (BenchCase c : cases) {
                md.append(" `").append(c.key()).append("` |");
            }
            md.append("\n|---:|").append("---:|".repeat(cases.size())).append('\n');
            for (int r = 0; r < run.orders.size(); r++) {
                md.append("| ").append(r + 1).append(" |");
                for (BenchCase c : cases) {
                    md.append(fmt(" %,.0f |", run.rounds.get(c).get(r).cpuNanosPerMessage()));
                }
                md.append('\n');
            }
            md.append("| **median** |");
            for (BenchCase c : cases) {
                md.append(fmt(" **%,.0f** |", run.cpuMedian(c)));
            }
            md.append("\n\n");

            md.append("## Per-round ratios to the baseline\n\n| round |");
            List<BenchCase> paired = cases.stream()
                    .filter(c -> !c.baseline() && run.rounds.containsKey(c.baselineCase()))
                    .toList();
            for (BenchCase c : paired) {
                md.append(" `").append(c.key()).append("` |");
            }
            md.append("\n|---:|").append("---:|".repeat(paired.size())).append('\n');
            for (int r = 0; r < run.orders.size(); r++) {
                md.append("| ").append(r + 1).append(" |");
                for (BenchCase c : paired) {
                    md.append(fmt(" %.2f |", Stats.ratios(run.rates(c), run.rates(c.baselineCase())).get(r)));
                }
                md.append('\n');
            }
            md.append("| **paired ratio** |");
            for (BenchCase c : paired) {
                md.append(fmt(" **%.2f** |", run.ratio(c)));
            }
            md.append("\n\n");

            md.append("Time from starting the consumer to its first message (ms, median over rounds): ");
            List<String> startups = new ArrayList<>();
            for (BenchCase c : cases) {
                startups.add(fmt("`%s` %.0f", c.key(), Stats.median(run.rounds.get(c).stream()
                        .map(m -> m.startupNanos() / 1e6).toList())));
            }
            md.append(String.join(", ", startups)).append(".\n\n");
        }

        if (run.chain != null) {
            md.append("## Filter chain (JMH)\n\n");
            md.append(fmt("`FilterChainBenchmark.threeStatelessFilters`: `FilterChain.apply` with a keep-all "
                    + "predicate, an expiry that expires nothing and a throttle that never bites, over a %d-message batch: "
                    + "**%.1f ns per message** (± %.1f, 99.9 %%; 1 fork, 5 × 1 s warm-up, 8 × 1 s measured; "
                    + "%s).\n\n",
                    FilterChainBenchmark.BATCH, run.chain.nanosPerMessage(), run.chain.error(), run.chain.jvm()));
        }
        if (run.memory != null) {
            Memory m = run.memory;
            md.append("## Memory\n\n");
            md.append(fmt("`sluice` over %,d messages in a child JVM with `-Xmx256m`: ", m.messages()));
            if (m.passed()) {
                md.append(fmt("finished without running out of heap. **Peak heap used %s** (sampled every 5 ms); "
                        + "highest heap still in use after a collection %s; %d collections; %,.0f msg/s.\n\n",
                        mib(m.peakUsed()), mib(m.peakLive()), m.gcs(), m.rate()));
            } else {
                md.append(fmt("**failed** (exit status %d).\n\n", m.exitCode()));
            }
        }
        md.append(analysis());
        return md.toString();
    }

    private static String analysis() throws IOException {
        try (InputStream in = Report.class.getResourceAsStream(ANALYSIS)) {
            if (in == null) {
                return "";
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void row(StringBuilder md, String name, String value) {
        md.append("| ").append(name).append(" | ").append(value).append(" |\n");
    }

    private static String mib(long bytes) {
        return fmt("%.0f MiB", bytes / (1024.0 * 1024));
    }

    private static String fmt(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
