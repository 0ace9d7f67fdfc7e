package io.sluice.web.console;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The six topics through which runtimes report to the console and the console commands them, named
 * {@code sluice.<role>} or, with an environment prefix, {@code <prefix>.sluice.<role>}. Names use dots only: Kafka
 * maps {@code .} and {@code _} to the same metric name, so mixing them risks collisions.
 *
 * <p>The topics are created on purpose, by {@link #install(Admin, short)} (the {@code install} command of
 * {@code sluice-web.jar}), never as a side effect: a runtime or console that finds one missing fails through
 * {@link #requireInstalled(Admin)} with a message naming the topic and the command. The settings are:
 * <table>
 *   <caption>Topics</caption>
 *   <tr><th>role</th><th>partitions</th><th>policy</th></tr>
 *   <tr><td>reports</td><td>1</td><td>delete after 24 hours</td></tr>
 *   <tr><td>errors</td><td>1</td><td>delete after 90 days</td></tr>
 *   <tr><td>commands</td><td>1</td><td>delete after 24 hours</td></tr>
 *   <tr><td>results</td><td>1</td><td>delete after 24 hours</td></tr>
 *   <tr><td>metrics</td><td>1</td><td>compacted</td></tr>
 *   <tr><td>pauses</td><td>1</td><td>compacted</td></tr>
 * </table>
 *
 * @param prefix the environment prefix, empty for none; letters, digits and {@code -}, in dot-separated parts
 */
public record ConsoleTopics(String prefix) {

    /** One topic to create: its name, partition count and topic configuration. */
    public record Spec(String name, int partitions, Map<String, String> configs) {

        /** Copies the configuration. */
        public Spec {
            configs = Map.copyOf(configs);
        }
    }

    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*");
    private static final Duration INSTALL_TIMEOUT = Duration.ofSeconds(30);
    private static final String DAY_MS = String.valueOf(Duration.ofDays(1).toMillis());

    /**
     * Validates the prefix.
     *
     * @throws IllegalArgumentException when the prefix holds anything but letters, digits, {@code -} and
     *                                  separating dots
     */
    public ConsoleTopics {
        Objects.requireNonNull(prefix, "prefix");
        if (!prefix.isEmpty() && !PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("the topic prefix '" + prefix + "' may hold letters, digits and '-' in"
                    + " dot-separated parts only (no '_': Kafka maps '.' and '_' to the same metric names)");
        }
    }

    /** The topics without a prefix. */
    public static ConsoleTopics standard() {
        return new ConsoleTopics("");
    }

    /** Where runtimes send their periodic state reports. */
    public String reports() {
        return name("reports");
    }

    /** Where runtimes send their errors. */
    public String errors() {
        return name("errors");
    }

    /** Where the console sends signed operator commands. */
    public String commands() {
        return name("commands");
    }

    /** Where runtimes answer commands. */
    public String results() {
        return name("results");
    }

    /** The console's per-minute aggregates, compacted. */
    public String metrics() {
        return name("metrics");
    }

    /** The desired pause state of partitions, compacted; a resume is a tombstone. */
    public String pauses() {
        return name("pauses");
    }

    /** Every topic with its settings, in the order above. */
    public List<Spec> specs() {
        Map<String, String> day = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.RETENTION_MS_CONFIG, DAY_MS);
        Map<String, String> compacted = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        return List.of(
                new Spec(reports(), 1, day),
                new Spec(errors(), 1, Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                        TopicConfig.RETENTION_MS_CONFIG, String.valueOf(Duration.ofDays(90).toMillis()))),
                new Spec(commands(), 1, day),
                new Spec(results(), 1, day),
                new Spec(metrics(), 1, compacted),
                new Spec(pauses(), 1, compacted));
    }

    /**
     * Creates every topic that does not exist yet; existing ones are left as they are. Returns once the cluster
     * lists every one of them.
     *
     * @return the names created now, empty when all existed
     * @throws IllegalStateException when the cluster refuses a creation (authorisation, replication factor), with
     *                               its reason
     */
    public List<String> install(Admin admin, short replicationFactor) {
        Set<String> existing = existing(admin);
        List<String> created = new ArrayList<>();
        for (Spec spec : specs()) {
            if (existing.contains(spec.name())) {
                continue;
            }
            NewTopic topic = new NewTopic(spec.name(), spec.partitions(), replicationFactor).configs(spec.configs());
            try {
                admin.createTopics(List.of(topic)).all().get(INSTALL_TIMEOUT.toMillis(),
                        TimeUnit.MILLISECONDS);
                created.add(spec.name());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("cannot create " + spec.name() + ": " + e.getCause(), e.getCause());
                }
            } catch (TimeoutException e) {
                throw new IllegalStateException("cannot create " + spec.name() + ": no answer within "
                        + INSTALL_TIMEOUT, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while creating " + spec.name(), e);
            }
        }
        // a created topic reaches every broker's metadata a moment later: return once listing shows them all, so a
        // reporter or console started right after the install finds them
        long deadline = System.nanoTime() + INSTALL_TIMEOUT.toNanos();
        while (!created.isEmpty() && firstMissing(admin).isPresent()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("created " + created + ", but " + firstMissing(admin).get()
                        + " was not listed within " + INSTALL_TIMEOUT);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // list again
        }
        return List.copyOf(created);
    }

    /**
     * The first missing topic, if any.
     *
     * @throws IllegalStateException when the topics cannot be listed
     */
    public Optional<String> firstMissing(Admin admin) {
        Set<String> existing = existing(admin);
        return specs().stream().map(Spec::name).filter(name -> !existing.contains(name)).findFirst();
    }

    /**
     * Passes when every topic exists.
     *
     * @throws IllegalStateException naming the first missing topic and the command that creates it
     */
    public void requireInstalled(Admin admin) {
        firstMissing(admin).ifPresent(missing -> {
            throw new IllegalStateException("the topic " + missing + " does not exist; Sluice never creates it on"
                    + " its own: run `java -jar sluice-web.jar install --bootstrap-servers <servers>"
                    + (prefix.isEmpty() ? "" : " --prefix " + prefix) + "` once");
        });
    }

    private String name(String role) {
        return prefix.isEmpty() ? "sluice." + role : prefix + ".sluice." + role;
    }

    private static Set<String> existing(Admin admin) {
        try {
            return admin.listTopics().names().get(INSTALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot list the cluster's topics: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("cannot list the cluster's topics: no answer within " + INSTALL_TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while listing topics", e);
        }
    }
}
