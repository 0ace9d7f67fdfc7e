package io.sluice.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * The memory run, in a JVM of its own started with a small heap ({@code -Xmx256m}): the {@code sluice} case over
 * M messages of a topic the parent harness produced, reporting the heap it needed. Prints one line on standard
 * output, {@code memory peak_used=<bytes> peak_live=<bytes> max=<bytes> rate=<msg/s> gcs=<n>}, and exits 0; a
 * heap that runs out ends the JVM with a non-zero status ({@code -XX:+ExitOnOutOfMemoryError}).
 *
 * <p>Usage: {@code MemoryRun <bootstrap servers> <topic> <messages>}.
 */
public final class MemoryRun {

    private static final long SAMPLE_MILLIS = 5;

    private MemoryRun() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            throw new IllegalArgumentException("usage: MemoryRun <bootstrap servers> <topic> <messages>");
        }
        String bootstrap = args[0];
        String topic = args[1];
        long messages = Long.parseLong(args[2]);
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        AtomicLong peakUsed = new AtomicLong();
        AtomicLong peakLive = new AtomicLong();
        AtomicLong gcs = new AtomicLong();
        listenToCollections(peakLive, gcs);
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peakUsed.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                try {
                    Thread.sleep(SAMPLE_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "heap-sampler");
        sampler.setDaemon(true);
        sampler.start();

        Workload workload = new Workload(bootstrap, 1, 1);
        Measurement m = SluiceRun.run(BenchCase.SLUICE,
                workload.consumerProperties(workload.freshGroup(BenchCase.SLUICE)),
                topic, messages, true, null, Math.max(2, Runtime.getRuntime().availableProcessors()), 0, 900);
        sampler.interrupt();
        sampler.join();
        peakUsed.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
        MemoryUsage heap = memory.getHeapMemoryUsage();
        Console.result("memory peak_used=%d peak_live=%d max=%d rate=%.0f gcs=%d", peakUsed.get(), peakLive.get(),
                heap.getMax(), m.rate(), gcs.get());
        System.exit(0);
    }

    /** After each collection, the heap still in use is the live set (plus floating garbage): keep the highest. */
    private static void listenToCollections(AtomicLong peakLive, AtomicLong gcs) {
        List<GarbageCollectorMXBean> collectors = ManagementFactory.getGarbageCollectorMXBeans();
        for (GarbageCollectorMXBean collector : collectors) {
            if (!(collector instanceof NotificationEmitter emitter)) {
                continue;
            }
            emitter.addNotificationListener((notification, handback) -> {
                if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
                    return;
                }
                GarbageCollectionNotificationInfo info =
                        GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
                long after = 0;
                for (Map.Entry<String, MemoryUsage> pool : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                    if (isHeapPool(pool.getKey())) {
                        after += pool.getValue().getUsed();
                    }
                }
                gcs.incrementAndGet();
                peakLive.accumulateAndGet(after, Math::max);
            }, null, null);
        }
    }

    private static boolean isHeapPool(String name) {
        return ManagementFactory.getMemoryPoolMXBeans().stream()
                .anyMatch(p -> p.getName().equals(name) && p.getType() == MemoryType.HEAP);
    }
}
