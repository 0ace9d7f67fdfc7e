package io.sluice.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.ConsumerContext;
import io.sluice.dsl.Filter;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.dsl.Verdict;
import io.sluice.testing.EmbeddedKafka;
import io.sluice.testing.EmbeddedKafkaExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The runtime on a real broker, end to end (docs/architecture.md, "The listener", "Rebalances and generations"). */
@ExtendWith(EmbeddedKafkaExtension.class)
class RuntimeIT {

    private static final AtomicInteger NAMES = new AtomicInteger();

    private final EmbeddedKafka kafka;

    RuntimeIT(EmbeddedKafka kafka) {
        this.kafka = kafka;
    }

    @Test
    @SuppressWarnings("try") // the runtimes only need to run and close
    void twoInstancesConsumeEveryMessageExactlyOnceAndCommitTheEnd() throws Exception {
        String topic = unique("exact");
        kafka.createTopic(topic, 3);
        Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
        Topology topology = Sluice.topology()
                .topic(topic).deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> (batch, ctx) -> batch.forEach(
                        m -> seen.computeIfAbsent(m.value(), k -> new AtomicInteger()).incrementAndGet()))
                .build();
        Properties props = props(unique("group"), GroupProtocol.CLASSIC);
        try (SluiceRuntime a = SluiceRuntime.start(topology, props, fast());
             SluiceRuntime b = SluiceRuntime.start(topology, props, fast())) {
            produce(topic, 3, 10_000);
            awaitTrue("all 10,000 consumed", Duration.ofSeconds(60), () -> seen.size() == 10_000);
        }
        assertTrue(seen.values().stream().allMatch(n -> n.get() == 1),
                "duplicates: " + seen.entrySet().stream().filter(e -> e.getValue().get() > 1).limit(5).toList());
        Map<TopicPartition, Long> committed = committed(props.getProperty("group.id"));
        Map<TopicPartition, Long> ends = endOffsets(topic, 3);
        assertEquals(ends, committed);
    }

    @Test
    void aJobLongerThanMaxPollIntervalCausesNoRebalanceWhileOtherPartitionsFlow() throws Exception {
        String topic = unique("slow");
        kafka.createTopic(topic, 3);
        CountDownLatch slowStarted = new CountDownLatch(1);
        AtomicBoolean slowRunning = new AtomicBoolean();
        List<String> othersWhileSlow = new CopyOnWriteArrayList<>();
        List<SluiceEvent> rebalances = new CopyOnWriteArrayList<>();
        Topology topology = Sluice.topology()
                .topic(topic).deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> (batch, ctx) -> {
                    if (ctx.topicPartition().partition() == 0 && batch.get(0).value().equals("slow")) {
                        slowRunning.set(true);
                        slowStarted.countDown();
                        // the behaviour under test: a job that outlives max.poll.interval.ms (5 s)
                        waitFor(Duration.ofSeconds(8), ctx);
                        slowRunning.set(false);
                    } else if (slowRunning.get()) {
                        batch.forEach(m -> othersWhileSlow.add(m.value()));
                    }
                })
                .build();
        Properties props = props(unique("group"), GroupProtocol.CLASSIC);
        props.put("max.poll.interval.ms", "5000");
        try (SluiceRuntime runtime = SluiceRuntime.create(topology, props, fast())
                .listener(e -> {
                    if (e instanceof SluiceEvent.Revoked || e instanceof SluiceEvent.Lost) {
                        rebalances.add(e);
                    }
                }).start();
             KafkaProducer<String, String> producer = producer()) {
            producer.send(new ProducerRecord<>(topic, 0, "k", "slow")).get();
            assertTrue(slowStarted.await(60, TimeUnit.SECONDS), "the slow job never started");
            for (int i = 0; slowRunning.get() && i < 200; i++) {
                producer.send(new ProducerRecord<>(topic, 1 + i % 2, "k", "other-" + i)).get();
                awaitTrue("message other-" + i + " consumed", Duration.ofSeconds(10),
                        () -> !slowRunning.get() || othersWhileSlow.size() > 0);
            }
            awaitTrue("the slow job ends", Duration.ofSeconds(20), () -> !slowRunning.get());
            assertFalse(othersWhileSlow.isEmpty(), "no other partition flowed while the slow job ran");
            assertTrue(rebalances.isEmpty(), "unexpected rebalance: " + rebalances);
            assertEquals(3, runtime.partitions().values().stream().mapToInt(List::size).sum());
        }
    }

    @ParameterizedTest
    @EnumSource(value = GroupProtocol.class)
    void aJoiningInstanceTakesPartitionsWithFreshFiltersAndAHaltedOneHandsThemBack(GroupProtocol protocol)
            throws Exception {
        String topic = unique("join-" + protocol.name().toLowerCase());
        kafka.createTopic(topic, 4);
        Set<String> consumed = ConcurrentHashMap.newKeySet();
        AtomicInteger sawRevoked = new AtomicInteger();
        AtomicBoolean holding = new AtomicBoolean();
        Map<TopicPartition, AtomicInteger> filtersMade = new ConcurrentHashMap<>();
        Topology topology = Sluice.topology()
                .topic(topic).deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> (batch, ctx) -> {
                    // while holding, every job stays in flight until its partition is revoked
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                    while (holding.get() && System.nanoTime() < deadline) {
                        if (ctx.revoked()) {
                            sawRevoked.incrementAndGet();
                            break;
                        }
                        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                    }
                    batch.forEach(m -> consumed.add(m.value()));
                })
                .filter(tp -> {
                    filtersMade.computeIfAbsent(tp, k -> new AtomicInteger()).incrementAndGet();
                    return (Filter<Object, Object>) (batch, ctx) -> Verdict.notApplied();
                })
                .build();
        Properties props = props(unique("group"), protocol);
        List<SluiceEvent.Assigned> assignedToB = new CopyOnWriteArrayList<>();
        try (SluiceRuntime a = SluiceRuntime.start(topology, props, fast());
             KafkaProducer<String, String> producer = producer()) {
            AtomicLong sent = new AtomicLong();
            Runnable sendSome = () -> {
                for (int i = 0; i < 200; i++) {
                    long n = sent.getAndIncrement();
                    producer.send(new ProducerRecord<>(topic, (int) (n % 4), "k", "m-" + n));
                }
                producer.flush();
            };
            sendSome.run();
            awaitTrue("a consumes", Duration.ofSeconds(60), () -> consumed.size() == sent.get());
            holding.set(true);
            sendSome.run(); // every partition now has a job in flight, held
            SluiceRuntime b = SluiceRuntime.create(topology, props, fast())
                    .listener(e -> {
                        if (e instanceof SluiceEvent.Assigned as) {
                            assignedToB.add(as);
                        }
                    }).start();
            try {
                awaitTrue("b gets partitions", Duration.ofSeconds(60), () -> !assignedToB.isEmpty());
                awaitTrue("a held job sees revoked() turn true", Duration.ofSeconds(30), () -> sawRevoked.get() > 0);
                holding.set(false);
                sendSome.run();
                awaitTrue("everything sent so far is consumed", Duration.ofSeconds(60),
                        () -> consumed.size() == sent.get());
                assertTrue(sawRevoked.get() > 0, "no in-flight job saw revoked() turn true");
                int made = filtersMade.values().stream().mapToInt(AtomicInteger::get).sum();
                assertTrue(made >= 4 + assignedToB.size(), "new owner made no new filters: " + filtersMade);
            } finally {
                b.halt();
            }
            long haltedAt = System.nanoTime();
            awaitTrue("a owns all four partitions again", Duration.ofSeconds(30),
                    () -> a.partitions().values().stream().mapToInt(List::size).sum() == 4);
            assertTrue(System.nanoTime() - haltedAt < TimeUnit.SECONDS.toNanos(20), "handover was slow");
            sendSome.run();
            awaitTrue("nothing is lost", Duration.ofSeconds(60), () -> consumed.size() == sent.get());
        }
    }

    @Test
    @SuppressWarnings("try")
    void aSeekVerdictRedeliversFromTheCursorAndAPauseHoldsThePartitionForItsTimeout() throws Exception {
        String topic = unique("verdicts");
        kafka.createTopic(topic, 1);
        List<Long> consumedOffsets = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger timesSeenThree = new AtomicInteger();
        AtomicBoolean sought = new AtomicBoolean();
        AtomicBoolean paused = new AtomicBoolean();
        AtomicLong pausedAt = new AtomicLong();
        AtomicLong resumedAfter = new AtomicLong(-1);
        Topology topology = Sluice.topology()
                .topic(topic).deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> (batch, ctx) -> {
                    if (paused.get() && resumedAfter.get() < 0 && batch.firstOffset().orElse(-1) == 10) {
                        resumedAfter.set(System.nanoTime() - pausedAt.get());
                    }
                    batch.forEach(m -> consumedOffsets.add(m.offset()));
                })
                .filter(tp -> (Filter<Object, Object>) (batch, ctx) -> {
                    if (batch.stream().anyMatch(m -> m.offset() == 3)) {
                        timesSeenThree.incrementAndGet();
                    }
                    if (!sought.get() && batch.stream().anyMatch(m -> m.offset() == 6)) {
                        sought.set(true);
                        return Verdict.seek(3);
                    }
                    if (!paused.get() && batch.firstOffset().orElse(-1) == 10) {
                        paused.set(true);
                        pausedAt.set(System.nanoTime());
                        return Verdict.pause(10, Duration.ofSeconds(2));
                    }
                    return Verdict.notApplied();
                })
                .build();
        Properties props = props(unique("group"), GroupProtocol.CLASSIC);
        props.put("max.poll.records", "7");
        produce(topic, 1, 10); // all there before the first fetch, so it holds 0..6
        try (SluiceRuntime runtime = SluiceRuntime.start(topology, props, fast());
             KafkaProducer<String, String> producer = producer()) {
            awaitTrue("0..9 consumed", Duration.ofSeconds(60), () -> consumedOffsets.size() == 10);
            producer.send(new ProducerRecord<>(topic, 0, "k", "v10")).get();
            awaitTrue("10 consumed after the pause", Duration.ofSeconds(30), () -> consumedOffsets.size() == 11);
        }
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L), consumedOffsets);
        assertEquals(2, timesSeenThree.get(), "offset 3 was not fetched again after the seek");
        assertTrue(resumedAfter.get() >= TimeUnit.SECONDS.toNanos(2),
                "resumed after " + TimeUnit.NANOSECONDS.toMillis(resumedAfter.get()) + " ms, before the timeout");
    }

    @Test
    void closeCommitsAndReturnsWithinItsDeadlineWhileAJobIsInFlight() throws Exception {
        String topic = unique("close");
        kafka.createTopic(topic, 1);
        CountDownLatch stuck = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Topology topology = Sluice.topology()
                .topic(topic).deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> (batch, ctx) -> {
                    if (batch.firstOffset().orElse(-1) >= 5) {
                        stuck.countDown();
                        release.await(60, TimeUnit.SECONDS);
                    }
                })
                .build();
        Properties props = props(unique("group"), GroupProtocol.CLASSIC);
        props.put("max.poll.records", "5");
        produce(topic, 1, 10); // all there before the first fetch, so it holds 0..4
        SluiceRuntime runtime = SluiceRuntime.start(topology, props,
                fast().withShutdownTimeout(Duration.ofSeconds(2)));
        try {
            assertTrue(stuck.await(60, TimeUnit.SECONDS), "the second batch never started");
            long started = System.nanoTime();
            runtime.close();
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertTrue(tookMillis < 2_000 + 5_000 + 3_000, "close took " + tookMillis + " ms");
            assertFalse(runtime.isRunning());
            runtime.close(); // idempotent
        } finally {
            release.countDown();
        }
        assertEquals(Map.of(new TopicPartition(topic, 0), 5L), committed(props.getProperty("group.id")));
    }

    // ------------------------------------------------------------------ helpers

    /** Waits until {@code limit} passes or the partition is revoked; returns whether it was revoked. */
    private static boolean waitFor(Duration limit, ConsumerContext ctx) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (ctx.revoked()) {
                return true;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        return false;
    }

    static RuntimeSettings fast() {
        return RuntimeSettings.defaults().withCommitInterval(Duration.ofMillis(500)).withWorkerThreads(4);
    }

    private Properties props(String group, GroupProtocol protocol) {
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka.bootstrapServers());
        p.put("group.id", group);
        p.put("auto.offset.reset", "earliest");
        if (protocol == GroupProtocol.CONSUMER) {
            p.put("group.protocol", "consumer");
        } else {
            p.put("session.timeout.ms", "6000");
            p.put("heartbeat.interval.ms", "500");
        }
        return p;
    }

    private KafkaProducer<String, String> producer() {
        return new KafkaProducer<>(kafka.producerProperties(), new StringSerializer(), new StringSerializer());
    }

    private void produce(String topic, int partitions, int count) throws Exception {
        try (KafkaProducer<String, String> producer = producer()) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, i % partitions, "k" + i, "m-" + i));
            }
            producer.flush();
        }
    }

    private Map<TopicPartition, Long> committed(String group) throws Exception {
        try (Admin admin = kafka.admin()) {
            Map<TopicPartition, OffsetAndMetadata> offsets =
                    admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            Map<TopicPartition, Long> plain = new java.util.HashMap<>();
            offsets.forEach((tp, o) -> plain.put(tp, o.offset()));
            return plain;
        }
    }

    private Map<TopicPartition, Long> endOffsets(String topic, int partitions) throws Exception {
        Map<String, Object> props = kafka.consumerProperties(unique("probe"), GroupProtocol.CLASSIC);
        try (var probe = new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(props)) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                tps.add(new TopicPartition(topic, p));
            }
            return Map.copyOf(probe.endOffsets(tps, Duration.ofSeconds(30)));
        }
    }

    static String unique(String prefix) {
        return "it-" + prefix + "-" + NAMES.incrementAndGet() + "-" + System.nanoTime() % 100_000;
    }

    static void awaitTrue(String what, Duration limit, BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + limit + " waiting for: " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }
}
