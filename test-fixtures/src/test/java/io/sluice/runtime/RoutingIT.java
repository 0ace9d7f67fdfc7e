package io.sluice.runtime;

import static io.sluice.runtime.RuntimeIT.awaitTrue;
import static io.sluice.runtime.RuntimeIT.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.testing.EmbeddedKafka;
import io.sluice.testing.EmbeddedKafkaExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Routing on a real broker. Consumer groups and subscription groups: one runtime consumes a topic in two groups,
 * each completely, and a subscription group's consumer properties apply to its topics only. Static membership: a
 * runtime with several consumer instances and one {@code group.instance.id} runs (each instance gets its own
 * suffixed id, so none is fenced), and a restart within the session timeout gets its partitions back while the
 * other member keeps its own, untouched.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class RoutingIT {

    private final EmbeddedKafka kafka;

    RoutingIT(EmbeddedKafka kafka) {
        this.kafka = kafka;
    }

    @ParameterizedTest
    @EnumSource(GroupProtocol.class)
    void aRestartWithinTheSessionTimeoutMovesNoPartitionOfTheOtherMember(GroupProtocol protocol) throws Exception {
        String topic = unique("static");
        kafka.createTopic(topic, 3);
        Set<String> seen = ConcurrentHashMap.newKeySet();
        Topology topology = Sluice.topology()
                .topic(topic).deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> (batch, ctx) -> batch.forEach(m -> seen.add(m.value())))
                .build();
        String group = unique("group");
        List<SluiceEvent> othersMoves = new CopyOnWriteArrayList<>();
        RuntimeSettings two = RuntimeIT.fast().withConsumerInstances(2);
        try (SluiceRuntime other = SluiceRuntime.create(topology, props(group, "other", protocol), RuntimeIT.fast())
                .listener(e -> {
                    if (e instanceof SluiceEvent.Assigned || e instanceof SluiceEvent.Revoked
                            || e instanceof SluiceEvent.Lost) {
                        othersMoves.add(e);
                    }
                }).start()) {
            SluiceRuntime first = SluiceRuntime.start(topology, props(group, "restarted", protocol), two);
            Set<TopicPartition> held;
            try {
                awaitTrue("three members with one partition each", Duration.ofSeconds(60),
                        () -> held(other).size() == 1 && perInstance(first).equals(List.of(1, 1)));
                assertTrue(first.failures().isEmpty(), "no instance was fenced: " + first.failures());
                held = held(first);
            } finally {
                first.close(); // a static member does not leave the group on close
            }
            int movesBefore = othersMoves.size();
            Set<TopicPartition> othersPartition = held(other);

            try (SluiceRuntime again = SluiceRuntime.start(topology, props(group, "restarted", protocol), two)) {
                awaitTrue("the restarted member holds two partitions", Duration.ofSeconds(30),
                        () -> held(again).size() == 2);
                assertEquals(held, held(again), "the restarted member got its own partitions back");
                try (KafkaProducer<String, String> producer = new KafkaProducer<>(kafka.producerProperties(),
                        new StringSerializer(), new StringSerializer())) {
                    for (int p = 0; p < 3; p++) {
                        producer.send(new ProducerRecord<>(topic, p, "k", "after-" + p)).get();
                    }
                }
                awaitTrue("every partition consumed after the restart", Duration.ofSeconds(30),
                        () -> seen.containsAll(List.of("after-0", "after-1", "after-2")));
                assertTrue(again.failures().isEmpty(), "no instance was fenced: " + again.failures());
            }
            assertEquals(othersPartition, held(other));
            assertEquals(List.of(), othersMoves.subList(movesBefore, othersMoves.size()),
                    "the other member's partitions did not move while the static member restarted");
        }
    }

    @Test
    void oneRuntimeConsumesATopicInTwoGroupsAndASubscriptionGroupKeepsItsOwnConsumerProperties() throws Exception {
        String orders = unique("orders");
        String ledger = unique("ledger");
        kafka.createTopic(orders, 3);
        kafka.createTopic(ledger, 1);
        Map<String, Set<String>> seen = new ConcurrentHashMap<>();
        List<Integer> ledgerBatches = new CopyOnWriteArrayList<>();
        List<Integer> ordersBatchesInBilling = new CopyOnWriteArrayList<>();
        String shop = unique("shop");
        String billing = unique("billing");
        Topology topology = Sluice.topology()
                .topic(orders).deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> (batch, ctx) -> batch.forEach(m -> record(seen, ctx.consumerGroup(), m.value())))
                .group(billing, g -> g
                        .topic(orders).deserializers(new StringDeserializer(), new StringDeserializer())
                        .consumer(() -> (batch, ctx) -> {
                            ordersBatchesInBilling.add(batch.size());
                            batch.forEach(m -> record(seen, ctx.consumerGroup(), m.value()));
                        })
                        .subscriptionGroup("single", Map.of("max.poll.records", "1"), s -> s
                                .topic(ledger).deserializers(new StringDeserializer(), new StringDeserializer())
                                .consumer(() -> (batch, ctx) -> {
                                    ledgerBatches.add(batch.size());
                                    batch.forEach(m -> record(seen, "ledger", m.value()));
                                })))
                .build();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(kafka.producerProperties(),
                new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 300; i++) {
                producer.send(new ProducerRecord<>(orders, i % 3, "k", "o-" + i));
            }
            for (int i = 0; i < 50; i++) {
                producer.send(new ProducerRecord<>(ledger, 0, "k", "l-" + i));
            }
            producer.flush();
        }
        Properties props = props(shop, null, GroupProtocol.CLASSIC);
        try (SluiceRuntime runtime = SluiceRuntime.start(topology, props, RuntimeIT.fast())) {
            awaitTrue("both groups consumed every order and the ledger is consumed", Duration.ofSeconds(60),
                    () -> seen.getOrDefault(shop, Set.of()).size() == 300
                            && seen.getOrDefault(billing, Set.of()).size() == 300
                            && seen.getOrDefault("ledger", Set.of()).size() == 50);
            assertEquals(3, runtime.partitions().size(), "one consumer instance per subscription");
            assertTrue(runtime.failures().isEmpty(), "failures: " + runtime.failures());
        }
        assertTrue(ledgerBatches.stream().allMatch(n -> n == 1), "max.poll.records=1: " + ledgerBatches);
        assertTrue(ordersBatchesInBilling.stream().anyMatch(n -> n > 1),
                "the group's other topic keeps the default max.poll.records: " + ordersBatchesInBilling);
    }

    @ParameterizedTest
    @EnumSource(GroupProtocol.class)
    void aPatternPicksUpATopicCreatedAfterTheStart(GroupProtocol protocol) throws Exception {
        String prefix = unique("pat").replace('-', '_');
        String early = prefix + ".early";
        String late = prefix + ".late";
        kafka.createTopic(early, 1);
        Set<String> seen = ConcurrentHashMap.newKeySet();
        Topology topology = Sluice.topology()
                .topics(java.util.regex.Pattern.compile(prefix + "\\..*"))
                .deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> (batch, ctx) -> batch.forEach(m -> seen.add(m.topic() + ":" + m.value())))
                .build();
        Properties props = props(unique("group"), null, protocol);
        if (protocol == GroupProtocol.CLASSIC) {
            props.put("metadata.max.age.ms", "500"); // how soon the client sees a new topic
        }
        try (SluiceRuntime runtime = SluiceRuntime.start(topology, props, RuntimeIT.fast());
             KafkaProducer<String, String> producer = new KafkaProducer<>(kafka.producerProperties(),
                     new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(early, 0, "k", "one")).get();
            awaitTrue("the existing topic is consumed", Duration.ofSeconds(60),
                    () -> seen.contains(early + ":one"));
            kafka.createTopic(late, 1);
            producer.send(new ProducerRecord<>(late, 0, "k", "two")).get();
            long created = System.nanoTime();
            awaitTrue("the topic created later is consumed", Duration.ofSeconds(60),
                    () -> seen.contains(late + ":two"));
            org.slf4j.LoggerFactory.getLogger(RoutingIT.class).info("Under {} the new topic was consumed {} ms after"
                    + " it was created", protocol, (System.nanoTime() - created) / 1_000_000);
            assertTrue(runtime.failures().isEmpty(), "failures: " + runtime.failures());
        }
    }

    private static void record(Map<String, Set<String>> seen, String key, String value) {
        if (!seen.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(value)) {
            throw new AssertionError(key + " consumed " + value + " twice");
        }
    }

    private static Set<TopicPartition> held(SluiceRuntime runtime) {
        return runtime.partitions().values().stream().flatMap(List::stream).map(PartitionState::topicPartition)
                .collect(Collectors.toSet());
    }

    private static List<Integer> perInstance(SluiceRuntime runtime) {
        return runtime.partitions().values().stream().map(List::size).sorted().toList();
    }

    private Properties props(String group, String instanceId, GroupProtocol protocol) {
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka.bootstrapServers());
        p.put("group.id", group);
        if (instanceId != null) {
            p.put("group.instance.id", instanceId);
        }
        p.put("auto.offset.reset", "earliest");
        if (protocol == GroupProtocol.CONSUMER) {
            p.put("group.protocol", "consumer");
        } else {
            p.put("session.timeout.ms", "15000");
            p.put("heartbeat.interval.ms", "500");
        }
        return p;
    }
}
