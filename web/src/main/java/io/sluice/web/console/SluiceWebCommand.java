package io.sluice.web.console;

import java.io.IOException;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * The command line of {@code sluice-web.jar}:
 * <pre>
 * java -jar sluice-web.jar install --bootstrap-servers HOST:PORT [--prefix ENV] [--replication-factor N]
 *                                  [--kafka-config FILE]
 * java -jar sluice-web.jar --bootstrap-servers HOST:PORT [--kafka-config FILE] [--prefix ENV] [--address IP]
 *                          [--port N] [--public-host NAME]... [--operator-tokens FILE] [--command-key FILE]
 *                          [--keystore FILE] [--insecure-http] [--ttl-seconds N]
 * </pre>
 * {@code install} creates the console's topics ({@link ConsoleTopics}) that do not exist yet; without a command the
 * console starts ({@link SluiceConsole}) and runs until the process is stopped. Secrets never come from the command
 * line: client security settings come from the {@code --kafka-config} properties file; operator tokens from
 * {@code --operator-tokens} or the environment variable {@code SLUICE_OPERATOR_TOKENS}; the command signing key
 * from {@code --command-key} or {@code SLUICE_COMMAND_KEY}; the keystore's password from
 * {@code SLUICE_KEYSTORE_PASSWORD}. Exit codes: 0 done, 1 the cluster refused or the console failed, 2 a usage
 * error.
 */
public final class SluiceWebCommand {

    private static final String USAGE = "usage: java -jar sluice-web.jar install --bootstrap-servers HOST:PORT"
            + " [--prefix ENV] [--replication-factor N] [--kafka-config FILE]\n"
            + "       java -jar sluice-web.jar --bootstrap-servers HOST:PORT [--kafka-config FILE] [--prefix ENV]"
            + " [--address IP] [--port N] [--public-host NAME]... [--operator-tokens FILE] [--command-key FILE]"
            + " [--keystore FILE] [--insecure-http] [--ttl-seconds N]";
    private static final List<String> INSTALL_OPTIONS = List.of("bootstrap-servers", "prefix", "replication-factor",
            "kafka-config");
    private static final List<String> CONSOLE_OPTIONS = List.of("bootstrap-servers", "prefix", "kafka-config",
            "address", "port", "public-host", "operator-tokens", "command-key", "keystore", "insecure-http",
            "ttl-seconds");
    private static final List<String> FLAGS = List.of("insecure-http");
    private static final List<String> REPEATABLE = List.of("public-host");

    private SluiceWebCommand() {
    }

    /** Runs the command line; the console runs until the JVM stops, anything else exits with its code. */
    public static void main(String[] args) {
        boolean install = args.length > 0 && args[0].equals("install");
        if (install) {
            System.exit(run(args, System.out, System.err));
        }
        int code = console(args, System.out, System.err);
        if (code != 0) {
            System.exit(code);
        }
    }

