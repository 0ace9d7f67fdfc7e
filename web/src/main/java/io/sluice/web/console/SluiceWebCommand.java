package io.sluice.web.console;

import java.io.IOException;
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
 * The command line of {@code sluice-web.jar}. Today it has one command:
 * <pre>
 * java -jar sluice-web.jar install --bootstrap-servers HOST:PORT [--prefix ENV] [--replication-factor N]
 *                                  [--kafka-config FILE]
 * </pre>
 * which creates the console's topics ({@link ConsoleTopics}) that do not exist yet and lists what it did. Client
 * security settings (SASL, SSL) come from the {@code --kafka-config} properties file, never from the command line,
 * so no secret lands in a shell history. Exit codes: 0 done, 1 the cluster refused, 2 a usage error.
 */
public final class SluiceWebCommand {

    private static final String USAGE = "usage: java -jar sluice-web.jar install --bootstrap-servers HOST:PORT"
            + " [--prefix ENV] [--replication-factor N] [--kafka-config FILE]";

    private SluiceWebCommand() {
    }

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs the command line.
     *
     * @return the exit code: 0 done, 1 the cluster refused or could not be reached, 2 a usage error
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Map<String, String> options;
        try {
            options = options(args);
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            err.println(USAGE);
            return 2;
        }
        Map<String, Object> kafka = new HashMap<>();
        try {
            String file = options.get("kafka-config");
            if (file != null) {
                Properties p = new Properties();
                try (InputStream in = Files.newInputStream(Path.of(file))) {
                    p.load(in);
                }
                p.forEach((k, v) -> kafka.put((String) k, v));
            }
        } catch (IOException e) {
            err.println("cannot read the Kafka configuration " + options.get("kafka-config") + ": " + e);
            return 2;
        }
        kafka.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, options.get("bootstrap-servers"));
        ConsoleTopics topics;
        short replication;
        try {
            topics = new ConsoleTopics(options.getOrDefault("prefix", ""));
            replication = Short.parseShort(options.getOrDefault("replication-factor", "1"));
            if (replication < 1) {
                throw new NumberFormatException("below 1");
            }
        } catch (NumberFormatException e) {
            err.println("--replication-factor must be a number from 1 to " + Short.MAX_VALUE + ": "
                    + options.get("replication-factor"));
            return 2;
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

    private static Map<String, String> options(String[] args) {
        if (args.length == 0 || !args[0].equals("install")) {
            throw new IllegalArgumentException(args.length == 0 ? "no command given"
                    : "unknown command '" + args[0] + "'");
        }
        List<String> known = List.of("bootstrap-servers", "prefix", "replication-factor", "kafka-config");
        Map<String, String> options = new HashMap<>();
        List<String> rest = new ArrayList<>(List.of(args).subList(1, args.length));
        for (int i = 0; i < rest.size(); i++) {
            String arg = rest.get(i);
            String name;
            String value;
            if (arg.startsWith("--") && arg.contains("=")) {
                name = arg.substring(2, arg.indexOf('='));
                value = arg.substring(arg.indexOf('=') + 1);
            } else if (arg.startsWith("--") && i + 1 < rest.size()) {
                name = arg.substring(2);
                value = rest.get(++i);
            } else {
                throw new IllegalArgumentException(arg.startsWith("--") ? arg + " needs a value"
                        : "unexpected argument '" + arg + "'");
            }
            if (!known.contains(name)) {
                throw new IllegalArgumentException("unknown option --" + name);
            }
            if (options.put(name, value) != null) {
                throw new IllegalArgumentException("--" + name + " given twice");
            }
        }
        if (!options.containsKey("bootstrap-servers")) {
            throw new IllegalArgumentException("--bootstrap-servers is required");
        }
        return options;
    }
}
