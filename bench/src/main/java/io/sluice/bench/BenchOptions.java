package io.sluice.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The harness's settings, from command-line arguments. Each option may be written {@code --name value},
 * {@code --name=value} or {@code name=value}; an argument holding spaces is split first, so that Maven's
 * {@code -Dbench.args="--messages 50000 --rounds 3"} works.
 *
 * @param messages     M, the messages of the main cases (default 2,000,000)
 * @param ioMessages   the messages of the {@code raw_io} and {@code sluice_io} cases (default 200,000)
 * @param valueBytes   the value size in bytes (default 100); keys are always 8 bytes
 * @param partitions   partitions of each topic (default 6)
 * @param warmups      untimed rounds before the timed ones (default 2)
 * @param warmupMessages   messages each main case consumes in a warm-up round (default {@code min(M, 400,000)}:
 *                         enough for the JIT, and it keeps the whole command within its time budget)
 * @param warmupIoMessages messages each I/O case consumes in a warm-up round (default {@code min(I/O M, 40,000)})
 * @param rounds       timed rounds (default 8)
 * @param ioWaitNanos  the simulated blocking I/O per message of the io cases (default 20 µs)
 * @param ioWorkers    Sluice's worker threads in {@code sluice_io} (default 6)
 * @param cases        the cases to run, in their first round's order (default all, {@code sluice_tx_pg} only
 *                     when PostgreSQL binaries exist)
 * @param jmh          whether to run the JMH benchmark of the filter chain
 * @param memory       whether to run the memory run
 * @param memoryMessages the messages of the memory run (default 2,000,000)
 * @param out          where the report is written; none when {@code null}
 */
record BenchOptions(long messages, long ioMessages, int valueBytes, int partitions, int warmups,
                    long warmupMessages, long warmupIoMessages, int rounds, long ioWaitNanos, int ioWorkers,
                    List<BenchCase> cases, boolean jmh, boolean memory,
                    long memoryMessages, Path out) {

    private static final Set<String> NAMES = Set.of("messages", "io-messages", "value-bytes", "partitions",
            "warmups", "warmup-messages", "warmup-io-messages", "rounds", "io-wait-nanos", "io-workers", "cases", "jmh",
            "memory", "memory-messages", "out");

    /**
     * Parses {@code args}.
     *
     * @throws IllegalArgumentException naming the option that is unknown or malformed
     */
    static BenchOptions parse(String... args) {
        Map<String, String> given = new LinkedHashMap<>();
        List<String> words = new ArrayList<>();
        for (String arg : args) {
            for (String word : arg.trim().split("\\s+")) {
                if (!word.isEmpty()) {
                    words.add(word);
                }
            }
        }
        for (int i = 0; i < words.size(); i++) {
            String word = words.get(i);
            String stripped = word.startsWith("--") ? word.substring(2) : word;
            String name;
            String value;
            int eq = stripped.indexOf('=');
            if (eq >= 0) {
                name = stripped.substring(0, eq);
                value = stripped.substring(eq + 1);
            } else if (word.startsWith("--") && i + 1 < words.size()) {
                name = stripped;
                value = words.get(++i);
            } else {
                throw new IllegalArgumentException("cannot read argument '" + word
                        + "': use --name value or name=value");
            }
            if (!NAMES.contains(name)) {
                throw new IllegalArgumentException("unknown option '" + name + "'; known: " + NAMES);
            }
            given.put(name, value);
        }
        List<BenchCase> cases = given.containsKey("cases")
                ? BenchCase.parseList(given.get("cases"))
                : List.of(BenchCase.values());
        long messages = positiveLong(given, "messages", 2_000_000);
        long ioMessages = positiveLong(given, "io-messages", 200_000);
        BenchOptions options = new BenchOptions(
                messages,
                ioMessages,
                (int) positiveLong(given, "value-bytes", 100),
                (int) positiveLong(given, "partitions", 6),
                (int) nonNegativeLong(given, "warmups", 2),
                Math.min(messages, positiveLong(given, "warmup-messages", 400_000)),
                Math.min(ioMessages, positiveLong(given, "warmup-io-messages", 40_000)),
                (int) positiveLong(given, "rounds", 8),
                positiveLong(given, "io-wait-nanos", 20_000),
                (int) positiveLong(given, "io-workers", 6),
                cases,
                bool(given, "jmh", true),
                bool(given, "memory", true),
                positiveLong(given, "memory-messages", 2_000_000),
                given.containsKey("out") ? Path.of(given.get("out")).toAbsolutePath().normalize() : null);
        return options;
    }

    private static long positiveLong(Map<String, String> given, String name, long fallback) {
        long v = nonNegativeLong(given, name, fallback);
        if (v < 1) {
            throw new IllegalArgumentException("--" + name + " must be positive, was " + v);
        }
        return v;
    }

    private static long nonNegativeLong(Map<String, String> given, String name, long fallback) {
        String raw = given.get(name);
        if (raw == null) {
            return fallback;
        }
        try {
            long v = Long.parseLong(raw.replace("_", "").replace(",", ""));
            if (v < 0) {
                throw new IllegalArgumentException("--" + name + " must not be negative, was " + v);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " needs a whole number, was '" + raw + "'", e);
        }
    }

    private static boolean bool(Map<String, String> given, String name, boolean fallback) {
        String raw = given.get(name);
        if (raw == null) {
            return fallback;
        }
        return switch (raw.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new IllegalArgumentException("--" + name + " needs true or false, was '" + raw + "'");
        };
    }
}
