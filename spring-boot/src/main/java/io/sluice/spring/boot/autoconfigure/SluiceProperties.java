package io.sluice.spring.boot.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code sluice.*} properties: how the auto-configured runtimes run, their Kafka settings (which win over
 * {@code spring.kafka.*}), the offset store on the application's {@code DataSource}, per-runtime group ids and
 * per-topic overrides of the code's settings. Immutable.
 *
 * @param autoStartup     whether the runtimes start with the application context; when false they stay stopped
 *                        until started through the {@code SluiceRuntimes} bean's lifecycle
 * @param phase           the lifecycle phase the runtimes start in and stop in; the default is Spring Kafka's
 *                        listener containers' phase, so they stop before the data source closes
 * @param consumerInstances how many Kafka consumers, each with its own listener thread, every runtime runs
 * @param workerThreads   how many threads of every runtime run jobs; 0 means max(2, available processors)
 * @param pollTimeout     the longest a poll blocks
 * @param commitInterval  how often marked offsets are committed to Kafka
 * @param revocationGrace how long revoked partitions' in-flight jobs get to finish
 * @param commitTimeout   the timeout of synchronous commits and other blocking consumer calls
 * @param shutdownTimeout how long stopping waits for in-flight jobs before committing and closing; with the
 *                        commit timeout it must fit in spring.lifecycle.timeout-per-shutdown-phase
 * @param blockedAlertAfter how long a partition may keep failing without progress before it is reported blocked
 * @param kafka           Kafka client settings of every runtime, winning over spring.kafka.*
 * @param offsets         the offset store built on the application's DataSource
 * @param dashboard       the dashboard
 * @param runtimes        settings of single runtimes, by the name of their Topology bean
 * @param topics          overrides of a topic's backoff and dead-letter queue, by topic name
 */
@ConfigurationProperties("sluice")
public record SluiceProperties(
        @DefaultValue("true") boolean autoStartup,
        @DefaultValue("2147483547") int phase,
        @DefaultValue("1") int consumerInstances,
        @DefaultValue("0") int workerThreads,
        @DefaultValue("100ms") Duration pollTimeout,
        @DefaultValue("5s") Duration commitInterval,
        @DefaultValue("10s") Duration revocationGrace,
        @DefaultValue("5s") Duration commitTimeout,
        @DefaultValue("20s") Duration shutdownTimeout,
        @DefaultValue("5m") Duration blockedAlertAfter,
        @DefaultValue Kafka kafka,
        @DefaultValue Offsets offsets,
        @DefaultValue Dashboard dashboard,
        Map<String, Runtime> runtimes,
        Map<String, Topic> topics) {

    /** Freezes the maps; absent ones are empty. */
    public SluiceProperties {
        runtimes = runtimes == null ? Map.of() : Map.copyOf(runtimes);
        topics = topics == null ? Map.of() : Map.copyOf(topics);
    }

    /**
     * Kafka client settings of every runtime.
     *
     * @param bootstrapServers the brokers; empty: Boot's Kafka connection (spring.kafka.bootstrap-servers or a
     *                         service connection)
     * @param properties       further consumer properties, winning over spring.kafka.consumer.*
     */
    public record Kafka(@DefaultValue List<String> bootstrapServers, Map<String, String> properties) {

        /** Freezes the list and the map. */
        public Kafka {
            bootstrapServers = bootstrapServers == null ? List.of() : List.copyOf(bootstrapServers);
            properties = properties == null ? Map.of() : Map.copyOf(properties);
        }
    }

    /**
     * The offset store on the application's DataSource.
     *
     * @param enabled          whether a PartitionOffsets bean is made on the DataSource
     * @param dialect          the jOOQ SQLDialect name (H2, POSTGRES, MARIADB, MYSQL); empty: detected from a
     *                         connection at startup
     * @param tableName        the offset table
     * @param lockTimeout      how long a transaction waits for a partition's row lock
     * @param schemaManagement whether the store creates its table when missing (CREATE_IF_MISSING) or only checks it
     *                         (NONE)
     */
    public record Offsets(@DefaultValue("true") boolean enabled, @DefaultValue("") String dialect,
                          @DefaultValue("kafka_partitions") String tableName,
                          @DefaultValue("5s") Duration lockTimeout,
                          @DefaultValue("CREATE_IF_MISSING") String schemaManagement) {
    }

    /**
     * The dashboard.
     *
     * @param enabled        whether the application's own servlet server serves the dashboard of every runtime
     *                       under the dashboard path, behind the application's security
     * @param path           the path the dashboard is served under by the application's servlet server; each
     *                       runtime's is below it at its Topology bean's name
     * @param port           the port of the standalone dashboard server of every runtime; -1: none, 0: a free port
     * @param recentErrors   how many recent errors the dashboard and the sluice endpoint show
     * @param maxErrorLength the longest error text the sluice endpoint and the dashboard served by the application
     *                       show; longer ones are cut
     */
    public record Dashboard(@DefaultValue("false") boolean enabled, @DefaultValue("/sluice") String path,
                            @DefaultValue("-1") int port, @DefaultValue("20") int recentErrors,
                            @DefaultValue("200") int maxErrorLength) {
    }

    /**
     * Settings of one runtime.
     *
     * @param groupId the consumer group of the runtime
     */
    public record Runtime(String groupId) {
    }

    /**
     * Overrides of one topic's settings; unset ones keep what the code declared.
     *
     * @param backoff    the wait between retries of a failing partition
     * @param deadLetter where messages that fail too often go
     */
    public record Topic(Backoff backoff, DeadLetter deadLetter) {
    }

    /**
     * A topic's backoff; unset fields keep the code's.
     *
     * @param initial    the wait before the first retry
     * @param max        the longest wait
     * @param multiplier the growth factor, at least 1
     */
    public record Backoff(Duration initial, Duration max, Double multiplier) {
    }

    /**
     * A topic's dead-letter queue; unset fields keep the code's.
     *
     * @param topic      the dead-letter topic
     * @param maxRetries retries after the first failed attempt before a message is dead-lettered
     */
    public record DeadLetter(String topic, Integer maxRetries) {
    }
}
