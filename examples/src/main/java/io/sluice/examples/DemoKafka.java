package io.sluice.examples;

import io.sluice.testing.EmbeddedKafka;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The Kafka the demo talks to: the in-process broker by default, or a real cluster. Creates the demo's topic
 * and reads a group's committed offsets. {@link #close()} stops the in-process broker, if one was started.
 */
final class DemoKafka implements AutoCloseable {

    private static final long TIMEOUT_SECONDS = 60;

    private final Optional<EmbeddedKafka> embedded;
    private final String bootstrapServers;
    private final Admin admin;

    private DemoKafka(Optional<EmbeddedKafka> embedded, String bootstrapServers) {
        this.embedded = embedded;
        this.bootstrapServers = bootstrapServers;
        this.admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    }

    /** Starts the in-process broker (its data under {@code target/} of the current directory). */
    static DemoKafka embedded() {
        EmbeddedKafka kafka = EmbeddedKafka.start();
        return new DemoKafka(Optional.of(kafka), kafka.bootstrapServers());
    }

    /** Connects to the cluster at {@code bootstrapServers}. */
    static DemoKafka external(String bootstrapServers) {
        return new DemoKafka(Optional.empty(), bootstrapServers);
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    /** What Kafka is, for the demo's output. */
    String description() {
        return embedded.isPresent()
                ? "in-process broker on " + bootstrapServers
                : "cluster at " + bootstrapServers;
    }

    /**
     * Creates {@code topic}, replication factor 1 on the in-process broker and the cluster's default otherwise.
     *
     * @throws IllegalStateException when the topic exists already (its old orders would spoil the check) or
     *                               cannot be created
     */
    void createTopic(String topic, int partitions) throws InterruptedException {
        if (embedded.isPresent()) {
            embedded.get().createTopic(topic, partitions);
            return;
        }
        try {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(partitions), Optional.empty())))
                    .all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
                throw new IllegalStateException("topic '" + topic + "' exists already on " + bootstrapServers
                        + ": the demo needs a new topic; delete it or choose another with --topic", e);
            }
            throw new IllegalStateException("could not create topic '" + topic + "': " + e.getCause(), e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("could not create topic '" + topic + "' within " + TIMEOUT_SECONDS
                    + " s on " + bootstrapServers, e);
        }
    }

    /** The offsets {@code groupId} has committed, by partition; a partition without one is absent. */
    Map<TopicPartition, OffsetAndMetadata> committedOffsets(String groupId) throws InterruptedException {
        try {
            return admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata()
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not read the committed offsets of group " + groupId, e);
        }
    }

    @Override
    public void close() {
        admin.close();
        embedded.ifPresent(EmbeddedKafka::close);
    }
}
