package io.sluice.filters.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chaos matrix's scoreboard: each row's verdict and wall time, printed as one screen when the class ends, and
 * each run's summary line appended to {@code target/chaos-summary.txt}.
 */
final class Matrix {

    private static final Logger LOG = LoggerFactory.getLogger(Matrix.class);
    private static final Path SUMMARY = Path.of("target", "chaos-summary.txt");

    /** A row that runs and checks, throwing when it fails. */
    @FunctionalInterface
    interface Row {
        String run() throws Exception;
    }

    private record Entry(String row, String verdict, Duration took, String summary) {
    }

    private final List<Entry> entries = new ArrayList<>();

    /** Runs {@code row}, recording its verdict (its returned summary, or the failure) and wall time. */
    void run(String name, Row row) throws Exception {
        long started = System.nanoTime();
        try {
            String summary = row.run();
            record(new Entry(name, "PASS", Duration.ofNanos(System.nanoTime() - started), summary));
        } catch (Exception | Error e) {
            record(new Entry(name, "FAIL", Duration.ofNanos(System.nanoTime() - started),
                    String.valueOf(e.getMessage()).lines().findFirst().orElse("")));
            throw e;
        }
    }

    private synchronized void record(Entry entry) {
        entries.add(entry);
    }

    /** Appends a run's summary line to {@code target/chaos-summary.txt}. */
    static synchronized void appendSummary(String line) throws IOException {
        LOG.info("{}", line);
        Files.createDirectories(SUMMARY.getParent());
        Files.writeString(SUMMARY, line + System.lineSeparator(), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    /** The one-screen matrix: row, verdict, wall time, summary. */
    synchronized String render() {
        StringBuilder text = new StringBuilder("\nchaos matrix\n");
        text.append(String.format("%-34s %-7s %6s  %s%n", "row", "verdict", "time", "summary"));
        for (Entry e : entries) {
            text.append(String.format("%-34s %-7s %5ds  %s%n", e.row(), e.verdict(), e.took().toSeconds(),
                    e.summary()));
        }
        return text.toString();
    }

    synchronized void print() {
        if (!entries.isEmpty()) {
            LOG.info("{}", render());
            try {
                Files.createDirectories(SUMMARY.getParent());
                Files.writeString(SUMMARY.resolveSibling("chaos-matrix.txt"), render(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                LOG.warn("cannot write the chaos matrix: {}", e.toString());
            }
        }
    }
}
