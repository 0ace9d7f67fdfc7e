package io.sluice.filters.model;

import io.sluice.dsl.Batch;
import io.sluice.dsl.ConsumerContext;
import io.sluice.dsl.FilterContext;
import io.sluice.dsl.InfrastructureFailure;
import io.sluice.dsl.Message;
import io.sluice.dsl.MessageFailedException;
import io.sluice.dsl.OffsetOutOfRangePolicy;
import io.sluice.dsl.OffsetRefusedException;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.dsl.Verdict;
import io.sluice.filters.OffsetManager;
import io.sluice.filters.PartitionOffsets;
import io.sluice.filters.Throttle;
import io.sluice.runtime.DeadLetterHeaders;
import io.sluice.runtime.SluiceEvent;
import io.sluice.testing.LogRecord;
import io.sluice.testing.TestDriver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * One schedule's world: an offset-managed topic with a dead-letter queue, consumed by one or two consumer groups
 * that keep their offsets in one table ({@link ModelStore}); each group is the real runtime on its own
 * {@link TestDriver} (re-created after a crash, on a copy of the same log, and the same database, with a new offset
 * store as a new process would build), and the model of what must hold. Every group's log receives the same
 * appends, gaps and retention, so offsets agree across groups.
 *
 * <p>A message's fate is in its value, so it survives crashes and replays: {@code ok}; {@code bad} (always fails,
 * unnamed) and {@code badn} (always fails, named with {@link MessageFailedException}); {@code flaky:N} and
 * {@code flakyn:N} (fail the first N attempts of each group); {@code drop} (dropped for good by a {@code dropIf}
 * filter); {@code POISON} (its value cannot be deserialized). The consumer inserts (group, topic, partition, offset)
 * into {@code "model_applied"} in the offset transaction; the model mirrors what committed.
 *
 * <p>Actions on a runtime (steps, jobs, rebalances, crashes, armed failures, row locks) go to the group in focus
 * ({@link #focus}); producing, time and the database's faults concern every group.
 */
final class ModelWorld implements AutoCloseable {

    /** The topic: the same name in every world, so a replay hashes (and so orders) partitions as the original. */
    static final String TOPIC = "model";
    static final String DLQ = "model.dlq";
    static final String[] GROUPS = {"sluice-test", "sluice-test-b"};
    private static final Duration COMMIT_INTERVAL = Duration.ofSeconds(1);
    private static final int IDLE_ROUNDS = 1_000;
    /** Whether retention may pass an undecided row (on; {@code -Dsluice.model.retentionPastTheRow=false}: off). */
    static final boolean RETENTION_PAST_THE_ROW =
            !"false".equals(System.getProperty("sluice.model.retentionPastTheRow"));

    /** A failure armed for the consumer's next call, whatever its batch. */
    enum Armed { NONE, NAMED, UNNAMED, INFRASTRUCTURE }

    /** Whether a {@link ModelAction.Retention} ran: only it may place a partition above its row. */
    private boolean retentionSeen;

    /** A verdict armed for the scripted filter's next non-empty batch. */
    record ArmedVerdict(boolean pause, long amount) {
    }

    final int partitions;
    /** 0: no virtual partitions; else the count members start with. */
    final int virtualPartitions;
    /** Draws keys and the counts members restart with (mixed counts). */
    private final java.util.Random keys;
    private final List<TreeMap<Long, byte[]>> producedKeys = new ArrayList<>();
    final int maxRetries;
    final int maxPollRecords;
    final ModelStore store;
    private final List<TreeMap<Long, String>> produced = new ArrayList<>();
    private final List<Group> groups = new ArrayList<>();
    private Group focus;

    /** One consumer group: its runtime, its offset store, and the model of what it decided. */
    final class Group {
        final String name;
        TestDriver driver;
        PartitionOffsets offsets;
        final TreeSet<Integer> assigned = new TreeSet<>();
        final List<Part> parts = new ArrayList<>();
        final Map<Long, Integer> attempts = new HashMap<>(); // key: partition << 40 | offset
        Armed armed = Armed.NONE;
        ArmedVerdict armedVerdict;
        int seenDeadLetters;
        int crashes;
        long acrossHandoverDuplicates;
        int events;
        int vpCount;
        ModelViolation violation;

        Group(String name) {
            this.name = name;
            for (int p = 0; p < partitions; p++) {
                parts.add(new Part());
            }
        }

        Part part(int p) {
            return parts.get(p);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** The model of one partition, for one group. */
    static final class Part {
        final TreeSet<Long> expired = new TreeSet<>();
        final Map<Long, Integer> applied = new HashMap<>();
        final Map<Long, Integer> appliedEpoch = new HashMap<>();
        final Map<Long, List<Integer>> deadLetters = new HashMap<>();
        int epoch;
    }

    ModelWorld(Schedule schedule, ModelStore store) {
        this.partitions = schedule.partitions();
        this.virtualPartitions = schedule.virtualPartitions();
        this.keys = new java.util.Random(schedule.seed() * 31 + 7);
        this.maxRetries = schedule.maxRetries();
        this.maxPollRecords = schedule.maxPollRecords();
        this.store = store;
        store.wipe(TOPIC);
        for (int p = 0; p < partitions; p++) {
            produced.add(new TreeMap<>());
            producedKeys.add(new TreeMap<>());
        }
        for (int g = 0; g < schedule.groups(); g++) {
            Group group = new Group(GROUPS[g]);
            group.vpCount = virtualPartitions;
            groups.add(group);
            group.offsets = store.newOffsets();
            group.driver = newDriver(group);
            for (int p = 0; p < partitions; p++) {
                group.assigned.add(p);
            }
            group.driver.assign(TOPIC, allPartitions());
        }
        focus = groups.get(0);
    }

    private int[] allPartitions() {
        int[] all = new int[partitions];
        for (int p = 0; p < partitions; p++) {
            all[p] = p;
        }
        return all;
    }

    static TopicPartition tp(int p) {
        return new TopicPartition(TOPIC, p);
    }

    /** The partition an action's {@code p} names in this world. */
    int p(int p) {
        return p % partitions;
    }

    /** Directs the actions on a runtime to group {@code g} (wrapped to the groups there are). */
    void focus(int g) {
        focus = groups.get(g % groups.size());
    }

    List<Group> groups() {
        return groups;
    }

    boolean isAssigned(int p) {
        return focus.assigned.contains(p);
    }

    // ---------------------------------------------------------------- the topology

    private TestDriver newDriver(Group group) {
        TestDriver d = TestDriver.create().groupId(group.name).maxPollRecords(maxPollRecords)
                .timings(COMMIT_INTERVAL, Duration.ofSeconds(2)).listener(e -> observe(group, e));
        d.createTopic(TOPIC, partitions).createTopic(DLQ, 1);
        d.start(topology(group));
        return d;
    }

    /**
     * Every event of {@code group}'s runtime. An assignment starts a new ownership of its partition: the dead letters
     * published before it are attributed to the ownership before (see {@link #collectDeadLetters}).
     */
    private void observe(Group group, SluiceEvent event) {
        group.events++;
        if (event instanceof SluiceEvent.Failed f && !retentionSeen && fetchedAboveTheRow(f.error())) {
            // only retention (the log start passing a row) may place a partition above its row; anything else that
            // launches a batch from above the row has lost track of where it fetched from (found by the chaos
            // matrix: a batch after a record-less poll)
            group.violation = new ModelViolation("safety: a batch launched from above its row",
                    group + " " + f.topicPartition() + ": " + f.error());
        }
        if (event instanceof SluiceEvent.Assigned a && a.topicPartition().topic().equals(TOPIC)) {
            collectDeadLetters(group);
            group.part(a.topicPartition().partition()).epoch++;
        }
    }

    private Topology topology(Group group) {
        Deserializer<String> values = (t, bytes) -> {
            String s = new String(bytes, StandardCharsets.UTF_8);
            if (s.equals("POISON")) {
                throw new SerializationException("poison message (injected by the model test)");
            }
            return s;
        };
        PartitionOffsets offsets = group.offsets;
        io.sluice.dsl.TopicBuilder<String, String> topic = Sluice.topology().topic(TOPIC)
                .deserializers(new StringDeserializer(), values)
                .consumer(() -> (batch, ctx) -> consume(group, offsets, batch, ctx))
                .filter(OffsetManager.using(offsets))
                .filter(Throttle.of(4, Duration.ofSeconds(1)))
                .dropIf(m -> "drop".equals(m.value()))
                .filter(tp -> (batch, context) -> script(group, batch, context))
                .deadLetterQueue(DLQ, maxRetries)
                .backoff(Duration.ofMillis(100), Duration.ofSeconds(1))
                .onOffsetOutOfRange(OffsetOutOfRangePolicy.RESET_TO_LOG_START);
        if (group.vpCount > 0) {
            topic = topic.virtualPartitions(group.vpCount);
        }
        return topic.build();
    }

    /** The scripted filter: a pause or a seek back the schedule armed, on the next batch with messages. */
    private static Verdict script(Group group, Batch<?, ?> batch, FilterContext context) {
        ArmedVerdict v = group.armedVerdict;
        if (v == null || batch.isEmpty()) {
            return Verdict.notApplied();
        }
        group.armedVerdict = null;
        long from = batch.fetchOffset();
        batch.clear();
        if (v.pause()) {
            return Verdict.pause(from, Duration.ofMillis(v.amount()));
        }
        return Verdict.seek(Math.max(0, from - v.amount()));
    }

    private static void consume(Group group, PartitionOffsets offsets, Batch<String, String> batch,
                                ConsumerContext ctx) throws Exception {
        TopicPartition tp = batch.topicPartition();
        List<Long> applied = new ArrayList<>();
        offsets.consume(ctx, batch, (tx, messages) -> {
            Armed a = group.armed;
            if (a != Armed.NONE) {
                group.armed = Armed.NONE;
                switch (a) {
                    case NAMED -> throw new MessageFailedException(messages.get(0),
                            new IllegalStateException("injected named failure"));
                    case UNNAMED -> throw new IllegalStateException("injected unnamed failure");
                    default -> throw new InfrastructureFailure("injected: a downstream service is down");
                }
            }
            for (Message<String, String> m : messages) {
                failIfScripted(group, m);
                ModelStore.apply(tx, group.name, tp, m.offset());
                applied.add(m.offset());
            }
        });
        Part part = group.part(tp.partition());
        for (long o : applied) {
            part.applied.merge(o, 1, Integer::sum);
            part.appliedEpoch.put(o, part.epoch);
        }
    }

    private static void failIfScripted(Group group, Message<String, String> m) {
        String v = m.value();
        if (v.equals("bad")) {
            throw new IllegalStateException("cannot apply " + m.offset());
        }
        if (v.equals("badn")) {
            throw new MessageFailedException(m, new IllegalStateException("cannot apply " + m.offset()));
        }
        if (v.startsWith("flaky")) {
            int times = Integer.parseInt(v.substring(v.indexOf(':') + 1));
            int attempt = group.attempts.merge(((long) m.partition() << 40) | m.offset(), 1, Integer::sum);
            if (attempt <= times) {
                if (v.startsWith("flakyn")) {
                    throw new MessageFailedException(m, new IllegalStateException("flaky " + m.offset()));
                }
                throw new IllegalStateException("flaky " + m.offset());
            }
        }
    }

    // ---------------------------------------------------------------- actions on every group

    void produce(int p, List<String> values) {
        for (String v : values) {
            byte[] value = v.getBytes(StandardCharsets.UTF_8);
            long offset = -1;
            byte[] key = virtualPartitions > 0 ? ("k" + keys.nextInt(6)).getBytes(StandardCharsets.UTF_8) : KEY;
            for (Group g : groups) {
                long o = g.driver.log().append(tp(p), key, value);
                if (offset >= 0 && o != offset) {
                    throw new IllegalStateException("the groups' logs disagree: " + offset + " vs " + o);
                }
                offset = o;
            }
            produced.get(p).put(offset, v);
            producedKeys.get(p).put(offset, key);
        }
    }

    private static final byte[] KEY = "k".getBytes(StandardCharsets.UTF_8);

    void gap(int p, int count) {
        for (Group g : groups) {
            g.driver.log().skip(tp(p), count);
        }
    }

    void advance(long millis) {
        for (Group g : groups) {
            g.driver.advance(Duration.ofMillis(millis));
        }
    }

    void outage(boolean down) {
        store.down(down);
    }

    void unlockRow() {
        store.releaseLock();
    }

    /**
     * Retention moves the log start of {@code p} (in every group's log) up to the lowest row, or {@code fraction}
     * of the way from the start to the end; undecided messages it removes are expired for the groups that had not
     * decided them.
     */
    private static boolean fetchedAboveTheRow(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof OffsetRefusedException && String.valueOf(t.getMessage()).contains("fetched from above")) {
                return true;
            }
        }
        return false;
    }

    void retention(int p, boolean toRow, double fraction) {
        retentionSeen = true;
        TopicPartition tp = tp(p);
        TestDriver any = groups.get(0).driver;
        long start = any.log().logStartOffset(tp);
        long end = any.log().logEndOffset(tp);
        long to;
        if (toRow) {
            long lowest = Long.MAX_VALUE;
            for (Group g : groups) {
                OptionalLong row = store.row(g.name, tp);
                if (row.isEmpty()) {
                    return;
                }
                lowest = Math.min(lowest, row.getAsLong());
            }
            to = Math.max(start, Math.min(end, lowest));
        } else {
            to = start + Math.round((end - start) * fraction);
            if (!RETENTION_PAST_THE_ROW) {
                // TODO(lead): retention of everything undecided leaves the row outside the log while the runtime
                // reports caught up (RetentionOfEverythingUndecidedRegressionTest); once fixed, make
                // RETENTION_PAST_THE_ROW the default
                for (Group g : groups) {
                    OptionalLong row = store.row(g.name, tp);
                    to = row.isEmpty() ? start : Math.max(start, Math.min(to, row.getAsLong()));
                }
            }
        }
        for (Group g : groups) {
            Part part = g.part(p);
            for (long o : produced.get(p).headMap(to, false).keySet()) {
                if (!decided(part, p, o)) {
                    part.expired.add(o);
                }
            }
            g.driver.log().truncateBefore(tp, to);
        }
    }

    private boolean decided(Part part, int p, long o) {
        return part.applied.containsKey(o) || part.deadLetters.containsKey(o)
                || "drop".equals(produced.get(p).get(o));
    }

    // ---------------------------------------------------------------- actions on the group in focus

    void step() {
        focus.driver.step();
    }

    void runJobs(int count) {
        for (int i = 0; i < count && focus.driver.runNextJob(); i++) {
            // one job at a time
        }
    }

    void runAllJobs() {
        focus.driver.runJobs();
    }

    void runUntilIdle() {
        runUntilIdle(focus, IDLE_ROUNDS);
    }

    /**
     * Steps and runs jobs until a round changes nothing, as {@code TestDriver.runUntilIdle} does but failing after
     * {@code rounds} rounds (a livelock) with what the last rounds did.
     */
    void runUntilIdle(Group group, int rounds) {
        TestDriver driver = group.driver;
        Object before = fingerprint(group);
        for (int i = 0; i < rounds; i++) {
            driver.step();
            driver.runJobs();
            Object after = fingerprint(group);
            if (after.equals(before) && driver.pendingJobs() == 0 && driver.consumer().pendingRebalances() == 0) {
                return;
            }
            before = after;
        }
        List<?> events = driver.events();
        throw new ModelViolation("livelock", group + " did not become idle within " + rounds + " rounds; the"
                + " last events " + tail(events) + "; partitions " + driver.partitions() + "; counters "
                + driver.counters() + "; seeks " + tail(driver.consumer().seeks()));
    }

    private static List<?> tail(List<?> list) {
        return list.subList(Math.max(0, list.size() - 10), list.size());
    }

    private static Object fingerprint(Group group) {
        TestDriver driver = group.driver;
        return List.of(driver.counters(), group.events, driver.consumer().seeks().size(),
                driver.consumer().commits().size(), driver.consumer().pauseHistory().size(),
                driver.consumer().resumeHistory().size(), driver.partitions());
    }

    void revoke(int p, boolean holdJobs) {
        focus.assigned.remove(p);
        focus.driver.holdJobsDuringRevocation(holdJobs);
        focus.driver.revoke(TOPIC, p);
    }

    void lose(int p) {
        focus.assigned.remove(p);
        focus.driver.lose(TOPIC, p);
    }

    void assign(int p) {
        focus.assigned.add(p);
        focus.driver.assign(TOPIC, p);
    }

    void eagerRebalance(List<Integer> keep) {
        List<TopicPartition> tps = new ArrayList<>();
        for (int p : keep) {
            tps.add(tp(p));
        }
        focus.assigned.clear();
        focus.assigned.addAll(keep);
        focus.driver.eagerRebalance(tps);
    }

    void arm(Armed failure) {
        focus.armed = failure;
    }

    void armVerdict(ArmedVerdict verdict) {
        focus.armedVerdict = verdict;
    }

    void lockRow(int p) {
        store.holdLock(focus.name, tp(p));
    }

    void failCommits(int count) {
        focus.driver.failNextCommits(count);
    }

    void failDeadLetters(int count) {
        focus.driver.failNextDeadLetters(count);
    }

    /**
     * A crash of the group in focus: the driver halts (pending jobs die with it); a new one starts on a copy of the
     * log with a new offset store (the same database), as a new process would.
     */
    void crash() {
        Group group = focus;
        collectDeadLetters(group);
        TestDriver old = group.driver;
        old.halt();
        old.close();
        group.offsets = store.newOffsets();
        if (virtualPartitions > 0) {
            // members with mixed counts: the restarted one may run another (the rows change at a drain point)
            group.vpCount = 1 + keys.nextInt(8);
        }
        group.driver = newDriver(group);
        group.driver.clock().advanceTo(old.clock().instant());
        copyLog(old, group.driver, TOPIC, partitions);
        copyLog(old, group.driver, DLQ, 1);
        Map<TopicPartition, OffsetAndMetadata> committed = old.log().committed(group.name);
        if (!committed.isEmpty()) {
            group.driver.log().commit(group.name, committed);
        }
        group.crashes++;
        group.seenDeadLetters = 0;
        group.assigned.clear();
        for (int p = 0; p < partitions; p++) {
            group.assigned.add(p);
        }
        group.driver.assign(TOPIC, allPartitions());
    }

    private static void copyLog(TestDriver from, TestDriver to, String topic, int partitions) {
        for (int p = 0; p < partitions; p++) {
            TopicPartition tp = new TopicPartition(topic, p);
            for (LogRecord r : from.log().records(tp)) {
                to.log().appendAt(tp, r.offset(), r.key(), r.value(), r.timestamp(), r.headers());
            }
            long end = from.log().logEndOffset(tp);
            long now = to.log().logEndOffset(tp);
            if (end > now) {
                to.log().skip(tp, end - now);
            }
            to.log().truncateBefore(tp, from.log().logStartOffset(tp));
        }
    }

    // ---------------------------------------------------------------- checks

    /**
     * Attributes dead letters published since the last look to their partition's current ownership epoch (it runs
     * inside the runtime's event listener too, so it records a violation for {@link #checkSafety} instead of throwing
     * into the runtime). A job of an earlier ownership that outlives a revocation and publishes after the new
     * assignment is attributed to the new one.
     */
    private void collectDeadLetters(Group group) {
        List<ProducerRecord<byte[], byte[]>> all = group.driver.deadLetters();
        for (int i = group.seenDeadLetters; i < all.size(); i++) {
            ProducerRecord<byte[], byte[]> r = all.get(i);
            int p;
            long o;
            try {
                p = Integer.parseInt(header(r, DeadLetterHeaders.PARTITION));
                o = Long.parseLong(header(r, DeadLetterHeaders.OFFSET));
                if (!header(r, DeadLetterHeaders.TOPIC).equals(TOPIC)) {
                    throw new ModelViolation("safety: dead letter of another topic", r.toString());
                }
            } catch (ModelViolation v) {
                violation(group, v);
                continue;
            }
            Part part = group.part(p);
            List<Integer> epochs = part.deadLetters.computeIfAbsent(o, k -> new ArrayList<>());
            if (epochs.contains(part.epoch)) {
                violation(group, new ModelViolation("safety: dead-lettered twice by one owner", group + " " + TOPIC
                        + "-" + p + "@" + o + " (epoch " + part.epoch + ", earlier copies in epochs " + epochs + ")"));
            }
            if (!epochs.isEmpty()) {
                group.acrossHandoverDuplicates++;
            }
            epochs.add(part.epoch);
        }
        group.seenDeadLetters = all.size();
    }

    private static void violation(Group group, ModelViolation v) {
        if (group.violation == null) {
            group.violation = v;
        }
    }

    private static String header(ProducerRecord<byte[], byte[]> r, String key) {
        Header h = r.headers().lastHeader(key);
        if (h == null) {
            throw new ModelViolation("safety: dead letter without header " + key, r.toString());
        }
        return new String(h.value(), StandardCharsets.UTF_8);
    }

    private static boolean failing(String value) {
        return value.equals("bad") || value.equals("badn") || value.equals("POISON") || value.equals("drop");
    }

    /** Safety, after every action, for every group. */
    void checkSafety() {
        for (Group g : groups) {
            checkSafety(g);
        }
    }

    private void checkSafety(Group group) {
        collectDeadLetters(group);
        if (group.violation != null) {
            throw group.violation;
        }
        for (int p = 0; p < partitions; p++) {
            TopicPartition tp = tp(p);
            Part part = group.part(p);
            TreeMap<Long, String> values = produced.get(p);
            part.applied.forEach((o, n) -> {
                if (n > 1) {
                    throw new ModelViolation("safety: applied twice", group + " " + tp + "@" + o + " applied "
                            + n + " times");
                }
                String v = values.get(o);
                if (v == null || failing(v)) {
                    throw new ModelViolation("safety: applied what must not be", group + " " + tp + "@" + o
                            + " applied, but it is " + (v == null ? "no record" : v));
                }
            });
            OptionalLong row = store.row(group.name, tp);
            Optional<OffsetAndMetadata> committed = group.driver.log().committed(group.name, tp);
            if (committed.isPresent()) {
                long c = committed.get().offset();
                if (row.isEmpty() || c > row.getAsLong()) {
                    throw new ModelViolation("safety: Kafka commit ahead of the row", group + " " + tp
                            + ": Kafka's committed offset " + c + " is ahead of the row "
                            + (row.isPresent() ? row.getAsLong() : "(none)"));
                }
            }
            if (virtualPartitions > 0) {
                checkVirtualRows(group, p, part, values);
            }
            if (row.isPresent()) {
                for (Map.Entry<Long, String> e : values.headMap(row.getAsLong(), false).entrySet()) {
                    long o = e.getKey();
                    if (!decided(part, p, o) && !part.expired.contains(o)) {
                        throw new ModelViolation("safety: undecided below the row", group + " " + tp + "@" + o
                                + " (" + e.getValue() + ") is below the row " + row.getAsLong()
                                + " but was neither applied, dead-lettered, dropped nor expired");
                    }
                }
            }
        }
    }

    /**
     * For each virtual partition v of the stored mapping: every v-message below r_v is decided, and none at or above
     * r_v is applied.
     */
    private void checkVirtualRows(Group group, int p, Part part, TreeMap<Long, String> values) {
        TopicPartition tp = tp(p);
        ModelStore.VirtualRows rows = store.virtualRows(group.name, tp);
        if (rows.mapping() == null) {
            return;
        }
        int n = Integer.parseInt(rows.mapping().substring(0, rows.mapping().indexOf(':')));
        if (rows.rows().size() != n) {
            throw new ModelViolation("safety: rows do not match their mapping", group + " " + tp + ": "
                    + rows.rows().size() + " rows of mapping " + rows.mapping());
        }
        for (Map.Entry<Long, String> e : values.entrySet()) {
            long o = e.getKey();
            int v = io.sluice.dsl.VirtualPartitioner.murmur2().virtualPartition(producedKeys.get(p).get(o), null, o,
                    n);
            long r = rows.rows().get(v);
            if (o < r && !decided(part, p, o) && !part.expired.contains(o)) {
                throw new ModelViolation("safety: undecided below r_v", group + " " + tp + "@" + o + " ("
                        + e.getValue() + ") of virtual partition " + v + " is below r_v " + r + " (mapping "
                        + rows.mapping() + ") but undecided");
            }
            if (o >= r && part.applied.containsKey(o)) {
                throw new ModelViolation("safety: applied at or above r_v", group + " " + tp + "@" + o
                        + " of virtual partition " + v + " is applied, but r_v is " + r + " (mapping "
                        + rows.mapping() + ")");
            }
        }
    }

    /** Ends every fault and every armed surprise, and gets every partition of every group assigned again. */
    void heal() {
        store.heal();
        for (Group g : groups) {
            focus = g;
            g.armed = Armed.NONE;
            g.armedVerdict = null;
            g.driver.failNextCommits(0);
            g.driver.failNextDeadLetters(0);
            g.driver.holdJobsDuringRevocation(false);
            for (int p = 0; p < partitions; p++) {
                if (!g.assigned.contains(p)) {
                    assign(p);
                }
            }
        }
        focus = groups.get(0);
    }

    /** Runs every group until idle (for liveness). */
    void runEveryGroupUntilIdle() {
        for (Group g : groups) {
            runUntilIdle(g, IDLE_ROUNDS);
        }
    }

    /** Whether every group decided every partition up to its log end, with nothing paused or in flight. */
    boolean settled() {
        for (Group g : groups) {
            if (!quiet(g)) {
                return false;
            }
            for (int p = 0; p < partitions; p++) {
                OptionalLong row = store.row(g.name, tp(p));
                if (row.isEmpty() ? !nothingEverFetched(g, p)
                        : row.getAsLong() < g.driver.log().logEndOffset(tp(p))) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Whether {@code g} may have no row of {@code p}: nothing was produced, or retention removed every message before
     * the group decided any (then nothing ever reached the offset store).
     */
    private boolean nothingEverFetched(Group g, int p) {
        TreeMap<Long, String> values = produced.get(p);
        Part part = g.part(p);
        return values.isEmpty() || (values.lastKey() < g.driver.log().logStartOffset(tp(p))
                && part.applied.isEmpty() && part.deadLetters.isEmpty());
    }

    /** Every partition assigned, nothing queued, and the runtime caught up (idle, unpaused, at the log end). */
    private static boolean quiet(Group g) {
        TestDriver driver = g.driver;
        return driver.pendingJobs() == 0 && driver.partitions().get(TestDriver.INSTANCE).size() == g.parts.size()
                && driver.caughtUp();
    }

    /** Liveness, once healed and run to quiescence: everything produced is decided exactly as it must be. */
    void checkLiveness(int rounds) {
        List<String> kinds = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (Group g : groups) {
            collectDeadLetters(g);
            if (g.violation != null) {
                throw g.violation;
            }
            checkLiveness(g, rounds, kinds, problems);
        }
        if (!problems.isEmpty()) {
            throw new ModelViolation("liveness: " + kinds.get(0), String.join("; ", problems));
        }
    }

    private void checkLiveness(Group g, int rounds, List<String> kinds, List<String> problems) {
        TestDriver driver = g.driver;
        if (!quiet(g)) {
            kinds.add("not quiet");
            problems.add(g + " not quiet after " + rounds + " rounds: " + driver.partitions());
        }
        for (int p = 0; p < partitions; p++) {
            TopicPartition tp = tp(p);
            Part part = g.part(p);
            TreeMap<Long, String> values = produced.get(p);
            long end = driver.log().logEndOffset(tp);
            OptionalLong row = store.row(g.name, tp);
            boolean rowOk = row.isEmpty() ? nothingEverFetched(g, p)
                    : row.getAsLong() == end;
            if (!rowOk) {
                kinds.add("row not at the log end");
                problems.add(g + " " + tp + ": row " + row + " is not the log end " + end + " (last record "
                        + (values.isEmpty() ? "none" : values.lastKey()) + ")");
            }
            Map<Long, Integer> inDb = store.applied(g.name, tp);
            if (!inDb.equals(part.applied)) {
                kinds.add("database and consumer disagree");
                problems.add(g + " " + tp + ": the database applied " + new TreeMap<>(inDb)
                        + ", the consumer saw " + new TreeMap<>(part.applied) + " commit");
            }
            for (Map.Entry<Long, String> e : values.entrySet()) {
                long o = e.getKey();
                String v = e.getValue();
                boolean applied = part.applied.containsKey(o);
                boolean dead = part.deadLetters.containsKey(o);
                boolean expired = part.expired.contains(o);
                if (applied && dead && part.deadLetters.get(o).contains(part.appliedEpoch.get(o))) {
                    // across a handover it is allowed: a dead letter whose row advance failed is decided again
                    kinds.add("applied and dead-lettered");
                    problems.add(g + " " + tp + "@" + o + " (" + v + ") applied and dead-lettered by one owner");
                } else if (v.equals("drop")) {
                    if (applied || dead) {
                        kinds.add("dropped message decided");
                        problems.add(g + " " + tp + "@" + o + " should have been dropped");
                    }
                } else if (failing(v)) {
                    if (!dead && !expired) {
                        kinds.add("never dead-lettered");
                        problems.add(g + " " + tp + "@" + o + " (" + v + ") never dead-lettered");
                    }
                } else if (!applied && !dead && !expired) {
                    kinds.add("never decided");
                    problems.add(g + " " + tp + "@" + o + " (" + v + ") neither applied nor dead-lettered");
                }
            }
        }
    }

    /** Whether some offset expired by retention before any group decided it. */
    boolean expiredAny() {
        return groups.stream().anyMatch(g -> g.parts.stream().anyMatch(part -> !part.expired.isEmpty()));
    }

    @Override
    public void close() {
        store.heal();
        for (Group g : groups) {
            g.driver.close();
        }
    }
}
