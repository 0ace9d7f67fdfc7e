package io.sluice.filters.chaos;

import io.sluice.dsl.Batch;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.filters.OffsetManager;
import io.sluice.filters.PartitionOffsets;
import io.sluice.filters.TestHooks;
import io.sluice.runtime.RuntimeSettings;
import io.sluice.runtime.SluiceEvent;
import io.sluice.runtime.SluiceRuntime;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.h2.jdbcx.JdbcConnectionPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member of the chaos test, run as its own JVM by {@link ChaosIT}: the offset-managed topology of a real
 * application, whose consumer applies each batch with {@link PartitionOffsets#consume} and inserts one
 * {@link Effects} row per message in the same transaction.
 *
 * <p>Arguments, all required: {@code --bootstrap=host:port --jdbc=<url> --topic=<t> --group=<g> --member=<id>
 * --control=<dir>}. With {@code -Dsluice.filters.test-hooks=true} it installs the park hook: once the harness
 * arms it ({@link ControlDirectory#armPark}), the member's next job stops after it has its batch and before the
 * row lock, reports the batch, and waits to be released. {@code -Dsluice.filters.test-hooks.fencing=off} runs the
 * naive design. SIGTERM closes the runtime in order; SIGKILL is the crash. The member exits at once when its
 * standard input closes, so it never outlives the test JVM.
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
        exitWhenStdinCloses(member);

        JdbcConnectionPool pool = ChaosDatabase.pool(jdbc, 8);
        PartitionOffsets offsets = PartitionOffsets.builder(pool, ChaosDatabase.dialect(jdbc)).build();
        offsets.createTableIfMissing();
        Park park = new Park(control, member);
        if (TestHooks.enabled()) {
            TestHooks.beforeRowLock(park);
        }

        Topology topology = Sluice.topology()
                .topic(topic).deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> (batch, ctx) -> {
                    int applied;
                    try {
                        applied = offsets.consume(ctx, batch, (tx, messages) -> Effects.insert(tx, messages, member));
                    } catch (Exception e) {
                        park.finished(batch, "failed " + e);
                        throw e;
                    }
                    park.finished(batch, "applied=" + applied);
                })
                .filter(OffsetManager.using(offsets))
                .build();

        Set<TopicPartition> owned = ConcurrentHashMap.newKeySet();
        SluiceRuntime runtime = SluiceRuntime.create(topology, kafka(options), settings())
                .listener(event -> {
                    if (event instanceof SluiceEvent.Assigned a) {
                        owned.add(a.topicPartition());
                    } else if (event instanceof SluiceEvent.Revoked r) {
                        owned.remove(r.topicPartition());
                    } else if (event instanceof SluiceEvent.Lost l) {
                        owned.remove(l.topicPartition());
                    } else {
                        return;
                    }
                    control.assignment(member, owned);
                })
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("chaos member {} closing", member);
            runtime.close();
            pool.dispose();
            LOG.info("chaos member {} closed", member);
        }, "chaos-member-shutdown"));
        LOG.info("chaos member {} started (pid {}, fencing {}) on {} with {}", member, ProcessHandle.current().pid(),
                System.getProperty(TestHooks.FENCING_PROPERTY, "on"), topic, offsets);
        new CountDownLatch(1).await(); // runs until killed, stopped by SIGTERM, or orphaned
    }

    private static Properties kafka(Map<String, String> options) {
        Properties p = new Properties();
        p.put("bootstrap.servers", options.get("bootstrap"));
        p.put("group.id", options.get("group"));
        p.put("group.protocol", "classic");
        p.put("session.timeout.ms", "6000");
        p.put("heartbeat.interval.ms", "500");
        // bounds a rebalance that waits for a member, and the revocation grace (10 s) stays below its half
        p.put("max.poll.interval.ms", "30000");
        // short batches: a crash or a park lands on a small transaction, and a catch-up still moves quickly
        p.put("max.poll.records", "250");
        p.put("auto.offset.reset", "earliest");
        return p;
    }

    private static RuntimeSettings settings() {
        return RuntimeSettings.defaults()
                .withWorkerThreads(4)
                .withCommitInterval(Duration.ofSeconds(1))
                .withShutdownTimeout(Duration.ofSeconds(10));
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 0) {
                throw new IllegalArgumentException("expected --name=value, got " + arg);
            }
            options.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        for (String required : new String[] {"bootstrap", "jdbc", "topic", "group", "member", "control"}) {
            if (!options.containsKey(required)) {
                throw new IllegalArgumentException("missing --" + required + "=...");
            }
        }
        return options;
    }

    /** The harness holds our stdin open while it lives; EOF means it is gone, and so are we. */
    private static void exitWhenStdinCloses(String member) {
        Thread watcher = new Thread(() -> {
            try (InputStream in = System.in) {
                while (in.read() >= 0) {
                    // nothing is ever sent; only the end matters
                }
            } catch (IOException e) {
                // the same as EOF
            }
            LOG.warn("chaos member {}: the harness is gone (stdin closed); exiting at once", member);
            Runtime.getRuntime().halt(3);
        }, "chaos-member-orphan-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    /**
     * The park hook: once armed, the next job stops before its row lock, writes its batch to the control
     * directory and waits for the release file. Parks at most once per member process.
     */
    private static final class Park implements TestHooks.BeforeRowLock {
        private final ControlDirectory control;
        private final String member;
        private final AtomicBoolean used = new AtomicBoolean();
        private volatile Batch<?, ?> parked;

        Park(ControlDirectory control, String member) {
            this.control = control;
            this.member = member;
        }

        @Override
        public void reached(TopicPartition topicPartition, Batch<?, ?> batch) {
            if (used.get() || !control.parkArmed(member) || !used.compareAndSet(false, true)) {
                return;
            }
            parked = batch;
            ControlDirectory.ParkedBatch info = new ControlDirectory.ParkedBatch(topicPartition.topic(),
                    topicPartition.partition(), batch.fetchOffset(), batch.nextOffset(), batch.size());
            LOG.warn("chaos member {}: PARKED the job of {} before its row lock", member, info);
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
