package io.sluice.filters.model;

import io.sluice.dsl.Batch;
import io.sluice.dsl.FilterContext;
import io.sluice.dsl.InfrastructureFailure;
import io.sluice.dsl.Message;
import io.sluice.dsl.MessageFailedException;
import io.sluice.dsl.OffsetOutOfRangePolicy;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.dsl.Verdict;
import io.sluice.filters.OffsetManager;
import io.sluice.filters.Throttle;
import io.sluice.runtime.DeadLetterHeaders;
import io.sluice.runtime.PartitionState;
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
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * One schedule's world: the real runtime on a {@link TestDriver} (re-created after a crash, on a copy of the same
 * log, and the same database), an offset-managed topic with a dead-letter queue, and the model of what must hold.
 *
 * <p>A message's fate is in its value, so it survives crashes and replays: {@code ok}; {@code bad} (always fails,
 * unnamed) and {@code badn} (always fails, named with {@link MessageFailedException}); {@code flaky:N} and
 * {@code flakyn:N} (fail the first N attempts); {@code drop} (dropped for good by a {@code dropIf} filter);
 * {@code POISON} (its value cannot be deserialized). The consumer inserts (topic, partition, offset) into
 * {@code "model_applied"} in the offset transaction ({@link ModelStore}); the model mirrors what committed.
 */
final class ModelWorld implements AutoCloseable {

    static final String GROUP = "sluice-test";
    private static final AtomicLong SCHEDULES = new AtomicLong();
    private static final Duration COMMIT_INTERVAL = Duration.ofSeconds(1);
    private static final int IDLE_ROUNDS = 1_000;
    /** Whether retention may pass an undecided row (off while RetentionPastTheRowRegressionTest is disabled). */
    static final boolean ROW_AT_LOG_END = Boolean.getBoolean("sluice.model.rowAtLogEnd");
    static final boolean RETENTION_PAST_THE_ROW = Boolean.getBoolean("sluice.model.retentionPastTheRow");

    /** A failure armed for the consumer's next call, whatever its batch. */
    enum Armed { NONE, NAMED, UNNAMED, INFRASTRUCTURE }

    /** A verdict armed for the scripted filter's next non-empty batch. */
    record ArmedVerdict(boolean pause, long amount) {
    }

    final int partitions;
    final int maxRetries;
    final int maxPollRecords;
    final String topic;
    final String dlq;
    final ModelStore store = ModelStore.shared();
    final List<String> log = new ArrayList<>();

    private TestDriver driver;
    private int incarnation;
    private int seenDeadLetters;
    private final TreeSet<Integer> assigned = new TreeSet<>();
    private final Map<Integer, Part> parts = new HashMap<>();
    private final Map<Long, Integer> attempts = new HashMap<>(); // key: partition << 40 | offset
    Armed armed = Armed.NONE;
    ArmedVerdict armedVerdict;
    private boolean lockedRowIsReal;
    int crashes;
    long acrossHandoverDuplicates;

    /** The model of one partition. */
    static final class Part {
        final TreeMap<Long, String> produced = new TreeMap<>();
        final TreeSet<Long> expired = new TreeSet<>();
        final Map<Long, Integer> applied = new HashMap<>();
        final Map<Long, Integer> appliedEpoch = new HashMap<>();
        final Map<Long, List<Integer>> deadLetters = new HashMap<>();
        int epoch;
    }

    ModelWorld(int partitions, int maxRetries, int maxPollRecords) {
        this.partitions = partitions;
        this.maxRetries = maxRetries;
        this.maxPollRecords = maxPollRecords;
        long n = SCHEDULES.incrementAndGet();
        this.topic = "m" + n;
        this.dlq = "m" + n + ".dlq";
        for (int p = 0; p < partitions; p++) {
            parts.put(p, new Part());
        }
        driver = newDriver();
        for (int p = 0; p < partitions; p++) {
            assigned.add(p);
        }
        driver.assign(topic, allPartitions());
    }

    private int[] allPartitions() {
        int[] all = new int[partitions];
        for (int p = 0; p < partitions; p++) {
            all[p] = p;
        }
        return all;
    }

    TopicPartition tp(int p) {
        return new TopicPartition(topic, p);
    }

    TestDriver driver() {
        return driver;
    }

    Part part(int p) {
        return parts.get(p);
    }

    Iterable<Integer> assignedPartitions() {
        return List.copyOf(assigned);
    }

    boolean isAssigned(int p) {
        return assigned.contains(p);
    }

    // ---------------------------------------------------------------- the topology

