package io.sluice.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.internals.AutoOffsetResetStrategy;
import org.junit.jupiter.api.Test;

class ConsumerListenerTest {

    private final Topology topology = Sluice.topology().topic("t").consumer(() -> (b, c) -> { }).build();

    private static Properties props() {
        Properties p = new Properties();
        p.put("bootstrap.servers", "localhost:9092");
        p.put("group.id", "g");
        return p;
    }

    @Test
    void toldOfEveryInstancesConsumerWhenCreatedAndWhenClosed() {
        List<String> calls = new CopyOnWriteArrayList<>();
        List<Consumer<?, ?>> made = new CopyOnWriteArrayList<>();
        List<Consumer<?, ?>> added = new CopyOnWriteArrayList<>();
        ConsumerListener listener = new ConsumerListener() {
            @Override
            public void consumerAdded(String instance, Consumer<?, ?> consumer) {
                calls.add("added " + instance);
                added.add(consumer);
            }

            @Override
            public void consumerRemoved(String instance, Consumer<?, ?> consumer) {
                calls.add("removed " + instance);
            }
        };
        SluiceRuntime runtime = SluiceRuntime.create(topology, props(),
                RuntimeSettings.defaults().withConsumerInstances(2).withConsumerListener(listener), p -> {
                    MockConsumer<byte[], byte[]> c = new MockConsumer<>(AutoOffsetResetStrategy.EARLIEST.name());
                    made.add(c);
                    return c;
                });
        runtime.start();
        String first = runtime.name() + "-consumer-0";
        String second = runtime.name() + "-consumer-1";
        assertEquals(List.of("added " + first, "added " + second), calls);
        assertSame(made.get(0), added.get(0));
        runtime.close();
        assertEquals(List.of("added " + first, "added " + second, "removed " + first, "removed " + second),
                sorted(calls));
    }

    @Test
    void aFailingListenerNeitherStopsTheStartNorTheClose() {
        ConsumerListener failing = new ConsumerListener() {
            @Override
            public void consumerAdded(String instance, Consumer<?, ?> consumer) {
                throw new IllegalStateException("listener broken");
            }

            @Override
            public void consumerRemoved(String instance, Consumer<?, ?> consumer) {
                throw new IllegalStateException("listener broken");
            }
        };
        SluiceRuntime runtime = SluiceRuntime.create(topology, props(),
                RuntimeSettings.defaults().withConsumerListener(failing),
                p -> new MockConsumer<>(AutoOffsetResetStrategy.EARLIEST.name())).start();
        assertTrue(runtime.isRunning());
        runtime.close();
        assertTrue(!runtime.isRunning());
    }

    @Test
    void theDefaultIsNoneAndTheOldConstructorKeepsIt() {
        assertSame(ConsumerListener.NONE, RuntimeSettings.defaults().consumerListener());
        RuntimeSettings d = RuntimeSettings.defaults();
        RuntimeSettings old = new RuntimeSettings(d.consumerInstances(), d.workerThreads(), d.pollTimeout(),
                d.commitInterval(), d.revocationGrace(), d.commitTimeout(), d.shutdownTimeout(), d.clock(),
                d.blockedAlertAfter());
        assertSame(ConsumerListener.NONE, old.consumerListener());
        ConsumerListener mine = new ConsumerListener() {
        };
        assertSame(mine, d.withConsumerListener(mine).withWorkerThreads(3).withCommitTimeout(d.commitTimeout())
                .consumerListener());
    }

    private static List<String> sorted(List<String> calls) {
        List<String> s = new ArrayList<>(calls.subList(0, 2));
        List<String> removed = new ArrayList<>(calls.subList(2, calls.size()));
        removed.sort(null);
        s.addAll(removed);
        return s;
    }
}
