package io.sluice.examples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The command-line options of {@link OrdersDemo}, parsed and validated. Immutable.
 *
 * <p>Options take their value as the next argument ({@code --messages 5000}) or after an equals sign
 * ({@code --messages=5000}). Every problem is reported as an {@link InvalidOptionException} whose message names
 * the option, so the demo can print it and exit with code 2.
 *
 * <p>The database password comes from {@code --jdbc-password}, else from the file {@code --jdbc-password-file}
 * names (its first line), else from the environment variable {@value #PASSWORD_VARIABLE}; the last two keep it
 * out of the process list.
 *
 * @param workDir          where the embedded H2 database lives; wiped at start
 * @param bootstrapServers a real Kafka cluster, or empty for the in-process broker
 * @param jdbcUrl          a real database ({@code jdbc:h2:} or {@code jdbc:postgresql:}), or empty for H2 in
 *                         {@code workDir}
 * @param jdbcUser         the database user, if any
 * @param jdbcPassword     the database password, if any
 * @param messages         how many orders are produced and consumed
 * @param partitions       how many partitions the topic gets
 * @param topic            the topic to create and consume; it must not exist yet
 * @param haltAtPercent    at which share of the orders processed one runtime is halted
 * @param timeout          how long the consumption may take before the demo gives up and reports what it has
 * @param linger           how long the dashboards stay up after the summary line; zero: not at all
 * @param help             whether {@code --help} was given (every other option is then ignored)
 */
public record DemoOptions(Path workDir, Optional<String> bootstrapServers, Optional<String> jdbcUrl,
                          Optional<String> jdbcUser, Optional<String> jdbcPassword, int messages, int partitions,
                          String topic, int haltAtPercent, Duration timeout, Duration linger, boolean help) {

    /** The environment variable the database password is read from when no option gives it. */
    public static final String PASSWORD_VARIABLE = "SLUICE_DEMO_JDBC_PASSWORD";

    /** The work directory used unless {@code --work-dir} says otherwise: relative to the current directory. */
    public static final Path DEFAULT_WORK_DIR = Path.of("target", "sluice-demo");
    /** Orders produced unless {@code --messages} says otherwise. */
    public static final int DEFAULT_MESSAGES = 50_000;
    /** Partitions unless {@code --partitions} says otherwise. */
    public static final int DEFAULT_PARTITIONS = 6;
    /** The topic unless {@code --topic} says otherwise. */
    public static final String DEFAULT_TOPIC = "orders";
    /** The halt point unless {@code --halt-at} says otherwise. */
    public static final int DEFAULT_HALT_AT_PERCENT = 40;
    /** The consumption timeout unless {@code --timeout} says otherwise. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);

    /** Validates the values; the parser reports problems first, naming the option. */
    public DemoOptions {
        Objects.requireNonNull(workDir, "workDir");
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        Objects.requireNonNull(jdbcUser, "jdbcUser");
        Objects.requireNonNull(jdbcPassword, "jdbcPassword");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(linger, "linger");
    }

    /** The text {@code --help} prints: usage and every option with its default. */
    public static String usage() {
        return String.join(System.lineSeparator(),
                "Usage: OrdersDemo [options]",
                "",
                "Produces orders to a Kafka topic and consumes them with Sluice into an 'orders' table, each batch in",
                "the same database transaction as the partition's offset. Two runtimes share the work; midway one is",
                "halted like a crash (no commit), another takes over, and the offset manager seeks to the database's",
                "offsets. At the end the table is checked: every order exactly once. Exit code 0 only then.",
                "",
                "Options:",
                "  --work-dir <dir>             where the embedded H2 database lives; wiped at start, so it must be",
                "                               new, empty, or an earlier demo's (default: " + DEFAULT_WORK_DIR
                        + " under the current directory)",
                "  --bootstrap-servers <hosts>  use this Kafka cluster instead of the in-process broker",
                "  --jdbc-url <url>             use this database instead of H2 in the work directory;",
                "                               jdbc:h2:... or jdbc:postgresql:... (use a scratch database)",
                "  --jdbc-user <user>           the database user (with --jdbc-url)",
                "  --jdbc-password <password>   the database password (with --jdbc-url); visible in the process",
                "                               list: prefer the next option or " + PASSWORD_VARIABLE,
                "  --jdbc-password-file <file>  read the database password from the file's first line",
                "  --messages <n>               how many orders to produce and consume (default: "
                        + DEFAULT_MESSAGES + ")",
                "  --partitions <n>             partitions of the topic (default: " + DEFAULT_PARTITIONS + ")",
                "  --topic <name>               the topic to create; it must not exist yet (default: "
                        + DEFAULT_TOPIC + ")",
                "  --halt-at <percent>          halt one runtime once this share is processed, 1-99 (default: "
                        + DEFAULT_HALT_AT_PERCENT + ")",
                "  --timeout <seconds>          give up consuming after this long and report (default: "
                        + DEFAULT_TIMEOUT.toSeconds() + ")",
                "  --linger <seconds>           keep the dashboards up this long after the summary line",
                "                               (default: 0)",
                "  --help                       print this help and exit",
                "",
                "Environment: " + PASSWORD_VARIABLE + " the database password when no option gives it; NO_COLOR",
                "(non-empty) turns off colours, which are only used on a terminal anyway.",
                "",
                "Exit codes: 0 every order processed exactly once; 1 duplicates, losses or a failure; 2 bad options.");
    }

    /**
     * Parses the command line, with this process's environment.
     *
     * @param args the arguments, never {@code null}
     * @return the options, never {@code null}
     * @throws InvalidOptionException naming the option that is unknown, lacks its value or has a bad one
     */
    public static DemoOptions parse(String... args) throws InvalidOptionException {
        return parse(System.getenv(), args);
    }

    /**
     * Parses the command line.
     *
     * @param environment the environment variables ({@value #PASSWORD_VARIABLE} is read), never {@code null}
     * @param args        the arguments, never {@code null}
     * @return the options, never {@code null}
     * @throws InvalidOptionException naming the option that is unknown, lacks its value or has a bad one
     */
    public static DemoOptions parse(Map<String, String> environment, String... args) throws InvalidOptionException {
        Objects.requireNonNull(environment, "environment");
        Objects.requireNonNull(args, "args");
        Path workDir = null;
        String bootstrapServers = null;
        String jdbcUrl = null;
        String jdbcUser = null;
        String jdbcPassword = null;
        Path jdbcPasswordFile = null;
        Duration linger = Duration.ZERO;
        int messages = DEFAULT_MESSAGES;
        int partitions = DEFAULT_PARTITIONS;
        String topic = DEFAULT_TOPIC;
        int haltAt = DEFAULT_HALT_AT_PERCENT;
        Duration timeout = DEFAULT_TIMEOUT;
        for (int i = 0; i < args.length; i++) {
            String arg = Objects.requireNonNull(args[i], "argument");
            if (arg.equals("--help") || arg.equals("-h")) {
                return new DemoOptions(DEFAULT_WORK_DIR, Optional.empty(), Optional.empty(), Optional.empty(),
                        Optional.empty(), messages, partitions, topic, haltAt, timeout, linger, true);
            }
            if (!arg.startsWith("--")) {
                throw new InvalidOptionException("unexpected argument '" + arg + "': options start with --");
            }
            int equals = arg.indexOf('=');
            String name = equals < 0 ? arg : arg.substring(0, equals);
            String value;
            if (equals >= 0) {
                value = arg.substring(equals + 1);
            } else if (i + 1 < args.length && !isKnown(args[i + 1])) {
                value = args[++i];
            } else {
                value = null;
            }
            switch (name) {
                case "--work-dir" -> workDir = Path.of(required(name, value));
                case "--bootstrap-servers" -> bootstrapServers = required(name, value);
                case "--jdbc-url" -> jdbcUrl = jdbcUrl(required(name, value));
                case "--jdbc-user" -> jdbcUser = requiredAllowEmpty(name, value);
                case "--jdbc-password" -> jdbcPassword = requiredAllowEmpty(name, value);
                case "--jdbc-password-file" -> jdbcPasswordFile = Path.of(required(name, value));
                case "--linger" -> linger = Duration.ofSeconds(integer(name, value, 0, 86_400));
                case "--messages" -> messages = integer(name, value, 1, 10_000_000);
                case "--partitions" -> partitions = integer(name, value, 1, 1_000);
                case "--topic" -> topic = topic(required(name, value));
                case "--halt-at" -> haltAt = integer(name, value, 1, 99);
                case "--timeout" -> timeout = Duration.ofSeconds(integer(name, value, 1, 86_400));
                default -> throw new InvalidOptionException("unknown option '" + name + "'");
            }
        }
        if (jdbcPassword != null && jdbcPasswordFile != null) {
            throw new InvalidOptionException("--jdbc-password and --jdbc-password-file both give the password:"
                    + " give one");
        }
        if (jdbcUrl == null && (jdbcUser != null || jdbcPassword != null || jdbcPasswordFile != null)) {
            throw new InvalidOptionException("--jdbc-user, --jdbc-password and --jdbc-password-file need"
                    + " --jdbc-url: the embedded H2 database takes no credentials");
        }
        if (jdbcPasswordFile != null) {
            jdbcPassword = passwordFrom(jdbcPasswordFile);
        } else if (jdbcPassword == null && jdbcUrl != null) {
            jdbcPassword = environment.get(PASSWORD_VARIABLE);
        }
        if (jdbcUrl != null && workDir != null) {
            throw new InvalidOptionException("--work-dir is for the embedded H2 database and has no effect with"
                    + " --jdbc-url: give one or the other");
        }
        return new DemoOptions(workDir == null ? DEFAULT_WORK_DIR : workDir, Optional.ofNullable(bootstrapServers),
                Optional.ofNullable(jdbcUrl), Optional.ofNullable(jdbcUser), Optional.ofNullable(jdbcPassword),
                messages, partitions, topic, haltAt, timeout, linger, false);
    }

    /** How many processed orders trigger the halt: at least 1, at most {@code messages - 1} when possible. */
    public long haltAfter() {
        long at = (long) messages * haltAtPercent / 100;
        return Math.max(1, Math.min(at, messages - 1L));
    }

    private static boolean isKnown(String arg) {
        return arg.startsWith("--");
    }

    private static String required(String name, String value) throws InvalidOptionException {
        String v = requiredAllowEmpty(name, value);
        if (v.isBlank()) {
            throw new InvalidOptionException(name + " needs a value, was empty");
        }
        return v;
    }

    private static String requiredAllowEmpty(String name, String value) throws InvalidOptionException {
        if (value == null) {
            throw new InvalidOptionException(name + " needs a value");
        }
        return value;
    }

    private static int integer(String name, String value, int min, int max) throws InvalidOptionException {
        String v = required(name, value).replace("_", "").replace(",", "");
        try {
            int n = Integer.parseInt(v.trim());
            if (n < min || n > max) {
                throw new InvalidOptionException(name + " must be between " + min + " and " + max + ", was " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new InvalidOptionException(name + " must be a whole number, was '" + value + "'");
        }
    }

    /** The first line of the file, without its line end; an empty file is an empty password. */
    private static String passwordFrom(Path file) throws InvalidOptionException {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).lines().findFirst().orElse("");
        } catch (IOException | RuntimeException e) {
            throw new InvalidOptionException("--jdbc-password-file cannot be read: " + file + " (" + e + ")");
        }
    }

    private static String jdbcUrl(String url) throws InvalidOptionException {
        String lower = url.toLowerCase(Locale.ROOT);
        if (!lower.startsWith("jdbc:h2:") && !lower.startsWith("jdbc:postgresql:")) {
            throw new InvalidOptionException("--jdbc-url must start with jdbc:h2: or jdbc:postgresql: (the"
                    + " databases the offset store supports), was '" + url + "'");
        }
        return url;
    }

    private static String topic(String name) throws InvalidOptionException {
        if (!name.matches("[A-Za-z0-9._-]{1,249}") || name.equals(".") || name.equals("..")) {
            throw new InvalidOptionException("--topic must be a legal Kafka topic name (letters, digits, '.', '_',"
                    + " '-'; at most 249), was '" + name + "'");
        }
        return name;
    }

    /** A command-line problem; its message names the option and says what is wrong. */
    public static final class InvalidOptionException extends Exception {
        private static final long serialVersionUID = 1L;

        /** A problem described by {@code message}. */
        public InvalidOptionException(String message) {
            super(message);
        }
    }
}