    private TestDriver newDriver() {
        TestDriver d = TestDriver.create().maxPollRecords(maxPollRecords).timings(COMMIT_INTERVAL,
                Duration.ofSeconds(2));
        d.createTopic(topic, partitions).createTopic(dlq, 1);
        d.start(topology());
        return d;
    }

    private Topology topology() {
        Deserializer<String> values = (t, bytes) -> {
            String s = new String(bytes, StandardCharsets.UTF_8);
            if (s.equals("POISON")) {
                throw new SerializationException("poison message (injected by the model test)");
            }
            return s;
        };
        return Sluice.topology().topic(topic)
                .deserializers(new StringDeserializer(), values)
                .consumer(() -> (batch, ctx) -> consume(batch, ctx))
                .filter(OffsetManager.using(store.offsets()))
                .filter(Throttle.of(4, Duration.ofSeconds(1)))
                .dropIf(m -> "drop".equals(m.value()))
                .filter(tp -> this::script)
                .deadLetterQueue(dlq, maxRetries)
                .backoff(Duration.ofMillis(100), Duration.ofSeconds(1))
                .onOffsetOutOfRange(OffsetOutOfRangePolicy.RESET_TO_LOG_START)
                .build();
    }

    /** The scripted filter: a pause or a seek back the schedule armed, on the next batch with messages. */
    private Verdict script(Batch<?, ?> batch, FilterContext context) {
        ArmedVerdict v = armedVerdict;
        if (v == null || batch.isEmpty()) {
            return Verdict.notApplied();
        }
        armedVerdict = null;
        long from = batch.fetchOffset();
        batch.clear();
        if (v.pause()) {
            return Verdict.pause(from, Duration.ofMillis(v.amount()));
        }
        return Verdict.seek(Math.max(0, from - v.amount()));
    }

    private void consume(Batch<String, String> batch, io.sluice.dsl.ConsumerContext ctx) throws Exception {
        TopicPartition tp = batch.topicPartition();
        List<Long> applied = new ArrayList<>();
        store.offsets().consume(ctx, batch, (tx, messages) -> {
            Armed a = armed;
            if (a != Armed.NONE) {
                armed = Armed.NONE;
                switch (a) {
                    case NAMED -> throw new MessageFailedException(messages.get(0),
                            new IllegalStateException("injected named failure"));
                    case UNNAMED -> throw new IllegalStateException("injected unnamed failure");
                    default -> throw new InfrastructureFailure("injected: a downstream service is down");
                }
            }
            for (Message<String, String> m : messages) {
                failIfScripted(m);
                ModelStore.apply(tx, tp, m.offset());
                applied.add(m.offset());
            }
        });
        Part part = parts.get(tp.partition());
        for (long o : applied) {
            part.applied.merge(o, 1, Integer::sum);
            part.appliedEpoch.put(o, part.epoch);
        }
    }

    private void failIfScripted(Message<String, String> m) {
        String v = m.value();
        if (v.equals("bad")) {
            throw new IllegalStateException("cannot apply " + m.offset());
        }
        if (v.equals("badn")) {
            throw new MessageFailedException(m, new IllegalStateException("cannot apply " + m.offset()));
        }
        if (v.startsWith("flaky")) {
            int times = Integer.parseInt(v.substring(v.indexOf(':') + 1));
            int attempt = attempts.merge(((long) m.partition() << 40) | m.offset(), 1, Integer::sum);
            if (attempt <= times) {
                if (v.startsWith("flakyn")) {
                    throw new MessageFailedException(m, new IllegalStateException("flaky " + m.offset()));
                }
                throw new IllegalStateException("flaky " + m.offset());
            }
        }
    }

    // ---------------------------------------------------------------- actions

    void note(String action) {
        log.add(action);
    }

    void produce(int p, List<String> values) {
        for (String v : values) {
            long o = driver.log().append(tp(p), "k".getBytes(StandardCharsets.UTF_8),
                    v.getBytes(StandardCharsets.UTF_8));
            parts.get(p).produced.put(o, v);
        }
    }

    void gap(int p, int count) {
        driver.log().skip(tp(p), count);
    }

    void step() {
        driver.step();
    }

    void runJobs(int count) {
        for (int i = 0; i < count && driver.runNextJob(); i++) {
            // one job at a time
        }
    }

    void runAllJobs() {
        driver.runJobs();
    }

    void runUntilIdle() {
        runUntilIdle(IDLE_ROUNDS);
    }

