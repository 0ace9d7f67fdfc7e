package io.sluice.runtime;

import static io.sluice.runtime.RuntimeIT.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.testing.ChildJvm;
import io.sluice.testing.EmbeddedKafka;
import io.sluice.testing.EmbeddedKafkaExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Kafka transactions (consume → produce exactly once) on the in-process broker, with {@link TransactionalMember}
 * JVMs (classic protocol, {@code session.timeout.ms=2000}, {@code transaction.timeout.ms=10000},
 * {@code maxJobDuration} 7.5 s, commit timeout 2 s). Every input message produces one output record keyed by the
 * input's {@code partition:offset}, whose value names the member that sent it.
 *
 * <ul>
 *   <li><b>Kill:</b> member {@code a1} parks a transaction after its sends and is SIGKILLed with it open; {@code a2}
 *       starts with the same transactional-id prefix, which aborts it, and redoes the batch.</li>
 *   <li><b>Zombie:</b> {@code b1} joins; {@code a2} parks a transaction with the group metadata in hand (before its
 *       offsets go into the transaction and it commits) and is frozen (SIGSTOP) until the group has moved on and
 *       {@code b1} has committed the same input; thawed and released, its commit must be refused by the broker
 *       (stale generation) and the transaction aborted.</li>
 *   <li>A {@code read_committed} reader then sees each output exactly once; a {@code read_uncommitted} scan finds
 *       the outputs of both aborted transactions.</li>
 *   <li><b>Control:</b> the same zombie committing with a group metadata that carries no generation commits, and
 *       its outputs are duplicated.</li>
 * </ul>
 *
 * <p>Members' logs and control files are kept under {@code target/kafka-transactions-it/}.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class KafkaTransactionsIT {

    private static final int PARTITIONS = 2;
    private static final int PER_BATCH = 10;
    private static final Duration STEP = Duration.ofSeconds(60);

    private final EmbeddedKafka kafka;
    private final List<ChildJvm> members = new ArrayList<>();
    private final Map<String, ChildJvm> byName = new HashMap<>();
    private Path dir;
    private TxControl control;

    KafkaTransactionsIT(EmbeddedKafka kafka) {
        this.kafka = kafka;
    }

    @AfterEach
    void killMembers() {
        members.forEach(ChildJvm::close);
    }

    @Test
    void aKilledMemberAndAZombieLeaveEachOutputExactlyOnce(TestInfo info) throws Exception {
        Run run = new Run(info);
        run.produce(0, PER_BATCH);
        run.produce(1, PER_BATCH);

        // kill: a1 parks a transaction after its sends and dies with it open
        control.armPark("a1", TxControl.AFTER_SENDS);
        run.start("a1", "a", false);
        TxControl.Parked killed = await("a1 to park a transaction", () -> control.parked("a1"));
        assertEquals(TransactionState.ONGOING, run.transactionState(killed.transactionalId()),
                "bite: a1 holds an open transaction when it is killed");
        byName.get("a1").kill();

        // a2, the same member restarted (same prefix): aborts a1's transaction and redoes the batch
        run.start("a2", "a", false);
        await("a2 to commit every input", () -> run.committedAtEnd() ? Optional.of(true) : Optional.empty());
        assertNotEquals(TransactionState.ONGOING, run.transactionState(killed.transactionalId()),
                "a2 (same prefix) aborted a1's open transaction");

        TxControl.Parked zombie = run.zombie("a2", "b1", "b");
        String zombieEnd = await("the zombie's transaction to end", () -> control.ended("a2"));
        assertTrue(zombieEnd.startsWith("aborted"), "the zombie's transaction must abort: " + zombieEnd);
        assertTrue(zombieEnd.contains("CommitFailedException"),
                "the broker refused the zombie's offsets (stale generation), nothing else aborted it: " + zombieEnd);

        Map<String, List<String>> committed = run.read(IsolationLevel.READ_COMMITTED);
        Map<String, List<String>> all = run.read(IsolationLevel.READ_UNCOMMITTED);
        assertEquals(run.inputKeys(), new java.util.TreeSet<>(committed.keySet()), "every input has an output");
        Map<String, List<String>> duplicated = committed.entrySet().stream().filter(e -> e.getValue().size() != 1)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        assertEquals(Map.of(), duplicated, "read_committed: each output exactly once");

        String killedKey = killed.partition() + ":" + (killed.nextOffset() - 1);
        String zombieKey = zombie.partition() + ":" + (zombie.nextOffset() - 1);
        assertTrue(all.getOrDefault(killedKey, List.of()).contains("a1"),
                "read_uncommitted finds the killed member's aborted output for " + killedKey + ": " + all.get(killedKey));
        assertEquals(List.of("a2"), committed.get(killedKey), "the restarted member redid the killed batch");
        assertTrue(all.getOrDefault(zombieKey, List.of()).contains("a2"),
                "read_uncommitted finds the zombie's aborted output for " + zombieKey + ": " + all.get(zombieKey));
        assertEquals(List.of("b1"), committed.get(zombieKey), "the new owner's output is the one that counts");
    }

    @Test
    void controlAZombieCommittingWithoutAGenerationDuplicatesItsOutput(TestInfo info) throws Exception {
        Run run = new Run(info);
        run.startWithoutGeneration("m1", "m");
        await("m1 to be ready", () -> control.assignment("m1").size() == PARTITIONS
                ? Optional.of(true) : Optional.empty());

        TxControl.Parked zombie = run.zombie("m1", "n1", "n");
        String zombieEnd = await("the zombie's transaction to end", () -> control.ended("m1"));
        assertEquals("committed", zombieEnd, "without a generation the broker cannot tell the zombie");

        Map<String, List<String>> committed = run.read(IsolationLevel.READ_COMMITTED);
        List<String> duplicated = committed.entrySet().stream().filter(e -> e.getValue().size() > 1)
                .map(Map.Entry::getKey).sorted().toList();
        List<String> batch = IntStream.range(0, PER_BATCH)
                .mapToObj(i -> zombie.partition() + ":" + (zombie.nextOffset() - PER_BATCH + i)).sorted().toList();
        assertEquals(batch, duplicated, "the zombie's batch is output twice, by the zombie and by the new owner");
        assertEquals(List.of("m1", "n1"), committed.get(batch.get(0)).stream().sorted().toList());
    }

    /** One scenario's topics, group, and members. */
    private final class Run {
        private final String in;
        private final String out;
        private final String group;
        private final Map<Integer, Integer> produced = new TreeMap<>();
        private boolean noGeneration;

        Run(TestInfo info) throws Exception {
            String name = unique("ktx");
            in = name + "-in";
            out = name + "-out";
            group = name + "-group";
            kafka.createTopic(in, PARTITIONS);
            kafka.createTopic(out, PARTITIONS);
            dir = Path.of("target", "kafka-transactions-it", info.getTestMethod().orElseThrow().getName() + "-" + name)
                    .toAbsolutePath();
            Files.createDirectories(dir);
            control = new TxControl(dir);
        }

        void startWithoutGeneration(String member, String prefix) {
            noGeneration = true;
            start(member, prefix, true);
        }

        void start(String member, String prefix, boolean withoutGeneration) {
            List<String> args = new ArrayList<>(List.of("--bootstrap=" + kafka.bootstrapServers(), "--in=" + in,
                    "--out=" + out, "--group=" + group, "--member=" + member, "--prefix=" + prefix,
                    "--control=" + dir));
            if (withoutGeneration) {
                args.add("--metadata=no-generation");
            }
            ChildJvm jvm = ChildJvm.start(TransactionalMember.class.getName(), List.of("-Xmx256m"), args,
                    dir.resolve(member + ".log"));
            members.add(jvm);
            byName.put(member, jvm);
        }

        /**
         * The zombie: {@code other} joins; {@code zombie} parks a transaction of its partition with the group
         * metadata in hand and is frozen; once {@code other} owns the partition and has committed past the batch,
         * the zombie is released and thawed. Returns the parked transaction.
         */
        TxControl.Parked zombie(String zombie, String other, String otherPrefix) {
            start(other, otherPrefix, noGeneration);
            List<String> owned = await(zombie + " and " + other + " to own one partition each", () -> {
                List<String> z = control.assignment(zombie);
                List<String> o = control.assignment(other);
                return z.size() == 1 && o.size() == 1 && !z.equals(o) ? Optional.of(z) : Optional.empty();
            });
            int partition = Integer.parseInt(owned.get(0).substring(owned.get(0).lastIndexOf('-') + 1));
            control.armPark(zombie, TxControl.BEFORE_COMMIT);
            produce(partition, PER_BATCH);
            TxControl.Parked parked = await(zombie + " to park", () -> control.parked(zombie));
            assertEquals(partition, parked.partition(), "the zombie parked the batch of its own partition");
            byName.get(zombie).suspend();
            await(other + " to take over the zombie's partition and commit past the batch",
                    () -> committedAtEnd() ? Optional.of(true) : Optional.empty());
            assertEquals(TransactionState.ONGOING, transactionState(parked.transactionalId()),
                    "bite: the zombie's transaction is still open when it comes back");
            control.release(zombie);
            byName.get(zombie).resume();
            return parked;
        }

        void produce(int partition, int count) {
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProperties())) {
                for (int i = 0; i < count; i++) {
                    producer.send(new ProducerRecord<>(in, partition, null, ("v" + i).getBytes(StandardCharsets.UTF_8)));
                }
                producer.flush();
            }
            produced.merge(partition, count, Integer::sum);
        }

        java.util.SortedSet<String> inputKeys() {
            java.util.SortedSet<String> keys = new java.util.TreeSet<>();
            produced.forEach((p, n) -> IntStream.range(0, n).forEach(o -> keys.add(p + ":" + o)));
            return keys;
        }

        /** Whether the group's committed offset of every input partition is its end. */
        boolean committedAtEnd() {
            try (Admin admin = kafka.admin()) {
                Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
                for (int p = 0; p < PARTITIONS; p++) {
                    OffsetAndMetadata o = offsets.get(new TopicPartition(in, p));
                    if ((o == null ? 0 : o.offset()) < produced.getOrDefault(p, 0)) {
                        return false;
                    }
                }
                return true;
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        TransactionState transactionState(String transactionalId) {
            try (Admin admin = kafka.admin()) {
                TransactionDescription d = admin.describeTransactions(List.of(transactionalId)).description(
                        transactionalId).get(10, TimeUnit.SECONDS);
                return d.state();
            } catch (Exception e) {
                throw new AssertionError("cannot describe the transaction of " + transactionalId, e);
            }
        }

        /**
         * Every output record under {@code isolation}, by key, the values in log order; first waits until no
         * transaction on the output topic is open (its last stable offset is its end).
         */
        Map<String, List<String>> read(IsolationLevel isolation) {
            List<TopicPartition> tps = IntStream.range(0, PARTITIONS).mapToObj(p -> new TopicPartition(out, p))
                    .toList();
            await("every transaction on " + out + " to be decided", () -> {
                try (Admin admin = kafka.admin()) {
                    Map<TopicPartition, OffsetSpec> latest = tps.stream()
                            .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
                    var stable = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                            .all().get(5, TimeUnit.SECONDS);
                    var end = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED))
                            .all().get(5, TimeUnit.SECONDS);
                    return tps.stream().allMatch(tp -> stable.get(tp).offset() == end.get(tp).offset())
                            ? Optional.of(true) : Optional.empty();
                } catch (Exception e) {
                    return Optional.empty();
                }
            });
            Map<String, Object> props = new HashMap<>();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString());
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            Map<String, List<String>> byKey = new TreeMap<>();
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                consumer.assign(tps);
                consumer.seekToBeginning(tps);
                Map<TopicPartition, Long> end = consumer.endOffsets(tps);
                long deadline = System.nanoTime() + STEP.toNanos();
                while (tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                    assertTrue(System.nanoTime() < deadline, "timed out reading " + out);
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        byKey.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), k -> new ArrayList<>())
                                .add(new String(r.value(), StandardCharsets.UTF_8));
                    }
                }
            }
            return byKey;
        }
    }

    /** Polls {@code probe} until it gives a value, for up to a minute; the members' log tails on failure. */
    private <T> T await(String what, Supplier<Optional<T>> probe) {
        long deadline = System.nanoTime() + STEP.toNanos();
        while (true) {
            Optional<T> value = probe.get();
            if (value.isPresent()) {
                return value.get();
            }
            if (System.nanoTime() > deadline) {
                StringBuilder logs = new StringBuilder();
                byName.forEach((name, jvm) -> logs.append("\n--- ").append(name).append(' ').append(jvm)
                        .append(":\n").append(jvm.logTail(30)));
                throw new AssertionError("timed out after " + STEP + " waiting for " + what + logs);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // a pause between polls
        }
    }
}
