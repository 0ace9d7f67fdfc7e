package io.sluice.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.testing.InMemoryConsumer;
import io.sluice.testing.InMemoryConsumerConfig;
import io.sluice.testing.InMemoryLog;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * {@code close()} waits for in-flight jobs only up to the shutdown timeout; a job still running then keeps running
 * on its worker after {@code close()} returned. Under Spring the context then destroys the DataSource (and the
 * transaction manager) under that job. Exactly-once holds (the job's transaction rolls back or, if it commits,
 * the row fences the redelivery), but "stopped before the DataSource closes" does not.
 */
@Disabled("review finding, a product decision: close() neither stops nor awaits a job still running at the shutdown"
        + " timeout; remove this when it does")
class CloseWithAJobPastTheShutdownTimeoutTest {

    @Test
    void noJobIsStillRunningWhenCloseReturns() throws InterruptedException {
        InMemoryLog log = new InMemoryLog();
        log.createTopic("t", 1);
        log.append(new TopicPartition("t", 0), null, "a".getBytes(StandardCharsets.UTF_8));
        CountDownLatch jobStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean jobRunning = new AtomicBoolean();
        Topology topology = Sluice.topology().topic("t").consumer(() -> (batch, ctx) -> {
            jobRunning.set(true);
            jobStarted.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                jobRunning.set(false);
            }
        }).build();
        Properties props = new Properties();
        props.put("bootstrap.servers", "in-memory:9092");
        props.put("group.id", "g");
        props.put("auto.offset.reset", "earliest");
        SluiceRuntime runtime = SluiceRuntime.create(topology, props, RuntimeSettings.defaults()
                        .withShutdownTimeout(Duration.ofMillis(200)).withCommitTimeout(Duration.ofSeconds(1)),
                p -> {
                    InMemoryConsumer c = new InMemoryConsumer(log, InMemoryConsumerConfig.fromProperties(toMap(p)));
                    InMemoryConsumer other = new InMemoryConsumer(log, InMemoryConsumerConfig.fromProperties(toMap(p)));
                    return assignedOnSubscribe(c, other, new TopicPartition("t", 0));
                });
        try {
            runtime.start();
            assertTrue(jobStarted.await(10, TimeUnit.SECONDS), "the job started " + runtime.failures());
            runtime.close();
            assertFalse(jobRunning.get(), "close() returned with a job still applying");
        } finally {
            release.countDown();
        }
    }

    /** The consumer, which gets {@code tp} assigned in the first poll after it subscribed (on the loop's thread). */
    @SuppressWarnings("unchecked")
    private static org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> assignedOnSubscribe(
            InMemoryConsumer consumer, InMemoryConsumer onStartingThread, TopicPartition tp) {
        Object metadata = onStartingThread.groupMetadata();
        return (org.apache.kafka.clients.consumer.Consumer<byte[], byte[]>) java.lang.reflect.Proxy.newProxyInstance(
                CloseWithAJobPastTheShutdownTimeoutTest.class.getClassLoader(),
                new Class<?>[] {org.apache.kafka.clients.consumer.Consumer.class}, (proxy, m, args) -> {
                    if (m.getName().equals("groupMetadata")) {
                        // asked on the starting thread; the in-memory consumer belongs to its first caller's thread
                        return metadata;
                    }
                    try {
                        Object result = m.invoke(consumer, args);
                        if (m.getName().equals("subscribe")) {
                            consumer.assignPartitions(java.util.List.of(tp));
                        }
                        return result;
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static java.util.Map<String, Object> toMap(Properties p) {
        java.util.Map<String, Object> m = new java.util.HashMap<>();
        p.forEach((k, v) -> m.put(k.toString(), v));
        return m;
    }
}
