package io.sluice.testing;

import static io.sluice.testing.Fixtures.TOPIC;
import static io.sluice.testing.Fixtures.produce;
import static io.sluice.testing.Fixtures.tp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.ConcurrentModificationException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.errors.WakeupException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Wakeups and thread confinement. */
class InMemoryConsumerThreadingTest {

    private static final Duration POLL = Duration.ZERO;

    private final InMemoryLog log = new InMemoryLog();
    private final ExecutorService otherThread = Executors.newSingleThreadExecutor();
    private final InMemoryConsumer consumer;

    InMemoryConsumerThreadingTest() {
        log.createTopic(TOPIC, 2);
        produce(log, tp(0), 3);
        consumer = new InMemoryConsumer(log, InMemoryConsumerConfig.forGroup("g")
                .withAutoOffsetReset(AutoOffsetReset.EARLIEST));
        consumer.subscribe(List.of(TOPIC));
        consumer.assignPartitions(List.of(tp(0)));
    }

    @AfterEach
    void stopOtherThread() throws InterruptedException {
        otherThread.shutdownNow();
        assertTrue(otherThread.awaitTermination(10, TimeUnit.SECONDS));
    }

    private Throwable onOtherThread(Runnable call) throws InterruptedException {
        Future<?> future = otherThread.submit(call);
        try {
            future.get(10, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("call on the other thread did not finish", e);
        }
    }

    @Test
    void aWakeupFromAnotherThreadMakesTheNextPollThrowOnce() throws InterruptedException {
        assertEquals(null, onOtherThread(consumer::wakeup));

        assertThrows(WakeupException.class, () -> consumer.poll(POLL));
        assertEquals(Set.of(), consumer.assignment(), "the throwing poll ran no rebalance");
        assertEquals(3, consumer.poll(POLL).count());
    }

    @Test
    void aWakeupIsTakenByTheNextBlockingCallWhicheverItIs() {
        consumer.poll(POLL);
        consumer.wakeup();

        consumer.commitSync(Map.of());  // nothing to send: does not block, keeps the wakeup
        assertEquals(3, consumer.position(tp(0)), "a known position does not block either");
        assertThrows(WakeupException.class, consumer::commitSync);
        assertEquals(Map.of(), consumer.committedOffsets());
        consumer.commitSync();
        assertEquals(Map.of(tp(0), new OffsetAndMetadata(3)), consumer.committedOffsets());
    }

    @Test
    void anArmedWakeupHitsOnlyTheNamedMethodOnce() {
        consumer.poll(POLL);
        consumer.wakeupOnNext("commitSync");

        assertEquals(0, consumer.poll(POLL).count());
        assertThrows(WakeupException.class, consumer::commitSync);
        consumer.commitSync();
        assertEquals(1, consumer.commits().size());

        consumer.wakeupOnNext("committed");
        consumer.wakeupOnNext("committed");
        assertThrows(WakeupException.class, () -> consumer.committed(Set.of(tp(0))));
        assertThrows(WakeupException.class, () -> consumer.committed(Set.of(tp(0))));
        assertEquals(new OffsetAndMetadata(3), consumer.committed(Set.of(tp(0))).get(tp(0)));

        assertThrows(IllegalArgumentException.class, () -> consumer.wakeupOnNext("pause"));
    }

    @Test
    void aCommitInsideARevocationCallbackCanBeWokenUpAndRetried() {
        Fixtures.RecordingListener listener = new Fixtures.RecordingListener();
        consumer.subscribe(List.of(TOPIC), listener);
        consumer.poll(POLL);
        List<String> attempts = new ArrayList<>();
        listener.onRevoked = partitions -> {
            try {
                consumer.commitSync();
                attempts.add("committed");
            } catch (WakeupException e) {
                attempts.add("woken up");
                consumer.commitSync();
                attempts.add("committed on retry");
            }
        };
        consumer.revokePartitions(List.of(tp(0)));
        consumer.wakeupOnNext("commitSync");

        consumer.poll(POLL);

        assertEquals(List.of("woken up", "committed on retry"), attempts);
        assertEquals(Map.of(tp(0), new OffsetAndMetadata(3)), consumer.committedOffsets());
    }

    @Test
    void aSecondThreadIsRefusedButMayWakeUpAndDriveTheTest() throws InterruptedException {
        consumer.poll(POLL);

        Throwable error = onOtherThread(() -> consumer.poll(POLL));
        assertInstanceOf(ConcurrentModificationException.class, error);
        assertEquals("KafkaConsumer is not safe for multi-threaded access", error.getMessage());
        assertInstanceOf(ConcurrentModificationException.class, onOtherThread(consumer::assignment));
        assertInstanceOf(ConcurrentModificationException.class, onOtherThread(consumer::close));

        assertEquals(null, onOtherThread(() -> {
            consumer.assignPartitions(List.of(tp(1)));
            consumer.failNextCommits(1, new IllegalStateException("x"));
            consumer.seeks();
            consumer.commits();
            consumer.wakeup();
        }));
        assertThrows(WakeupException.class, () -> consumer.poll(POLL));
        consumer.poll(POLL);
        assertEquals(Set.of(tp(0), tp(1)), consumer.assignment());
    }

    @Test
    void closeIgnoresWakeupsSoItsRevocationCommitGoesThrough() {
        Fixtures.RecordingListener listener = new Fixtures.RecordingListener();
        consumer.subscribe(List.of(TOPIC), listener);
        consumer.poll(POLL);
        listener.onRevoked = partitions -> consumer.commitSync();
        consumer.wakeup();
        consumer.wakeupOnNext("commitSync");

        consumer.close();

        assertEquals(Map.of(tp(0), new OffsetAndMetadata(3)), consumer.committedOffsets());
    }

    @Test
    void metricsAreReadableFromAnyThreadInAnyStateAndClaimNoOwnership() throws InterruptedException {
        InMemoryConsumer fresh = new InMemoryConsumer(log, "g3");
        // a registry's thread reads the metrics before the listener thread first touches the consumer
        assertEquals(null, onOtherThread(() -> assertTrue(fresh.metrics().isEmpty())));
        fresh.subscribe(List.of(TOPIC));
        fresh.poll(POLL);

        assertEquals(null, onOtherThread(() -> assertTrue(fresh.metrics().isEmpty())));
        fresh.close();
        assertEquals(null, onOtherThread(() -> assertTrue(fresh.metrics().isEmpty())));
        assertTrue(fresh.metrics().isEmpty());
    }

    @Test
    void theFirstCallingThreadOwnsTheConsumer() throws InterruptedException {
        InMemoryConsumer fresh = new InMemoryConsumer(log, "g2");
        assertEquals(null, onOtherThread(() -> fresh.subscribe(List.of(TOPIC))));

        assertThrows(ConcurrentModificationException.class, () -> fresh.poll(POLL));
    }
}