    /**
     * Steps and runs jobs until a round changes nothing, as {@code TestDriver.runUntilIdle} does but failing after
     * {@code rounds} rounds (a livelock) with what the last rounds did.
     */
    void runUntilIdle(int rounds) {
        Object before = fingerprint();
        int events = driver.events().size();
        for (int i = 0; i < rounds; i++) {
            if (i == rounds - 5) {
                events = driver.events().size();
            }
            driver.step();
            driver.runJobs();
            Object after = fingerprint();
            if (after.equals(before) && driver.pendingJobs() == 0 && driver.consumer().pendingRebalances() == 0) {
                return;
            }
            before = after;
        }
        List<?> last = driver.events().subList(events, driver.events().size());
        throw new AssertionError("livelock: the runtime did not become idle within " + rounds + " rounds; the last"
                + " rounds emitted " + last + "; partitions " + driver.partitions() + "; counters "
                + driver.counters() + "; seeks " + tail(driver.consumer().seeks()));
    }

    private static List<?> tail(List<?> list) {
        return list.subList(Math.max(0, list.size() - 10), list.size());
    }

    private Object fingerprint() {
        return List.of(driver.counters(), driver.events().size(), driver.consumer().seeks().size(),
                driver.consumer().commits().size(), driver.consumer().pauseHistory().size(),
                driver.consumer().resumeHistory().size(), driver.partitions());
    }

    void advance(long millis) {
        driver.advance(Duration.ofMillis(millis));
    }

    void revoke(int p, boolean holdJobs) {
        assigned.remove(p);
        parts.get(p).epoch++;
        driver.holdJobsDuringRevocation(holdJobs);
        driver.revoke(topic, p);
    }

    void lose(int p) {
        assigned.remove(p);
        parts.get(p).epoch++;
        driver.lose(topic, p);
    }

    void assign(int p) {
        assigned.add(p);
        parts.get(p).epoch++;
        driver.assign(topic, p);
    }

    void eagerRebalance(List<Integer> keep) {
        List<TopicPartition> tps = new ArrayList<>();
        for (int p : keep) {
            tps.add(tp(p));
        }
        assigned.clear();
        assigned.addAll(keep);
        parts.values().forEach(part -> part.epoch++);
        driver.eagerRebalance(tps);
    }

    /** Retention moves the log start of {@code p} to {@code fraction} of the way from the start to the end. */
    void retention(int p, boolean toRow, double fraction) {
        TopicPartition tp = tp(p);
        long start = driver.log().logStartOffset(tp);
        long end = driver.log().logEndOffset(tp);
        long to;
        if (toRow) {
            OptionalLong row = store.row(tp);
            if (row.isEmpty()) {
                return;
            }
            to = Math.max(start, Math.min(end, row.getAsLong()));
        } else {
            to = start + Math.round((end - start) * fraction);
            // TODO(lead): retention past the row livelocks today (RetentionPastTheRowRegressionTest); once the
            // runtime is fixed, set RETENTION_PAST_THE_ROW and the model covers RESET_TO_LOG_START too
            OptionalLong row = store.row(tp);
            if (!RETENTION_PAST_THE_ROW && (row.isEmpty() || to > row.getAsLong())) {
                to = row.isEmpty() ? start : Math.max(start, Math.min(to, row.getAsLong()));
            }
        }
        Part part = parts.get(p);
        for (long o : part.produced.headMap(to, false).keySet()) {
            if (!decided(part, o)) {
                part.expired.add(o);
            }
        }
        driver.log().truncateBefore(tp, to);
    }

    private boolean decided(Part part, long o) {
        return part.applied.containsKey(o) || part.deadLetters.containsKey(o)
                || "drop".equals(part.produced.get(o));
    }

    void outage(boolean down) {
        store.down(down);
    }

    void lockRow(int p) {
        store.holdLock(tp(p));
        lockedRowIsReal = store.row(tp(p)).isPresent();
    }

    void unlockRow() {
        store.releaseLock();
    }

    void failCommits(int count) {
        driver.failNextCommits(count);
    }

    void failDeadLetters(int count) {
        driver.failNextDeadLetters(count);
    }

