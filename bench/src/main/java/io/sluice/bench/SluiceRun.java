package io.sluice.bench;

import io.sluice.dsl.Batch;
import io.sluice.dsl.Consumer;
import io.sluice.dsl.ConsumerContext;
import io.sluice.dsl.Message;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.TopicBuilder;
import io.sluice.dsl.Topology;
import io.sluice.filters.OffsetManager;
import io.sluice.filters.PartitionOffsets;
import io.sluice.runtime.RuntimeSettings;
import io.sluice.runtime.SluiceRuntime;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.locks.LockSupport;

/** The Sluice cases: one runtime, one consumer instance, a consumer that counts. */
final class SluiceRun {

    /** Far longer than any run: the expiry filter expires nothing. */
    static final Duration NEVER_EXPIRES = Duration.ofDays(3650);
    /** Far more than a partition delivers per interval: the throttle never bites. */
    static final int NEVER_THROTTLES = Integer.MAX_VALUE;

    private SluiceRun() {
    }

    /**
     * Consumes {@code expected} messages of {@code topic} with the Sluice case {@code benchCase}.
     *
     * @param offsets the offset store of a transactional case, else {@code null}
     * @param workers Sluice's worker threads
     * @param ioWaitNanos blocking wait per message; 0 for none
     * @param exact   whether the topic holds exactly {@code expected} messages, so that any more is a duplicate
     */
    static Measurement run(BenchCase benchCase, Properties kafka, String topic, long expected, boolean exact,
                           PartitionOffsets offsets, int workers, long ioWaitNanos, long timeoutSeconds)
            throws InterruptedException {
        Progress progress = new Progress(expected);
        Topology topology = topology(benchCase, topic, progress, offsets, ioWaitNanos);
        RuntimeSettings settings = RuntimeSettings.defaults().withWorkerThreads(workers);
        SluiceRuntime runtime = SluiceRuntime.create(topology, kafka, settings);
        Measurement measurement;
        try {
            runtime.start();
            progress.await(benchCase.key(), timeoutSeconds);
            // before close(): the listener and worker threads end with the runtime
            long cpu = ThreadCpu.ofThreadsNamed(runtime.name() + "-");
            Map<String, Long> counters = runtime.counters();
            if (benchCase.vp()) {
                // the achieved concurrency: how many batches (groups) were in the consumer, on average, when one began
                counters = new java.util.LinkedHashMap<>(counters);
                counters.put("meanGroupsInFlightX100", Math.round(progress.meanConcurrency() * 100));
            }
            measurement = progress.measurement(cpu, counters.getOrDefault("jobsDispatched", -1L), counters);
        } finally {
            runtime.close();
        }
        if (exact && progress.count() != expected) {
            // the topic holds exactly `expected` messages: anything more was handed to the consumer twice
            throw new IllegalStateException(benchCase.key() + " consumed " + progress.count() + " messages of a topic "
                    + "holding " + expected);
        }
        return measurement;
    }

    static Topology topology(BenchCase benchCase, String topic, Progress progress, PartitionOffsets offsets,
                             long ioWaitNanos) {
        return switch (benchCase) {
            case SLUICE, SLUICE_IO -> Sluice.topology().topic(topic)
                    .consumer(() -> new Counting(progress, ioWaitNanos))
                    .build();
            case SLUICE_VP -> Sluice.topology().topic(topic)
                    .consumer(() -> new Counting(progress, ioWaitNanos))
                    .virtualPartitions(BenchCase.VIRTUAL_PARTITIONS)
                    .build();
            case SLUICE_TX_PG_SERIAL -> Sluice.topology().topic(topic)
                    .consumer(() -> new Transactional(progress, offsets, ioWaitNanos))
                    .filter(OffsetManager.using(offsets))
                    .build();
            case SLUICE_VP_TX_PG -> Sluice.topology().topic(topic)
                    .consumer(() -> new Transactional(progress, offsets, ioWaitNanos))
                    .filter(OffsetManager.using(offsets))
                    .virtualPartitions(BenchCase.TX_VIRTUAL_PARTITIONS)
                    .build();
            case SLUICE_FILTERS -> withStatelessFilters(Sluice.topology().topic(topic)
                    .consumer(() -> new Counting(progress, ioWaitNanos)))
                    .build();
            case SLUICE_TX_H2, SLUICE_TX_PG -> Sluice.topology().topic(topic)
                    .consumer(() -> new Transactional(progress, offsets))
                    .filter(OffsetManager.using(offsets))
                    .build();
            default -> throw new IllegalArgumentException(benchCase + " is not a Sluice case");
        };
    }

    /** The three stateless filters of {@code sluice_filters} and of the JMH benchmark: none removes anything. */
    static <K, V> TopicBuilder<K, V> withStatelessFilters(TopicBuilder<K, V> topic) {
        return topic
                .keepIf(SluiceRun::keepAll)
                .expireAfter(NEVER_EXPIRES)
                .throttle(NEVER_THROTTLES, Duration.ofSeconds(1));
    }

    private static boolean keepAll(Message<?, ?> message) {
        return message.offset() >= 0;
    }

    /** Counts each batch; optionally waits per message first, as blocking I/O would. */
    private static final class Counting implements Consumer<byte[], byte[]> {
        private final Progress progress;
        private final long ioWaitNanos;

        Counting(Progress progress, long ioWaitNanos) {
            this.progress = progress;
            this.ioWaitNanos = ioWaitNanos;
        }

        @Override
        public void consume(Batch<byte[], byte[]> batch, ConsumerContext context) {
            progress.started();
            progress.enter();
            try {
                if (ioWaitNanos > 0) {
                    for (int i = 0; i < batch.size(); i++) {
                        LockSupport.parkNanos(ioWaitNanos);
                    }
                }
            } finally {
                progress.exit();
            }
            progress.done(batch.size());
        }
    }

    /** Consumes transactionally: the offset row moves in the transaction; no other database work. */
    private static final class Transactional implements Consumer<byte[], byte[]> {
        private final Progress progress;
        private final PartitionOffsets offsets;

        private final long ioWaitNanos;

        Transactional(Progress progress, PartitionOffsets offsets) {
            this(progress, offsets, 0);
        }

        /** With a blocking wait per message inside the transaction, as database work would. */
        Transactional(Progress progress, PartitionOffsets offsets, long ioWaitNanos) {
            this.progress = progress;
            this.offsets = offsets;
            this.ioWaitNanos = ioWaitNanos;
        }

        @Override
        public void consume(Batch<byte[], byte[]> batch, ConsumerContext context) throws Exception {
            progress.started();
            progress.enter();
            int applied;
            try {
                applied = offsets.consume(context, batch, (tx, messages) -> {
                    for (int i = 0; i < messages.size() && ioWaitNanos > 0; i++) {
                        LockSupport.parkNanos(ioWaitNanos);
                    }
                });
            } finally {
                progress.exit();
            }
            progress.done(applied);
        }
    }
}
