package io.sluice.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CloseOptions.GroupMembershipOperation;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

@ExtendWith(EmbeddedKafkaExtension.class)
class EmbeddedKafkaIT {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaIT.class);
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(100);
    /** Well below what the broker's default timeouts allow (about 10 s under either protocol). */
    private static final Duration FAST_REBALANCE = Duration.ofSeconds(8);
    /** Well below the default session timeout (45 s under either protocol). */
    private static final Duration SESSION_EXPIRY = Duration.ofSeconds(20);

    private final EmbeddedKafka kafka;

    EmbeddedKafkaIT(EmbeddedKafka kafka) {
        this.kafka = kafka;
    }

    @Test
    void everyTestOfTheJvmSharesOneBroker(EmbeddedKafka injected) {
        assertSame(kafka, injected);
        assertTrue(kafka.bootstrapServers().startsWith("127.0.0.1:"), kafka.bootstrapServers());
    }

    @ParameterizedTest
    @EnumSource(GroupProtocol.class)
    void producesAndConsumes(GroupProtocol protocol) throws Exception {
        String topic = "round-trip-" + name(protocol);
        kafka.createTopic(topic, 2);
        List<String> sent = List.of("a", "b", "c", "d", "e");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProperties())) {
            for (String value : sent) {
                producer.send(new ProducerRecord<>(topic, bytes(value), bytes(value))).get(10, TimeUnit.SECONDS);
            }
        }

        List<String> received = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(kafka.consumerProperties("round-trip-" + name(protocol), protocol))) {
            consumer.subscribe(List.of(topic));
            pollUntil(() -> {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                    received.add(new String(record.value(), StandardCharsets.UTF_8));
                }
                return received.size() >= sent.size();
            }, DEADLINE, "all records under " + protocol);
            consumer.commitSync();
        }
        assertEquals(Set.copyOf(sent), Set.copyOf(received));
        assertEquals(sent.size(), received.size(), "no record twice: " + received);
    }

    @ParameterizedTest
    @EnumSource(GroupProtocol.class)
    void aJoiningMemberGetsPartitionsWithinSeconds(GroupProtocol protocol) {
        String topic = "rebalance-" + name(protocol);
        String group = "rebalance-" + name(protocol);
        int partitions = 4;
        kafka.createTopic(topic, partitions);
        try (KafkaConsumer<byte[], byte[]> first = new KafkaConsumer<>(memberProperties(group, protocol));
             KafkaConsumer<byte[], byte[]> second = new KafkaConsumer<>(memberProperties(group, protocol))) {
            first.subscribe(List.of(topic));
            pollUntil(() -> {
                first.poll(POLL);
                return first.assignment().size() == partitions;
            }, DEADLINE, "the first member to own every partition under " + protocol);

            long joinedAt = System.nanoTime();
            second.subscribe(List.of(topic));
            pollUntil(() -> {
                first.poll(POLL);
                second.poll(POLL);
                return !second.assignment().isEmpty()
                        && first.assignment().size() + second.assignment().size() == partitions;
            }, DEADLINE, "the second member to get partitions under " + protocol);
            Duration handOver = Duration.ofNanos(System.nanoTime() - joinedAt);
            LOG.info("Under {} the joining member got {} of {} partitions after {} ms", protocol,
                    second.assignment().size(), partitions, handOver.toMillis());

            Set<TopicPartition> union = new HashSet<>(first.assignment());
            union.addAll(second.assignment());
            assertEquals(partitions, union.size(), "each partition owned once: " + first.assignment()
                    + " / " + second.assignment());
            assertTrue(handOver.compareTo(FAST_REBALANCE) < 0,
                    "hand-over under " + protocol + " took " + handOver.toMillis() + " ms");
        }
    }

    @ParameterizedTest
    @EnumSource(GroupProtocol.class)
    void aSilentMemberLosesItsPartitionsWithinSeconds(GroupProtocol protocol) {
        String topic = "silent-" + name(protocol);
        String group = "silent-" + name(protocol);
        int partitions = 2;
        kafka.createTopic(topic, partitions);
        try (KafkaConsumer<byte[], byte[]> survivor = new KafkaConsumer<>(memberProperties(group, protocol))) {
            // a static member: closed without leaving, it keeps its partitions until its session expires
            Map<String, Object> staticMember = memberProperties(group, protocol);
            staticMember.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "crashing-" + name(protocol));
            KafkaConsumer<byte[], byte[]> crashing = new KafkaConsumer<>(staticMember);
            crashing.subscribe(List.of(topic));
            survivor.subscribe(List.of(topic));
            pollUntil(() -> {
                crashing.poll(POLL);
                survivor.poll(POLL);
                return !crashing.assignment().isEmpty() && !survivor.assignment().isEmpty();
            }, DEADLINE, "both members to own a partition under " + protocol);

            // a crash as the group sees it: the member falls silent without leaving
            long silentAt = System.nanoTime();
            crashing.close(CloseOptions.groupMembershipOperation(GroupMembershipOperation.REMAIN_IN_GROUP));
            pollUntil(() -> {
                survivor.poll(POLL);
                return survivor.assignment().size() == partitions;
            }, DEADLINE, "the survivor to own every partition under " + protocol);
            Duration takeOver = Duration.ofNanos(System.nanoTime() - silentAt);
            LOG.info("Under {} the survivor took over after {} ms", protocol, takeOver.toMillis());
            assertTrue(takeOver.compareTo(SESSION_EXPIRY) < 0,
                    "take-over under " + protocol + " took " + takeOver.toMillis() + " ms");
        }
    }

    private Map<String, Object> memberProperties(String group, GroupProtocol protocol) {
        Map<String, Object> props = kafka.consumerProperties(group, protocol);
        if (protocol == GroupProtocol.CLASSIC) {
            // below the broker's default group.min.session.timeout.ms (6 s): proves it was lowered
            props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 3_000);
            props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500);
        }
        return props;
    }

    private static void pollUntil(BooleanSupplier done, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("Timed out after " + timeout + " waiting for " + what);
            }
        }
    }

    private static String name(GroupProtocol protocol) {
        return protocol.name().toLowerCase(Locale.ROOT);
    }

    private static byte[] bytes(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