    /** A crash: the driver halts (pending jobs die with it); a new one starts on a copy of the log. */
    void crash() {
        collectDeadLetters();
        TestDriver old = driver;
        old.halt();
        old.close();
        driver = newDriver();
        driver.clock().advanceTo(old.clock().instant());
        copyLog(old, driver, tp(0).topic(), partitions);
        copyLog(old, driver, dlq, 1);
        Map<TopicPartition, OffsetAndMetadata> committed = old.log().committed(GROUP);
        if (!committed.isEmpty()) {
            driver.log().commit(GROUP, committed);
        }
        incarnation++;
        crashes++;
        seenDeadLetters = 0;
        parts.values().forEach(part -> part.epoch++);
        assigned.clear();
        for (int p = 0; p < partitions; p++) {
            assigned.add(p);
        }
        driver.assign(topic, allPartitions());
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

    /** Attributes dead letters published since the last look to their partition's current ownership epoch. */
    private void collectDeadLetters() {
        List<ProducerRecord<byte[], byte[]>> all = driver.deadLetters();
        for (int i = seenDeadLetters; i < all.size(); i++) {
            ProducerRecord<byte[], byte[]> r = all.get(i);
            int p = Integer.parseInt(header(r, DeadLetterHeaders.PARTITION));
            long o = Long.parseLong(header(r, DeadLetterHeaders.OFFSET));
            if (!header(r, DeadLetterHeaders.TOPIC).equals(topic)) {
                throw new AssertionError("a dead letter of another topic: " + r);
            }
            Part part = parts.get(p);
            List<Integer> epochs = part.deadLetters.computeIfAbsent(o, k -> new ArrayList<>());
            if (epochs.contains(part.epoch)) {
                throw new AssertionError(topic + "-" + p + "@" + o + " dead-lettered twice by one owner (epoch "
                        + part.epoch + ", earlier copies in epochs " + epochs + ")");
            }
            if (!epochs.isEmpty()) {
                acrossHandoverDuplicates++;
            }
            epochs.add(part.epoch);
        }
        seenDeadLetters = all.size();
    }

    private static String header(ProducerRecord<byte[], byte[]> r, String key) {
        Header h = r.headers().lastHeader(key);
        if (h == null) {
            throw new AssertionError("dead letter without header " + key + ": " + r);
        }
        return new String(h.value(), StandardCharsets.UTF_8);
    }

    private static boolean failing(String value) {
        return value.equals("bad") || value.equals("badn") || value.equals("POISON") || value.equals("drop");
    }

    /** Safety, after every action. */
    void checkSafety() {
        collectDeadLetters();
        for (int p = 0; p < partitions; p++) {
            TopicPartition tp = tp(p);
            Part part = parts.get(p);
            part.applied.forEach((o, n) -> {
                if (n > 1) {
                    throw new AssertionError(tp + "@" + o + " applied " + n + " times");
                }
                String v = part.produced.get(o);
                if (v == null || failing(v)) {
                    throw new AssertionError(tp + "@" + o + " applied, but it is " + (v == null ? "no record" : v));
                }
            });
            OptionalLong row = store.row(tp);
            Optional<OffsetAndMetadata> committed = driver.log().committed(GROUP, tp);
            if (committed.isPresent()) {
                long c = committed.get().offset();
                if (row.isEmpty() || c > row.getAsLong()) {
                    throw new AssertionError(tp + ": Kafka's committed offset " + c + " is ahead of the row "
                            + (row.isPresent() ? row.getAsLong() : "(none)"));
                }
            }
            if (row.isPresent()) {
                for (Map.Entry<Long, String> e : part.produced.headMap(row.getAsLong(), false).entrySet()) {
                    long o = e.getKey();
                    if (!decided(part, o) && !part.expired.contains(o)) {
                        throw new AssertionError(tp + "@" + o + " (" + e.getValue() + ") is below the row "
                                + row.getAsLong() + " but was neither applied, dead-lettered, dropped nor expired");
                    }
                }
            }
        }
    }

    /** Ends every fault and every armed surprise, and gets every partition assigned again. */
    void heal() {
        store.heal();
        armed = Armed.NONE;
        armedVerdict = null;
        driver.failNextCommits(0);
        driver.failNextDeadLetters(0);
        driver.holdJobsDuringRevocation(false);
        for (int p = 0; p < partitions; p++) {
            if (!assigned.contains(p)) {
                assign(p);
            }
        }
    }

    /** Whether every partition is decided up to its log end, with nothing paused or in flight. */
    boolean settled() {
        if (!quiet()) {
            return false;
        }
        for (int p = 0; p < partitions; p++) {
            OptionalLong row = store.row(tp(p));
            if (row.isEmpty() ? !parts.get(p).produced.isEmpty() : row.getAsLong() < settledEnd(p)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Where a settled row must be: the log end, or (TODO(lead): once the row is always advanced over a tail without
     * records, see the report of seed 6518240118470520336) at least one past the partition's last record.
     */
    private long settledEnd(int p) {
        long end = driver.log().logEndOffset(tp(p));
        if (ROW_AT_LOG_END) {
            return end;
        }
        Long last = parts.get(p).produced.isEmpty() ? null : parts.get(p).produced.lastKey();
        long lastRecordEnd = last == null ? driver.log().logStartOffset(tp(p)) : last + 1;
        return Math.max(driver.log().logStartOffset(tp(p)), Math.min(end, lastRecordEnd));
    }

    /** Whether rows short of the log end only by a tail without records are counted rather than failed. */
    long rowsShortOfATail() {
        long n = 0;
        for (int p = 0; p < partitions; p++) {
            OptionalLong row = store.row(tp(p));
            if (row.isPresent() && row.getAsLong() < driver.log().logEndOffset(tp(p))) {
                n++;
            }
        }
        return n;
    }

    /**
     * Every partition assigned, IDLE, unpaused, at its log end, nothing queued. Not {@code driver.caughtUp()}: it
     * stays false for a partition enforced to a row at the log end with nothing left to fetch (nothing is ever
     * marked there; see CaughtUpAfterEnforcementRegressionTest). TODO(lead): use caughtUp() once that is fixed.
     */
    boolean quiet() {
        List<PartitionState> states = driver.partitions().get(TestDriver.INSTANCE);
        if (states.size() != partitions || driver.pendingJobs() > 0) {
            return false;
        }
        for (PartitionState s : states) {
            if (!s.state().equals("IDLE") || !s.pauseReasons().isEmpty()
                    || s.fetchPosition() != driver.log().logEndOffset(s.topicPartition())) {
                return false;
            }
        }
        return true;
    }

    /** Liveness, once healed and run to quiescence: everything produced is decided exactly as it must be. */
    void checkLiveness(int rounds) {
        collectDeadLetters();
        List<String> problems = new ArrayList<>();
        if (!quiet()) {
            problems.add("not quiet after " + rounds + " rounds: " + driver.partitions());
        }
        for (PartitionState s : driver.partitions().get(TestDriver.INSTANCE)) {
            if (!s.state().equals("IDLE") || !s.pauseReasons().isEmpty()) {
                problems.add(s.topicPartition() + " is " + s.state() + " paused for " + s.pauseReasons());
            }
        }
        for (int p = 0; p < partitions; p++) {
            TopicPartition tp = tp(p);
            Part part = parts.get(p);
            long end = driver.log().logEndOffset(tp);
            OptionalLong row = store.row(tp);
            boolean rowOk = row.isEmpty() ? part.produced.isEmpty()
                    : row.getAsLong() >= settledEnd(p) && row.getAsLong() <= end;
            if (!rowOk) {
                problems.add(tp + ": row " + row + " is not the log end " + end + " (last record "
                        + (part.produced.isEmpty() ? "none" : part.produced.lastKey()) + ")");
            }
            Map<Long, Integer> inDb = store.applied(tp);
            if (!inDb.equals(part.applied)) {
                problems.add(tp + ": the database applied " + new TreeMap<>(inDb) + ", the consumer saw "
                        + new TreeMap<>(part.applied) + " commit");
            }
            for (Map.Entry<Long, String> e : part.produced.entrySet()) {
                long o = e.getKey();
                String v = e.getValue();
                boolean applied = part.applied.containsKey(o);
                boolean dead = part.deadLetters.containsKey(o);
                boolean expired = part.expired.contains(o);
                if (applied && dead && part.deadLetters.get(o).contains(part.appliedEpoch.get(o))) {
                    // across a handover it is allowed: a dead letter whose row advance failed is decided again
                    problems.add(tp + "@" + o + " (" + v + ") applied and dead-lettered by one owner");
                } else if (v.equals("drop")) {
                    if (applied || dead) {
                        problems.add(tp + "@" + o + " should have been dropped");
                    }
                } else if (failing(v)) {
                    if (!dead && !expired) {
                        problems.add(tp + "@" + o + " (" + v + ") never dead-lettered");
                    }
                } else if (!applied && !dead && !expired) {
                    problems.add(tp + "@" + o + " (" + v + ") neither applied nor dead-lettered");
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new AssertionError("liveness: " + String.join("; ", problems));
        }
    }

    int incarnation() {
        return incarnation;
    }

    boolean lockedRowIsReal() {
        return lockedRowIsReal;
    }

    @Override
    public void close() {
        store.heal();
        driver.close();
    }
}
