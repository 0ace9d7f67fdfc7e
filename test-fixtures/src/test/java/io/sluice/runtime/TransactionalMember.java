package io.sluice.runtime;

import io.sluice.dsl.Message;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.runtime.internal.KafkaTransactor;
import io.sluice.testing.ChildJvm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member of {@link KafkaTransactionsIT}, run as its own JVM: a topology whose consumer sends, for every input
 * message, one output record (key {@code <partition>:<offset>} of the input, value the member's name) inside
 * {@code ctx.transaction(...)}, on a topic declared with {@code kafkaTransactions()}.
 *
 * <p>Arguments {@code --name=value}: {@code bootstrap, in, out, group, member, prefix, control}; optional
 * {@code metadata=no-generation}, the control: every transaction commits with a group metadata that carries no
 * generation and no member id (as a producer without KIP-447 fencing would), instead of asking the listener.
 *
 * <p>Through {@link KafkaTransactor#testHook} and the {@link TxControl} directory, the harness can park the member's
 * next transaction, at most once per process, at {@link TxControl#AFTER_SENDS} or {@link TxControl#BEFORE_COMMIT};
 * the member writes how the parked transaction ended. It exits at once when its standard input closes, so it never
 * outlives the test JVM; SIGKILL is the crash.
 */
public final class TransactionalMember {

    private static final Logger LOG = LoggerFactory.getLogger(TransactionalMember.class);
    private static final Duration PARK_LIMIT = Duration.ofMinutes(2);

    private TransactionalMember() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = ChildJvm.arguments(args, "bootstrap", "in", "out", "group", "member", "prefix",
                "control");
        String member = options.get("member");
        String out = options.get("out");
        TxControl control = new TxControl(Path.of(options.get("control")));
        boolean noGeneration = "no-generation".equals(options.get("metadata"));
        ChildJvm.exitWhenParentGone(() -> { }, Duration.ofSeconds(1));

        KafkaTransactor.testHook(new ParkingHook(control, member, noGeneration));

        Topology topology = Sluice.topology()
                .topic(options.get("in"))
                .consumer(() -> (batch, ctx) -> ctx.transaction(tx -> {
                    for (Message<byte[], byte[]> m : batch) {
                        tx.send(new ProducerRecord<>(out, utf8(m.partition() + ":" + m.offset()), utf8(member)));
                    }
                }))
                .kafkaTransactions()
                .build();

        Properties kafka = new Properties();
        kafka.put("bootstrap.servers", options.get("bootstrap"));
        kafka.put("group.id", options.get("group"));
        kafka.put("group.protocol", "classic");
        kafka.put("session.timeout.ms", "2000");
        kafka.put("heartbeat.interval.ms", "500");
        kafka.put("auto.offset.reset", "earliest");
        RuntimeSettings settings = RuntimeSettings.defaults()
                .withWorkerThreads(2)
                .withCommitInterval(Duration.ofMillis(500))
                .withCommitTimeout(Duration.ofSeconds(2))
                .withShutdownTimeout(Duration.ofSeconds(5));
        Set<String> owned = ConcurrentHashMap.newKeySet();
        SluiceRuntime runtime = SluiceRuntime.create(topology, kafka, settings)
                .kafkaTransactions(new KafkaTransactionSettings(options.get("prefix"), 2, Duration.ofMillis(7_500),
                        Map.of("transaction.timeout.ms", "10000")))
                .listener(event -> {
                    if (event instanceof SluiceEvent.Assigned a) {
                        owned.add(a.topicPartition().toString());
                    } else if (event instanceof SluiceEvent.Revoked r) {
                        owned.remove(r.topicPartition().toString());
                    } else if (event instanceof SluiceEvent.Lost l) {
                        owned.remove(l.topicPartition().toString());
                    } else {
                        return;
                    }
                    control.assignment(member, List.copyOf(owned));
                });
        runtime.start();
        LOG.info("transactional member {} started (pid {}, options {})", member, ProcessHandle.current().pid(),
                options);
        new CountDownLatch(1).await(); // runs until killed or orphaned
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Parks the first transaction that reaches an armed point; reports how that transaction ended. */
    private static final class ParkingHook implements KafkaTransactor.TestHook {
        private final TxControl control;
        private final String member;
        private final boolean noGeneration;
        private final AtomicBoolean used = new AtomicBoolean();
        private final ThreadLocal<Boolean> parkedHere = ThreadLocal.withInitial(() -> false);

        ParkingHook(TxControl control, String member, boolean noGeneration) {
            this.control = control;
            this.member = member;
            this.noGeneration = noGeneration;
        }

        @Override
        public void afterSends(TopicPartition tp, long nextOffset, String transactionalId) {
            park(TxControl.AFTER_SENDS, tp, nextOffset, transactionalId);
        }

        @Override
        @SuppressWarnings("removal") // 4.4 deprecates the constructors for users; the control needs this one
        public Optional<ConsumerGroupMetadata> metadata(String groupId) {
            // the control: no generation, no member id -- the broker cannot tell a zombie from the owner
            return noGeneration ? Optional.of(new ConsumerGroupMetadata(groupId, -1, "", Optional.empty()))
                    : Optional.empty();
        }

        @Override
        public void beforeCommit(TopicPartition tp, long nextOffset, String transactionalId,
                                 ConsumerGroupMetadata metadata) {
            if (park(TxControl.BEFORE_COMMIT, tp, nextOffset, transactionalId)) {
                LOG.warn("transactional member {}: committing the parked transaction with {}", member, metadata);
            }
        }

        @Override
        public void ended(TopicPartition tp, long nextOffset, Throwable abortedBy) {
            if (!parkedHere.get()) {
                return;
            }
            parkedHere.set(false);
            StringBuilder how = new StringBuilder(abortedBy == null ? "committed" : "aborted");
            for (Throwable t = abortedBy; t != null; t = t.getCause()) {
                how.append(' ').append(t.getClass().getName()).append(": ").append(t.getMessage()).append(';');
            }
            LOG.warn("transactional member {}: the parked transaction of {} up to {} ended: {}", member, tp,
                    nextOffset, how);
            control.ended(member, how.toString().replace('\n', ' '));
        }

        private boolean park(String point, TopicPartition tp, long nextOffset, String transactionalId) {
            if (used.get() || !control.parkArmed(member, point) || !used.compareAndSet(false, true)) {
                return false;
            }
            parkedHere.set(true);
            LOG.warn("transactional member {}: PARKED the transaction of {} up to {} ({}) at {}", member, tp,
                    nextOffset, transactionalId, point);
            control.parked(member, new TxControl.Parked(tp.topic(), tp.partition(), nextOffset, transactionalId));
            long deadline = System.nanoTime() + PARK_LIMIT.toNanos();
            while (!control.released(member)) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("never released after " + PARK_LIMIT);
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // polls the release file
            }
            LOG.warn("transactional member {}: released the parked transaction of {}", member, tp);
            return true;
        }
    }
}
