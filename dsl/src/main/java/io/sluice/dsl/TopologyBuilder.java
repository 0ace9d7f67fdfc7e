package io.sluice.dsl;

/**
 * The start of a topology declaration, from {@link Sluice#topology()}. Not thread-safe; build one topology per
 * builder.
 */
public interface TopologyBuilder {

    /** Settings for every topic; a topic's own settings win over these. May be called more than once. */
    TopologyBuilder defaults(java.util.function.Consumer<Defaults> defaults);

    /**
     * Declares a topic (after a topic declared in a group block: in that block's group). The step returned offers deserializers and the consumer, nothing else, so a topic
     * without a consumer cannot be written. Keys and values are byte arrays until deserializers are given.
     */
    TopicStep<byte[], byte[]> topic(String name);

    /**
     * Declares a consumer and chain for every topic whose whole name matches {@code pattern}, including topics
     * created after the runtime started (found within {@code metadata.max.age.ms} under the {@code classic}
     * protocol). A topic declared by name is consumed by that declaration; otherwise the first matching pattern in
     * declaration order wins (a topic matched by two is logged once). {@code build()} requires a literal prefix
     * ({@code orders\..*}, not {@code .*}), RE2-compatible syntax (the {@code consumer} protocol matches on the
     * broker with RE2/J), and rejects a pattern that matches one of the topology's dead-letter topics or Kafka's
     * {@code __} internals.
     */
    TopicStep<byte[], byte[]> topics(java.util.regex.Pattern pattern);

    /**
     * Declares topics consumed in their own consumer group {@code groupId} (its own {@code group.id}, offsets and
     * consumer instances), inside {@code topics}. One runtime starts and stops every group. A topic may be declared
     * in several groups (each consumes all of it), once per group. Groups do not nest.
     */
    TopologyBuilder group(String groupId, java.util.function.Consumer<GroupBuilder> topics);

    /**
     * Declares a subscription group in the runtime's own consumer group; see
     * {@link GroupBuilder#subscriptionGroup}.
     */
    TopologyBuilder subscriptionGroup(String name, java.util.Map<String, String> kafka,
                                      java.util.function.Consumer<GroupBuilder> topics);

    /**
     * Validates the declaration and returns the immutable topology.
     *
     * @throws TopologyException listing every problem found, each naming its topic
     */
    Topology build();
}
