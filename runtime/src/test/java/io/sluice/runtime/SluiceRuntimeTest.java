package io.sluice.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.internals.AutoOffsetResetStrategy;
import org.junit.jupiter.api.Test;

class SluiceRuntimeTest {

    private static Properties props() {
        Properties p = new Properties();
        p.put("bootstrap.servers", "localhost:9092");
        p.put("group.id", "g");
        return p;
    }

    @Test
    void anInstanceThatDiesIsReportedAsAFailureAndAnEvent() {
        Topology topology = Sluice.topology().topic("t").consumer(() -> (b, c) -> { }).build();
        List<SluiceEvent> events = new CopyOnWriteArrayList<>();
        MockConsumer<byte[], byte[]> broken = new MockConsumer<>(AutoOffsetResetStrategy.EARLIEST.name()) {
            @Override
            public synchronized void subscribe(Collection<String> topics, ConsumerRebalanceListener listener) {
                throw new IllegalStateException("broken consumer");
            }
        };
        SluiceRuntime runtime = SluiceRuntime.create(topology, props(), RuntimeSettings.defaults(), p -> broken)
                .listener(events::add).start();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (runtime.failures().isEmpty() && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertEquals(List.of("broken consumer"),
                    runtime.failures().values().stream().map(Throwable::getMessage).toList());
            assertTrue(events.stream().anyMatch(e -> e instanceof SluiceEvent.InstanceFailed));
        } finally {
            runtime.close();
        }
        assertFalse(runtime.isRunning());
    }

    @Test
    void everyConsumerInstanceGetsItsOwnStaticMemberId() {
        Topology topology = Sluice.topology().topic("t").consumer(() -> (b, c) -> { }).build();
        Properties props = props();
        props.put("group.instance.id", "billing-pod-3");
        List<Properties> made = new CopyOnWriteArrayList<>();
        SluiceRuntime runtime = SluiceRuntime.create(topology, props,
                RuntimeSettings.defaults().withConsumerInstances(2), p -> {
                    made.add(p);
                    return new MockConsumer<>(AutoOffsetResetStrategy.EARLIEST.name());
                }).start();
        runtime.close();
        assertEquals(List.of("billing-pod-3-0", "billing-pod-3-1"),
                made.stream().map(p -> p.getProperty("group.instance.id")).sorted().toList());
    }

    @Test
    void everySubscriptionGetsItsOwnConsumersWithItsGroupAndPropertiesSubscribedToItsTopics() {
        Topology topology = Sluice.topology()
                .topic("orders").consumer(() -> (b, c) -> { })
                .group("billing", g -> g
                        .topic("orders").consumer(() -> (b, c) -> { })
                        .subscriptionGroup("bulk", java.util.Map.of("max.poll.records", "1000"), s -> s
                                .topic("ledger").consumer(() -> (b, c) -> { })))
                .build();
        Properties props = props();
        props.put("group.instance.id", "pod-1");
        java.util.Map<String, MockConsumer<byte[], byte[]>> made = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.Map<String, Properties> configs = new java.util.concurrent.ConcurrentHashMap<>();
        SluiceRuntime runtime = SluiceRuntime.create(topology, props, RuntimeSettings.defaults(), p -> {
            MockConsumer<byte[], byte[]> c = new MockConsumer<>(AutoOffsetResetStrategy.EARLIEST.name());
            String key = p.getProperty("group.id") + "/" + p.getProperty("group.instance.id");
            made.put(key, c);
            configs.put(key, p);
            return c;
        }).start();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (made.values().stream().anyMatch(c -> c.subscription().isEmpty()) && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertEquals(java.util.Set.of("g/pod-1-0", "billing/pod-1-0", "billing/pod-1-bulk-0"), made.keySet());
            assertEquals(java.util.Set.of("orders"), made.get("g/pod-1-0").subscription());
            assertEquals(java.util.Set.of("orders"), made.get("billing/pod-1-0").subscription());
            assertEquals(java.util.Set.of("ledger"), made.get("billing/pod-1-bulk-0").subscription());
            assertEquals("1000", configs.get("billing/pod-1-bulk-0").getProperty("max.poll.records"));
            assertEquals(null, configs.get("billing/pod-1-0").getProperty("max.poll.records"),
                    "a subscription group's properties are its own");
            assertEquals(3, runtime.partitions().size(), "three consumer instances");
        } finally {
            runtime.close();
        }
    }

    @Test
    void aHaltedRuntimeSaysSoAndAClosedOneDoesNot() {
        Topology topology = Sluice.topology().topic("t").consumer(() -> (b, c) -> { }).build();
        SluiceRuntime halted = SluiceRuntime.create(topology, props(), RuntimeSettings.defaults(),
                p -> new MockConsumer<>(AutoOffsetResetStrategy.EARLIEST.name()));
        assertFalse(halted.isHalted(), "not started");
        halted.start();
        assertFalse(halted.isHalted(), "running");
        halted.halt();
        assertTrue(halted.isHalted());
        assertFalse(halted.isRunning());

        SluiceRuntime closed = SluiceRuntime.create(topology, props(), RuntimeSettings.defaults(),
                p -> new MockConsumer<>(AutoOffsetResetStrategy.EARLIEST.name())).start();
        closed.close();
        closed.halt();
        assertFalse(closed.isHalted(), "a halt after a close changes nothing");
        assertFalse(closed.isRunning());
    }
}
