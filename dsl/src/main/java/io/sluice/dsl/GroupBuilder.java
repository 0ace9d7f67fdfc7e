package io.sluice.dsl;

import java.util.Map;

/**
 * The inside of a {@link TopologyBuilder#group} or {@code subscriptionGroup} block: topics declared here (and the
 * topics declared after them with {@link TopicBuilder#topic}) belong to the block's consumer group and subscription
 * group.
 */
public interface GroupBuilder {

    /** Declares a topic in this block; see {@link TopologyBuilder#topic(String)}. */
    TopicStep<byte[], byte[]> topic(String name);

    /** Declares topics by pattern in this block; see {@link TopologyBuilder#topics(java.util.regex.Pattern)}. */
    TopicStep<byte[], byte[]> topics(java.util.regex.Pattern pattern);

    /**
     * Declares a subscription group inside this consumer group: its topics run on consumer instances of their own,
     * with {@code kafka} laid over the runtime's consumer properties (not {@code group.id}). Subscription groups do
     * not nest.
     */
    GroupBuilder subscriptionGroup(String name, Map<String, String> kafka,
                                   java.util.function.Consumer<GroupBuilder> topics);
}
