package io.sluice.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Turns the user's Kafka properties into the consumer configuration Sluice runs with. Every property passes
 * through, except those the runtime must own: byte-array deserializers (Sluice deserializes per message inside
 * the job), {@code enable.auto.commit=false} (Sluice commits what it marked) and {@code auto.offset.reset=none}
 * (Sluice applies the user's reset itself, so Kafka never moves a position it did not choose). Unless the user set
 * it, {@code isolation.level} is {@code read_committed}: records of aborted transactions are never applied.
 *
 * <p>Static membership: a {@code group.instance.id} the user sets gets the consumer instance's index as a suffix
 * ({@code <id>-0}, {@code <id>-1}, ...; in a subscription group {@code <id>-<subscription>-0}), so the runtime's instances never fence each other and each keeps its id
 * across a restart with the same settings (a rolling deploy then causes no rebalance within the session timeout).
 *
 * <p>Under the {@code classic} group protocol the cooperative-sticky assignor is set unless the user chose one
 * (Kafka's default list runs eager Range first, so nothing would be kept across rebalances); under
 * {@code group.protocol=consumer} none of the assignor or session settings are set, as Kafka rejects them there.
 */
public final class ConsumerConfigs {

    private ConsumerConfigs() {
    }

    /**
     * The consumer configuration for one instance.
     *
     * @param user     the user's properties; not changed
     * @param clientId the client id of this instance, used unless the user set one (then suffixed)
     * @throws IllegalArgumentException when {@code bootstrap.servers} or {@code group.id} is missing, or a
     *                                  property the runtime must own is set to something else
     */
    public static Properties forInstance(Properties user, String clientId) {
        return forInstance(user, clientId, "0");
    }

    /**
     * The consumer configuration for one instance, whose static member id (when {@code group.instance.id} is set)
     * ends with {@code memberSuffix}.
     *
     * @param user         the user's properties; not changed
     * @param clientId     the client id of this instance, used unless the user set one (then suffixed)
     * @param memberSuffix the suffix of {@code group.instance.id}: the instance's index ({@code 0}, {@code 1}, ...),
     *                     after its subscription group's name outside the default one ({@code bulk-0})
     * @throws IllegalArgumentException when {@code bootstrap.servers} or {@code group.id} is missing, or a
     *                                  property the runtime must own is set to something else
     */
    public static Properties forInstance(Properties user, String clientId, String memberSuffix) {
        List<String> problems = new ArrayList<>();
        if (isBlank(user.getProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG))) {
            problems.add("'" + ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG + "' is missing: name the Kafka brokers, "
                    + "e.g. localhost:9092");
        }
        if (isBlank(user.getProperty(ConsumerConfig.GROUP_ID_CONFIG))) {
            problems.add("'" + ConsumerConfig.GROUP_ID_CONFIG + "' is missing: Sluice consumes as a consumer group");
        }
        String autoCommit = user.getProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG);
        if (autoCommit != null && Boolean.parseBoolean(autoCommit.trim())) {
            problems.add("'" + ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG + "=true' is not supported: Sluice commits "
                    + "only what it marked; remove the property");
        }
        String reset = user.getProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG);
        if (reset != null && !List.of("earliest", "latest", "none").contains(reset.trim().toLowerCase(Locale.ROOT))) {
            problems.add("'" + ConsumerConfig.AUTO_OFFSET_RESET_CONFIG + "=" + reset + "' is not supported: use "
                    + "earliest, latest or none (Sluice applies it itself)");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid Kafka consumer properties: " + String.join("; ", problems));
        }
        Properties props = new Properties();
        props.putAll(user);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // Kafka never moves a position Sluice did not choose: an invalid offset comes to the runtime, which applies
        // the user's reset itself (or, on an offset-managed topic, enforces the stored offset)
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        // an aborted transaction's records are never applied, unless the user asks for them
        props.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        String given = user.getProperty(ConsumerConfig.CLIENT_ID_CONFIG);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, isBlank(given) ? clientId : given + "-" + clientId);
        String staticId = user.getProperty(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        if (!isBlank(staticId)) {
            // one id per consumer instance, stable across restarts: two instances with one id would fence each other
            props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, staticId.trim() + "-" + memberSuffix);
        }
        if (!isConsumerProtocol(user) && !user.containsKey(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG)) {
            props.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        }
        return props;
    }

    /**
     * The reset the user asked for with {@code auto.offset.reset} ({@code latest}, Kafka's default, when unset),
     * which the runtime applies itself to partitions without a valid offset.
     */
    public static String userAutoOffsetReset(Properties user) {
        String reset = user.getProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG);
        return reset == null || reset.isBlank() ? "latest" : reset.trim().toLowerCase(Locale.ROOT);
    }

    /** Whether the properties select the KIP-848 {@code consumer} group protocol. */
    public static boolean isConsumerProtocol(Properties props) {
        String protocol = props.getProperty(ConsumerConfig.GROUP_PROTOCOL_CONFIG);
        return protocol != null && protocol.trim().toLowerCase(Locale.ROOT).equals("consumer");
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
