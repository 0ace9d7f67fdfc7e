package io.sluice.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.dsl.Verdict;
import io.sluice.runtime.internal.BlockingReportQueue;
import io.sluice.runtime.internal.ListenerLoop;
import io.sluice.runtime.internal.LoopSettings;
import io.sluice.runtime.internal.TransactionalProducer;
import io.sluice.runtime.internal.TransactionalProducers;
import io.sluice.testing.AutoOffsetReset;
import io.sluice.testing.InMemoryConsumer;
import io.sluice.testing.InMemoryConsumerConfig;
import io.sluice.testing.InMemoryLog;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * The listener's offsets-only transaction needs a producer of the same pool the jobs borrow from. A job holds its
 * producer until the listener answers its request for the group metadata; a listener that blocks waiting for a
 * producer answers nothing — each waits for the other until the job's wait runs out and its healthy transaction is
 * aborted. Runs the real {@link ListenerLoop} on its own thread with worker threads.
 */
class TransactionalPoolContentionTest {

    private static final String T = "pool.in";

    /** A pool of one producer; {@link #contended} opens when someone waits for it while it is lent out. */
    private static final class OneProducer implements TransactionalProducers {
        final BlockingQueue<TransactionalProducer> free = new ArrayBlockingQueue<>(1);
        final CountDownLatch contended = new CountDownLatch(1);
        final List<String> ended = new CopyOnWriteArrayList<>();

        OneProducer() {
            free.add(new TransactionalProducer() {
                private Map<TopicPartition, OffsetAndMetadata> offsets = Map.of();
                private int records;

                @Override
                public String transactionalId() {
                    return "pool-0";
                }

                @Override
                public void begin() {
                    offsets = Map.of();
                    records = 0;
                }

                @Override
                public void send(ProducerRecord<byte[], byte[]> record) {
                    records++;
                }

                @Override
                public void sendOffsets(Map<TopicPartition, OffsetAndMetadata> add, ConsumerGroupMetadata metadata) {
                    offsets = Map.copyOf(add);
                }

                @Override
                public void commit() {
                    ended.add("committed " + records + " record(s) " + offsets.keySet());
                }

                @Override
                public void abort() {
                    ended.add("aborted " + records + " record(s)");
                }
            });
        }

        @Override
        public TransactionalProducer acquire(Duration timeout) throws InterruptedException {
            if (free.isEmpty()) {
                contended.countDown();
            }
            return free.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public void release(TransactionalProducer producer, boolean broken) {
            free.add(producer);
        }

        @Override
        public void close() {
        }
    }

    @Test
    void theListenerWaitingForAProducerStillAnswersTheJobThatHoldsIt() throws Exception {
        InMemoryLog log = new InMemoryLog();
        log.createTopic(T, 2);
        log.append(new TopicPartition(T, 0), null, "work".getBytes(StandardCharsets.UTF_8));
        log.append(new TopicPartition(T, 1), null, "drop".getBytes(StandardCharsets.UTF_8));
        OneProducer pool = new OneProducer();
        List<Throwable> aborted = new CopyOnWriteArrayList<>();
        // partition 1's message is dropped by a filter: its mark goes out in an offsets-only transaction, while
        // partition 0's job holds the only producer
        Topology topology = Sluice.topology().topic(T)
                .consumer(() -> (batch, ctx) -> {
                    try {
                        ctx.transaction(tx -> {
                            tx.send("pool.out", null, new byte[] {1});
                            try {
                                // hold the producer until the listener wants it too
                                pool.contended.await(20, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        });
                    } catch (RuntimeException e) {
                        aborted.add(e);
                        throw e;
                    }
                })
                .kafkaTransactions()
                .filter(tp -> (batch, ctx) -> {
                    batch.removeIf(m -> new String(m.value(), StandardCharsets.UTF_8).equals("drop"));
                    return Verdict.skip();
                })
                .build();

        ExecutorService workers = Executors.newFixedThreadPool(2);
        AtomicBoolean stop = new AtomicBoolean();
        List<Throwable> loopFailures = new CopyOnWriteArrayList<>();
        Thread listener = new Thread(() -> {
            try {
                InMemoryConsumer consumer = new InMemoryConsumer(log,
                        InMemoryConsumerConfig.forGroup("g").withAutoOffsetReset(AutoOffsetReset.EARLIEST));
                ListenerLoop loop = new ListenerLoop("pool-test", topology, consumer, Clock.systemUTC(),
                        System::nanoTime, workers, new BlockingReportQueue(),
                        new LoopSettings(Duration.ofMillis(20), Duration.ofMillis(50), Duration.ofSeconds(1),
                                Duration.ofSeconds(3), LoopSettings.DEFAULT_BLOCKED_ALERT_AFTER, "earliest"),
                        e -> { }, r -> { });
                loop.kafkaTransactions(pool, Duration.ofSeconds(30));
                loop.subscribe();
                consumer.assignPartitions(List.of(new TopicPartition(T, 0), new TopicPartition(T, 1)));
                while (!stop.get()) {
                    loop.step();
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // pacing, the in-memory poll never blocks
                }
            } catch (Throwable e) {
                loopFailures.add(e);
            }
        }, "pool-test-listener");
        listener.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < deadline && pool.ended.stream().noneMatch(e -> e.contains(T + "-0"))) {
                java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
            }
            assertTrue(loopFailures.isEmpty(), loopFailures.toString());
            assertTrue(pool.contended.getCount() == 0, "the listener wanted the producer while the job held it");
            assertEquals(List.of(), aborted, "the job's healthy transaction was aborted: " + pool.ended);
            assertTrue(pool.ended.get(0).startsWith("committed 1 record"), pool.ended.toString());
        } finally {
            stop.set(true);
            listener.join(10_000);
            workers.shutdownNow();
        }
    }
}
