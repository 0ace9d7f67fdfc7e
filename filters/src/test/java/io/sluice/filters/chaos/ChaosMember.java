package io.sluice.filters.chaos;

import com.zaxxer.hikari.HikariDataSource;
import io.sluice.dsl.Batch;
import io.sluice.dsl.ConsumerContext;
import io.sluice.dsl.Message;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.filters.OffsetManager;
import io.sluice.filters.PartitionOffsets;
import io.sluice.filters.TestHooks;
import io.sluice.runtime.RuntimeSettings;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member of the chaos matrix, run as its own JVM by {@link ChaosRun}: the offset-managed topology of a real
 * application, whose consumer applies each batch with {@link PartitionOffsets#consume} and inserts, in the same
 * transaction, one {@link Effects} row per message and one {@link Ranges} row for the stretch of offsets it moved the
 * partition's row over. The topic has a dead-letter queue ({@code <topic>.dlq}, one retry, short backoff) that every
 * row of the matrix asserts empty: a healthy message must never land there, whatever the fault.
 *
 * <p>Arguments {@code --name=value}; required: {@code bootstrap, jdbc, topic, group, member, control}. Optional, set
 * by the matrix's rows: {@code protocol} (classic | consumer), {@code isolation} (read_committed |
 * read_uncommitted), {@code fetch-bytes} ({@code max.partition.fetch.bytes}), {@code lock-timeout-ms},
 * {@code idle-tx-timeout-ms} (0 = the server's setting), {@code offset-manager} (on | off: the control that shows
 * what the filter prevents), {@code errors-as-message} (true: the control that turns every failure of
 * {@code consume} into a plain message failure, losing its kind), {@code virtual-partitions} (n: the topic is split
 * into n virtual partitions, each group transaction moving its own row and recording its own range).
 *
 * <p>With {@code -Dsluice.filters.test-hooks=true} two park points exist, each armed by the harness through the
 * {@link ControlDirectory} and used at most once per process: {@code before-lock} (the zombie: the job stops after
 * it has its batch and before the row lock) and {@code after-lock} (frozen in a transaction: the job stops inside
 * the consume transaction, holding the row lock). {@code -Dsluice.filters.test-hooks.fencing=off} runs the naive
 * design. SIGTERM closes the runtime in order; SIGKILL is the crash. The member exits at once when its standard
 * input closes, so it never outlives the test JVM. Its {@link MemberCounters} go to the control directory.
 */
public final class ChaosMember {

    private static final Logger LOG = LoggerFactory.getLogger(ChaosMember.class);
    private static final Duration PARK_LIMIT = Duration.ofMinutes(5);

    private ChaosMember() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        String member = options.get("member");
        String topic = options.get("topic");
        String jdbc = options.get("jdbc");
        ControlDirectory control = new ControlDirectory(Path.of(options.get("control")));
        // the harness holds our stdin open while it lives; its end means the harness is gone, and so are we
        ChildJvm.exitWhenParentGone(() -> { }, Duration.ofSeconds(1));

        HikariDataSource pool = ChaosDatabase.pool(jdbc, 8);
        PartitionOffsets.Builder store = PartitionOffsets.builder(pool, ChaosDatabase.dialect(jdbc))
                .lockTimeout(Duration.ofMillis(Long.parseLong(options.getOrDefault("lock-timeout-ms", "5000"))));
        if (options.containsKey("idle-tx-timeout-ms")) {
            store.idleInTransactionTimeout(Duration.ofMillis(Long.parseLong(options.get("idle-tx-timeout-ms"))));
        }
        PartitionOffsets offsets = store.build();
        try {
            offsets.createTableIfMissing();
        } catch (RuntimeException e) {
            // a member may start while the database is down: the store creates its table at first use
            LOG.warn("chaos member {}: the offset table could not be checked at start: {}", member, e.toString());
        }
        MemberCounters counters = new MemberCounters(control, member);
        Park beforeLock = new Park(control, member, ControlDirectory.BEFORE_LOCK);
        Park afterLock = new Park(control, member, ControlDirectory.AFTER_LOCK);
        if (TestHooks.enabled()) {
            TestHooks.beforeRowLock((tp, batch) -> beforeLock.reached(tp, batch));
        }
        boolean errorsAsMessage = Boolean.parseBoolean(options.getOrDefault("errors-as-message", "false"));
        boolean offsetManager = !"off".equals(options.getOrDefault("offset-manager", "on"));
        String group = options.get("group");

