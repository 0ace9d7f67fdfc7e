package io.sluice.dsl;

/**
 * The start of a topology declaration, from {@link Sluice#topology()}. Not thread-safe; build one topology per
 * builder.
 */
public interface TopologyBuilder {

    /** Settings for every topic; a topic's own settings win over these. May be called more than once. */
    TopologyBuilder defaults(java.util.function.Consumer<Defaults> defaults);

    /**
     * Declares a topic. The step returned offers deserializers and the consumer, nothing else, so a topic
     * without a consumer cannot be written. Keys and values are byte arrays until deserializers are given.
     */
    TopicStep<byte[], byte[]> topic(String name);

    /**
     * Validates the declaration and returns the immutable topology.
     *
     * @throws TopologyException listing every problem found, each naming its topic
     */
    Topology build();
}