    /**
     * Runs {@code install}.
     *
     * @return the exit code: 0 done, 1 the cluster refused or could not be reached, 2 a usage error
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Map<String, List<String>> options;
        try {
            if (args.length == 0 || !args[0].equals("install")) {
                throw new IllegalArgumentException(args.length == 0 ? "no command given"
                        : "unknown command '" + args[0] + "'");
            }
            options = options(List.of(args).subList(1, args.length), INSTALL_OPTIONS);
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            err.println(USAGE);
            return 2;
        }
        Map<String, Object> kafka;
        ConsoleTopics topics;
        short replication;
        try {
            kafka = kafka(options);
            topics = new ConsoleTopics(one(options, "prefix", ""));
            String factor = one(options, "replication-factor", "1");
            try {
                replication = Short.parseShort(factor);
            } catch (NumberFormatException e) {
                replication = 0;
            }
            if (replication < 1) {
                throw new IllegalArgumentException("--replication-factor must be a number from 1 to "
                        + Short.MAX_VALUE + ": " + factor);
            }
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        }
        try (Admin admin = Admin.create(kafka)) {
            List<String> created = topics.install(admin, replication);
            for (ConsoleTopics.Spec spec : topics.specs()) {
                out.println((created.contains(spec.name()) ? "created " : "exists  ") + spec.name() + " "
                        + spec.configs());
            }
            return 0;
        } catch (RuntimeException e) {
            err.println("install failed: " + e.getMessage());
            return 1;
        }
    }

    /**
     * Starts the console from command-line options and prints its URL; it keeps running on its own threads until
     * the JVM stops.
     *
     * @return 0 when it started, 1 when it failed to start, 2 a usage error
     */
    static int console(String[] args, PrintStream out, PrintStream err) {
        ConsoleSettings settings;
        Map<String, Object> kafka;
        try {
            Map<String, List<String>> options = options(List.of(args), CONSOLE_OPTIONS);
            kafka = kafka(options);
            settings = ConsoleSettings.defaults().withTopics(new ConsoleTopics(one(options, "prefix", "")))
                    .withAddress(InetAddress.getByName(one(options, "address", "127.0.0.1")))
                    .withPort(number(options, "port", 9_080))
                    .withPublicHosts(Set.copyOf(options.getOrDefault("public-host", List.of())))
                    .withInsecureHttp(options.containsKey("insecure-http"))
                    .withTtl(Duration.ofSeconds(number(options, "ttl-seconds", 30)));
            Optional<String> tokens = options.containsKey("operator-tokens")
                    ? Optional.of(Files.readString(Path.of(one(options, "operator-tokens", ""))))
                    : Optional.ofNullable(System.getenv("SLUICE_OPERATOR_TOKENS"));
            if (tokens.isPresent()) {
                CommandSigner signer = options.containsKey("command-key")
                        ? CommandSigner.fromFile(Path.of(one(options, "command-key", "")))
                        : CommandSigner.fromEnvironment("SLUICE_COMMAND_KEY");
                settings = settings.withOperators(tokens.get(), signer);
            }
            if (options.containsKey("keystore")) {
                settings = settings.withTls(tls(Path.of(one(options, "keystore", ""))));
            }
        } catch (IllegalArgumentException | IOException | GeneralSecurityException e) {
            err.println(e.getMessage());
            err.println(USAGE);
            return 2;
        }
        try {
            SluiceConsole console = SluiceConsole.start(kafka, settings);
            Runtime.getRuntime().addShutdownHook(new Thread(console::close, "sluice-console-shutdown"));
            out.println("Sluice console: " + console.url());
            return 0;
        } catch (RuntimeException e) {
            err.println("the console did not start: " + e.getMessage());
            return 1;
        }
    }

    private static SSLContext tls(Path keystore) throws IOException, GeneralSecurityException {
        String password = System.getenv("SLUICE_KEYSTORE_PASSWORD");
        if (password == null) {
            throw new IllegalArgumentException("set SLUICE_KEYSTORE_PASSWORD to the password of " + keystore);
        }
        KeyStore store = KeyStore.getInstance(keystore.toFile(), password.toCharArray());
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, password.toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }

    private static Map<String, Object> kafka(Map<String, List<String>> options) {
        Map<String, Object> kafka = new HashMap<>();
        String file = one(options, "kafka-config", null);
        if (file != null) {
            Properties p = new Properties();
            try (InputStream in = Files.newInputStream(Path.of(file))) {
                p.load(in);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read the Kafka configuration " + file + ": " + e);
            }
            p.forEach((k, v) -> kafka.put((String) k, v));
        }
        kafka.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, one(options, "bootstrap-servers", null));
        return kafka;
    }

    private static Map<String, List<String>> options(List<String> args, List<String> known) {
        Map<String, List<String>> options = new HashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + arg + "'");
            }
            String name = arg.contains("=") ? arg.substring(2, arg.indexOf('=')) : arg.substring(2);
            if (!known.contains(name)) {
                throw new IllegalArgumentException("unknown option --" + name);
            }
            String value;
            if (FLAGS.contains(name)) {
                value = "true";
            } else if (arg.contains("=")) {
                value = arg.substring(arg.indexOf('=') + 1);
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                throw new IllegalArgumentException(arg + " needs a value");
            }
            List<String> values = options.computeIfAbsent(name, n -> new ArrayList<>());
            if (!values.isEmpty() && !REPEATABLE.contains(name)) {
                throw new IllegalArgumentException("--" + name + " given twice");
            }
            values.add(value);
        }
        if (!options.containsKey("bootstrap-servers")) {
            throw new IllegalArgumentException("--bootstrap-servers is required");
        }
        return options;
    }

    private static String one(Map<String, List<String>> options, String name, String otherwise) {
        List<String> values = options.get(name);
        return values == null ? otherwise : values.get(0);
    }

    private static int number(Map<String, List<String>> options, String name, int otherwise) {
        String value = one(options, name, null);
        if (value == null) {
            return otherwise;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a number: " + value);
        }
    }
}