        var builder = Sluice.topology()
                .topic(topic).deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> (batch, ctx) -> {
                    counters.batch(batch);
                    int applied;
                    try {
                        applied = offsets.consume(ctx, batch, (tx, messages) -> {
                            if (TestHooks.enabled()) {
                                afterLock.reached(batch.topicPartition(), batch);
                            }
                            apply(tx, offsets, group, ctx, batch, messages, member);
                        });
                    } catch (Exception e) {
                        counters.consumeFailed();
                        beforeLock.finished(batch, "failed " + e);
                        afterLock.finished(batch, "failed " + e);
                        if (errorsAsMessage) {
                            // the control: the failure's kind is lost, only its text survives
                            throw new IllegalStateException("failed: " + e);
                        }
                        throw e;
                    }
                    beforeLock.finished(batch, "applied=" + applied);
                    afterLock.finished(batch, "applied=" + applied);
                })
                .deadLetterQueue(ChaosRun.deadLetterTopic(topic), 1)
                .backoff(Duration.ofMillis(200), Duration.ofSeconds(1));
        if (offsetManager) {
            builder = builder.filter(counters.counting(OffsetManager.using(offsets)));
        }
        if (options.containsKey("virtual-partitions")) {
            builder = builder.virtualPartitions(Integer.parseInt(options.get("virtual-partitions")));
        }
        Topology topology = builder.build();

        SluiceRuntime runtime = SluiceRuntime.create(topology, kafka(options), settings())
                .listener(counters)
                .start();
        counters.startWriting();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("chaos member {} closing", member);
            runtime.close();
            counters.write();
            pool.close();
            LOG.info("chaos member {} closed", member);
        }, "chaos-member-shutdown"));
        LOG.info("chaos member {} started (pid {}, fencing {}, options {}) on {} with {}", member,
                ProcessHandle.current().pid(), System.getProperty(TestHooks.FENCING_PROPERTY, "on"), options, topic,
                offsets);
        new CountDownLatch(1).await(); // runs until killed, stopped by SIGTERM, or orphaned
    }

    /**
     * The user's work: the effects, and the stretch of offsets this transaction moves the row over — the partition's
     * row, or with virtual partitions the group's own row {@code r_v}.
     */
    private static void apply(DSLContext tx, PartitionOffsets offsets, String group, ConsumerContext ctx,
                              Batch<?, ?> batch, List<? extends Message<?, ?>> messages, String member) {
        Effects.insert(tx, messages, member);
        if (ctx.virtualPartition().isPresent()) {
            int v = ctx.virtualPartition().getAsInt();
            long from = Ranges.storedVirtualNextOffset(tx, offsets.virtualTableName(), group, batch.topicPartition(),
                    v);
            Ranges.insert(tx, batch.topicPartition(), v, ctx.virtualMapping().orElseThrow(), from,
                    Math.max(from, batch.nextOffset()), member);
            return;
        }
        long from = Ranges.storedNextOffset(tx, offsets.tableName(), group, batch.topicPartition());
        Ranges.insert(tx, batch.topicPartition(), from, Math.max(from, batch.nextOffset()), member);
    }

    private static Properties kafka(Map<String, String> options) {
        Properties p = new Properties();
        p.put("bootstrap.servers", options.get("bootstrap"));
        p.put("group.id", options.get("group"));
        String protocol = options.getOrDefault("protocol", "classic");
        p.put("group.protocol", protocol);
        if (protocol.equals("classic")) {
            p.put("session.timeout.ms", "6000");
            p.put("heartbeat.interval.ms", "500");
        }
        // bounds a rebalance that waits for a member, and the revocation grace (10 s) stays below its half
        p.put("max.poll.interval.ms", "30000");
        // short batches: a crash or a park lands on a small transaction, and a catch-up still moves quickly
        p.put("max.poll.records", "250");
        p.put("auto.offset.reset", "earliest");
        p.put("isolation.level", options.getOrDefault("isolation", "read_committed"));
        if (options.containsKey("fetch-bytes")) {
            p.put("max.partition.fetch.bytes", options.get("fetch-bytes"));
        }
        return p;
    }

    private static RuntimeSettings settings() {
        return RuntimeSettings.defaults()
                .withWorkerThreads(4)
                .withCommitInterval(Duration.ofSeconds(1))
                .withShutdownTimeout(Duration.ofSeconds(10));
    }

    private static Map<String, String> options(String[] args) {
        return ChildJvm.arguments(args, "bootstrap", "jdbc", "topic", "group", "member", "control");
    }

    /**
     * A park point: once armed, the next job that reaches it writes its batch to the control directory and waits
     * for the release file. Parks at most once per member process.
     */
    private static final class Park {
        private final ControlDirectory control;
        private final String member;
        private final String point;
        private final AtomicBoolean used = new AtomicBoolean();
        private volatile Batch<?, ?> parked;

        Park(ControlDirectory control, String member, String point) {
            this.control = control;
            this.member = member;
            this.point = point;
        }

        void reached(TopicPartition topicPartition, Batch<?, ?> batch) {
            if (used.get() || !control.parkArmed(member, point) || !used.compareAndSet(false, true)) {
                return;
            }
            parked = batch;
            ControlDirectory.ParkedBatch info = new ControlDirectory.ParkedBatch(topicPartition.topic(),
                    topicPartition.partition(), batch.fetchOffset(), batch.nextOffset(), batch.size());
            LOG.warn("chaos member {}: PARKED the job of {} at {}", member, info, point);
            control.parked(member, info);
            long deadline = System.nanoTime() + PARK_LIMIT.toNanos();
            boolean interrupted = false;
            while (!control.released(member)) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("never released after " + PARK_LIMIT);
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // polls the release file
                interrupted |= Thread.interrupted();
            }
            LOG.warn("chaos member {}: released the parked job of {}", member, info);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }

        void finished(Batch<?, ?> batch, String result) {
            if (batch == parked) {
                LOG.warn("chaos member {}: the parked batch is done: {}", member, result);
                control.zombieResult(member, result);
            }
        }
    }
}
