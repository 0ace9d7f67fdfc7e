package io.sluice.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.ConcurrentModificationException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.NoOffsetForPartitionException;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.clients.consumer.SubscriptionPattern;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.record.TimestampType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Consumer} over an {@link InMemoryLog} that behaves as {@code KafkaConsumer} does in everything the
 * runtime relies on, and lets a test drive the group: it decides when partitions are assigned, revoked or lost,
 * makes commits fail, and arms wakeups. {@code poll} never blocks, so a test with a manual clock runs the real
 * listener loop step by step.
 *
 * <h2>Consumer states</h2>
 * <pre>
 *   UNSUBSCRIBED --subscribe(topics or Pattern)--> SUBSCRIBED --unsubscribe()--> UNSUBSCRIBED
 *   UNSUBSCRIBED --assign(partitions)--> MANUALLY_ASSIGNED --unsubscribe()/assign(empty)--> UNSUBSCRIBED
 *   any state --close()--> CLOSED   (close is idempotent)
 * </pre>
 * {@code subscribe} while {@code MANUALLY_ASSIGNED} and {@code assign} while {@code SUBSCRIBED} throw
 * {@link IllegalStateException}, as do {@code poll} while {@code UNSUBSCRIBED} and every call but {@code close}
 * and {@code wakeup} once {@code CLOSED}; the message names the state.
 *
 * <h2>Partition states</h2>
 * Every assigned partition is, independently:
 * <ul>
 *   <li><b>awaiting a position</b> when newly assigned: the position is resolved lazily, at the next
 *       {@code poll} or {@code position} call, from the group's committed offset or else per
 *       {@code auto.offset.reset} ({@code NONE}: {@link NoOffsetForPartitionException});</li>
 *   <li><b>positioned</b> after that or after a {@code seek}: at each {@code poll}, a position outside
 *       {@code [log start, log end]} (retention passed it, a seek went beyond the end, a committed offset out of
 *       range) is reset per {@code auto.offset.reset} ({@code NONE}: {@link OffsetOutOfRangeException});</li>
 *   <li><b>paused</b> or not; a paused partition keeps its position and is not fetched.</li>
 * </ul>
 * A partition that leaves the assignment forgets its position and its pause; one assigned again starts awaiting
 * a position, unpaused, as with {@code KafkaConsumer}. Partitions kept across a cooperative rebalance keep both.
 *
 * <h2>Rebalances</h2>
 * While {@code SUBSCRIBED}, partitions come only from rebalances the test queues ({@link #assignPartitions},
 * {@link #revokePartitions}, {@link #cooperativeRebalance}, {@link #losePartitions}, {@link #eagerRebalance}).
 * They run in order inside the next {@code poll}, before it fetches, calling the listener there on the polling
 * thread, as {@code KafkaConsumer} does:
 * <ul>
 *   <li>cooperative: {@code onPartitionsRevoked(revoked)} if any are revoked (still assigned during the call, so
 *       they can be committed), then {@code onPartitionsAssigned(added)}, called even when nothing is added, as
 *       the classic protocol does after every rebalance;</li>
 *   <li>lost: {@code onPartitionsLost(lost)}; during the call they are still assigned, but committing them throws
 *       {@link CommitFailedException} (the generation is gone);</li>
 *   <li>eager: {@code onPartitionsRevoked(every owned partition)}, even none, then
 *       {@code onPartitionsAssigned(the new assignment)}; nothing keeps its position or pause.</li>
 * </ul>
 * Callbacks receive sorted, unmodifiable sets. An exception from a callback does not stop the rebalances: they all
 * apply, then {@code poll} throws the first error: {@link WakeupException} and {@link InterruptException} as they
 * are, anything else wrapped in a {@link KafkaException}. Rebalances queued while not subscribed wait for a
 * subscription; {@code unsubscribe} drops them.
 *
 * <h2>Fetching</h2>
 * {@code poll} returns records of assigned, unpaused partitions from their positions, at most
 * {@code max.poll.records} in all. Partitions that returned records move to the back of the fetch order, so
 * polls rotate fairly over partitions. A partition's position becomes one past its last returned record or, when
 * the read reached the end of the log, the log end, stepping over trailing gaps; {@link ConsumerRecords#nextOffsets()}
 * holds the new position of every partition whose position moved, even over a gap alone (then with no records, as
 * {@code KafkaConsumer} does).
 *
 * <h2>Commits</h2>
 * Commits go straight to the log's group offsets; nothing is committed automatically
 * ({@code enable.auto.commit=false}). While {@code SUBSCRIBED}, committing a partition not assigned throws
 * {@link CommitFailedException}, as the group coordinator rejects a commit from a member that no longer owns it;
 * manual assignment may commit any partition, as a standalone {@code KafkaConsumer} can. {@link #failNextCommits}
 * makes the next commits fail without storing anything. {@code commitAsync} is applied at once; its callback runs
 * at the next {@code poll}, {@code commitSync} or {@code close} on the consumer's thread, as with
 * {@code KafkaConsumer}.
 *
 * <h2>Threads and wakeups</h2>
 * The first thread to call a {@link Consumer} method owns the consumer; any other thread gets
 * {@link ConcurrentModificationException} (stricter than {@code KafkaConsumer}, which only refuses concurrent
 * calls, so a confinement bug shows up deterministically); {@link #metrics()} is the exception, callable from any
 * thread as {@code KafkaConsumer}'s is. {@link #wakeup()} may be called from any thread: the
 * next blocking call ({@code poll}, {@code commitSync} with offsets to commit, {@code committed},
 * {@code position} that must look up an offset, {@code beginningOffsets}, {@code endOffsets},
 * {@code offsetsForTimes}, {@code listTopics}, {@code partitionsFor}) throws {@link WakeupException} once.
 * {@link #wakeupOnNext(String)} arms a one-shot wakeup for the next call of one named method. The test-facing
 * methods of this class (rebalances, failures, history) may be called from any thread.
 */
public final class InMemoryConsumer implements Consumer<byte[], byte[]> {

    /** The lifecycle state of an {@link InMemoryConsumer}; see the class documentation for the moves. */
    public enum State {
        /** Neither subscribed nor manually assigned. */
        UNSUBSCRIBED,
        /** Subscribed to topics; partitions arrive through queued rebalances. */
        SUBSCRIBED,
        /** Partitions set with {@code assign}; no rebalances, no callbacks. */
        MANUALLY_ASSIGNED,
        /** Closed; every call but {@code close} and {@code wakeup} throws. */
        CLOSED
    }

    /**
     * One explicit {@code seek}, or a {@code seekToBeginning}/{@code seekToEnd} with the offset it resolved to.
     *
     * @param partition the partition sought, never {@code null}
     * @param offset    the new position
     */
    public record Seek(TopicPartition partition, long offset) {
    }

    /** Methods {@link #wakeupOnNext(String)} accepts: the ones that can throw {@link WakeupException}. */
    public static final Set<String> WAKEUP_METHODS = Set.of("poll", "commitSync", "committed", "position",
            "beginningOffsets", "endOffsets", "offsetsForTimes", "listTopics", "partitionsFor");

    private static final Logger LOG = LoggerFactory.getLogger(InMemoryConsumer.class);
    private static final AtomicInteger MEMBER_IDS = new AtomicInteger();
    private static final Comparator<TopicPartition> PARTITION_ORDER =
            Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition);
    private static final ConsumerRebalanceListener NO_LISTENER = new ConsumerRebalanceListener() {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        }
    };

    private final InMemoryLog log;
    private final InMemoryConsumerConfig config;
    private final String memberId;

    // Confined to the owner thread, except state, which tests may read from anywhere.
    private final AtomicReference<Thread> owner = new AtomicReference<>();
    private volatile State state = State.UNSUBSCRIBED;
    private volatile Set<String> subscription = Set.of();
    private volatile Pattern subscribedPattern;
    private ConsumerRebalanceListener listener = NO_LISTENER;
    /** The assignment; iteration order is the fetch order. */
    private final Map<TopicPartition, PartitionState> assigned = new LinkedHashMap<>();
    private final List<AsyncCommitResult> asyncResults = new ArrayList<>();
    private Set<TopicPartition> losing = Set.of();
    private boolean inCallback;
    private boolean closing;
    private volatile int generation;

    // Written by the test from any thread.
    private final ConcurrentLinkedQueue<Rebalance> pendingRebalances = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakeupRequested = new AtomicBoolean();
    private final Map<String, Integer> armedWakeups = new HashMap<>();
    private final Object failureLock = new Object();
    private int commitFailuresLeft;
    private RuntimeException commitFailure;

    // History, read by the test from any thread.
    private final AtomicInteger polls = new AtomicInteger();
    private final AtomicInteger enforcedRebalances = new AtomicInteger();
    private final AtomicInteger failedCommits = new AtomicInteger();
    private final List<Seek> seeks = new CopyOnWriteArrayList<>();
    private final List<TopicPartition> pauses = new CopyOnWriteArrayList<>();
    private final List<TopicPartition> resumes = new CopyOnWriteArrayList<>();
    private final List<Map<TopicPartition, OffsetAndMetadata>> commits = new CopyOnWriteArrayList<>();

    /** A consumer of {@code log} with the given settings, {@link State#UNSUBSCRIBED}. */
    public InMemoryConsumer(InMemoryLog log, InMemoryConsumerConfig config) {
        this.log = Objects.requireNonNull(log, "log");
        this.config = Objects.requireNonNull(config, "config");
        this.memberId = "in-memory-" + config.groupId() + "-" + MEMBER_IDS.incrementAndGet();
    }

    /** A consumer of {@code log} in {@code groupId} with {@code KafkaConsumer}'s default settings. */
    public InMemoryConsumer(InMemoryLog log, String groupId) {
        this(log, InMemoryConsumerConfig.forGroup(groupId));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Test-facing API: drive the group, inject failures, observe. Callable from any thread.
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Queues a cooperative rebalance that adds {@code partitions} to the assignment (those already owned are
     * ignored) and calls {@code onPartitionsAssigned} with only the new ones, inside the next {@code poll}.
     *
     * @throws IllegalArgumentException if a partition does not exist in the log
     * @throws IllegalStateException    if the consumer is manually assigned, closed, or subscribed to other topics
     */
    public void assignPartitions(Collection<TopicPartition> partitions) {
        cooperativeRebalance(List.of(), partitions);
    }

    /**
     * Queues a cooperative rebalance that revokes {@code partitions}: {@code onPartitionsRevoked(partitions)}, then
     * {@code onPartitionsAssigned} with no partitions, inside the next {@code poll}. When it runs, every partition
     * must be owned; otherwise that {@code poll} throws {@link IllegalStateException} and nothing changes.
     */
    public void revokePartitions(Collection<TopicPartition> partitions) {
        cooperativeRebalance(partitions, List.of());
    }

    /**
     * Queues one cooperative rebalance that revokes {@code revoked} and then adds {@code added}, as a partition
     * moving between members looks to each of them.
     *
     * @see #assignPartitions(Collection)
     * @see #revokePartitions(Collection)
     */
    public void cooperativeRebalance(Collection<TopicPartition> revoked, Collection<TopicPartition> added) {
        queue(new Cooperative(sortedCopy(revoked), validated(added)));
    }

    /**
     * Queues the loss of {@code partitions} (a missed session timeout, a fenced member): inside the next
     * {@code poll}, {@code onPartitionsLost(partitions)}, then they leave the assignment. Nothing is assigned in
     * their place; queue that separately. Unowned partitions make that {@code poll} throw
     * {@link IllegalStateException}.
     */
    public void losePartitions(Collection<TopicPartition> partitions) {
        queue(new Lost(sortedCopy(partitions)));
    }

    /**
     * Queues an eager rebalance: inside the next {@code poll}, {@code onPartitionsRevoked} with every owned
     * partition, then the assignment becomes {@code newAssignment} with fresh positions and no pauses, then
     * {@code onPartitionsAssigned(newAssignment)}.
     */
    public void eagerRebalance(Collection<TopicPartition> newAssignment) {
        queue(new Eager(validated(newAssignment)));
    }

    /** How many queued rebalances have not run yet. */
    public int pendingRebalances() {
        return pendingRebalances.size();
    }

    /**
     * Makes the next {@code count} commits ({@code commitSync} or {@code commitAsync}) fail with {@code error}
     * and store nothing: {@code commitSync} throws it, {@code commitAsync} hands it to its callback. Replaces any
     * failures still armed; {@code count == 0} disarms.
     */
    public void failNextCommits(int count, RuntimeException error) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, was " + count);
        }
        Objects.requireNonNull(error, "error");
        synchronized (failureLock) {
            commitFailuresLeft = count;
            commitFailure = error;
        }
    }

    /**
     * Arms a one-shot {@link WakeupException} for the next call of {@code method}, whatever that call would
     * otherwise do; arming twice throws on the next two calls.
     *
     * @param method one of {@link #WAKEUP_METHODS}
     */
    public void wakeupOnNext(String method) {
        if (!WAKEUP_METHODS.contains(method)) {
            throw new IllegalArgumentException(method + " cannot throw WakeupException; use one of " + WAKEUP_METHODS);
        }
        synchronized (armedWakeups) {
            armedWakeups.merge(method, 1, Integer::sum);
        }
    }

    /** The consumer's lifecycle state. */
    public State state() {
        return state;
    }

    /** The group generation, which grows by one with each rebalance that runs; 0 before the first. */
    public int generation() {
        return generation;
    }

    /** This member's id, unique per consumer instance in the JVM. */
    public String memberId() {
        return memberId;
    }

    /** The group this consumer commits for. */
    public String groupId() {
        return config.groupId();
    }

    /** How many times {@code poll} was called, including calls that threw. */
    public int pollCount() {
        return polls.get();
    }

    /** Every seek in call order; {@code seekToBeginning}/{@code seekToEnd} appear with the offset they chose. */
    public List<Seek> seeks() {
        return List.copyOf(seeks);
    }

    /** Every partition passed to {@code pause}, in call order. */
    public List<TopicPartition> pauseHistory() {
        return List.copyOf(pauses);
    }

    /** Every partition passed to {@code resume}, in call order. */
    public List<TopicPartition> resumeHistory() {
        return List.copyOf(resumes);
    }

    /** Every successful commit, sync or async, as the map it stored, in order. */
    public List<Map<TopicPartition, OffsetAndMetadata>> commits() {
        return List.copyOf(commits);
    }

    /** How many commits failed, injected or rejected. */
    public int failedCommitCount() {
        return failedCommits.get();
    }

    /** How many times {@code enforceRebalance} was called (it has no other effect). */
    public int enforcedRebalanceCount() {
        return enforcedRebalances.get();
    }

    /** The offsets this consumer's group has committed, from the log. */
    public Map<TopicPartition, OffsetAndMetadata> committedOffsets() {
        return log.committed(config.groupId());
    }

    // ---------------------------------------------------------------------------------------------------------
    // Consumer: subscription and assignment
    // ---------------------------------------------------------------------------------------------------------

    @Override
    public Set<TopicPartition> assignment() {
        acquire();
        return Collections.unmodifiableSet(new LinkedHashSet<>(assigned.keySet()));
    }

    @Override
    public Set<String> subscription() {
        acquire();
        Pattern p = subscribedPattern;
        if (p != null) {
            // as KafkaConsumer: the topics the pattern matches now
            Set<String> matched = new TreeSet<>();
            for (String t : log.topics()) {
                if (p.matcher(t).matches()) {
                    matched.add(t);
                }
            }
            return Collections.unmodifiableSet(matched);
        }
        return subscription;
    }

    @Override
    public void subscribe(Collection<String> topics) {
        subscribe(topics, NO_LISTENER);
    }

    /**
     * Subscribes to {@code topics} with {@code callback}, replacing an earlier subscription and listener; an empty
     * collection unsubscribes. Partitions already owned stay owned until the test revokes them.
     */
    @Override
    public void subscribe(Collection<String> topics, ConsumerRebalanceListener callback) {
        acquire();
        if (topics == null) {
            throw new IllegalArgumentException("Topic collection to subscribe to cannot be null");
        }
        if (callback == null) {
            throw new IllegalArgumentException("RebalanceListener cannot be null");
        }
        if (topics.isEmpty()) {
            unsubscribe();
            return;
        }
        for (String topic : topics) {
            if (topic == null || topic.isBlank()) {
                throw new IllegalArgumentException("Topic collection to subscribe to cannot contain null or empty topic");
            }
        }
        if (state == State.MANUALLY_ASSIGNED) {
            throw new IllegalStateException("Subscription to topics, partitions and pattern are mutually exclusive;"
                    + " consumer is " + state);
        }
        subscription = Collections.unmodifiableSet(new TreeSet<>(topics));
        subscribedPattern = null;
        listener = callback;
        state = State.SUBSCRIBED;
    }

    /**
     * Subscribes to every topic whose whole name matches {@code pattern}, now or created later, with
     * {@code callback}, replacing an earlier subscription and listener. The test still assigns partitions; a
     * partition of a topic the pattern does not match cannot be assigned.
     */
    @Override
    public void subscribe(Pattern pattern, ConsumerRebalanceListener callback) {
        acquire();
        if (pattern == null || pattern.pattern().isEmpty()) {
            throw new IllegalArgumentException("Topic pattern to subscribe to cannot be " + (pattern == null
                    ? "null" : "empty"));
        }
        if (callback == null) {
            throw new IllegalArgumentException("RebalanceListener cannot be null");
        }
        if (state == State.MANUALLY_ASSIGNED) {
            throw new IllegalStateException("Subscription to topics, partitions and pattern are mutually exclusive;"
                    + " consumer is " + state);
        }
        subscription = Set.of();
        subscribedPattern = pattern;
        listener = callback;
        state = State.SUBSCRIBED;
    }

    @Override
    public void subscribe(Pattern pattern) {
        subscribe(pattern, NO_LISTENER);
    }

    @Override
    public void subscribe(SubscriptionPattern pattern, ConsumerRebalanceListener callback) {
        throw unsupported("subscribe(SubscriptionPattern, ConsumerRebalanceListener)");
    }

    @Override
    public void subscribe(SubscriptionPattern pattern) {
        throw unsupported("subscribe(SubscriptionPattern)");
    }

    /**
     * Assigns exactly {@code partitions}, without callbacks; partitions kept keep their position and pause. An
     * empty collection unsubscribes.
     */
    @Override
    public void assign(Collection<TopicPartition> partitions) {
        acquire();
        if (partitions == null) {
            throw new IllegalArgumentException("Topic partition collection to assign to cannot be null");
        }
        if (partitions.isEmpty()) {
            unsubscribe();
            return;
        }
        for (TopicPartition partition : partitions) {
            if (partition == null || partition.topic() == null || partition.topic().isBlank()) {
                throw new IllegalArgumentException("Topic partitions to assign to cannot have null or empty topic");
            }
        }
        if (state == State.SUBSCRIBED) {
            throw new IllegalStateException("Subscription to topics, partitions and pattern are mutually exclusive;"
                    + " consumer is " + state);
        }
        assigned.keySet().retainAll(new LinkedHashSet<>(partitions));
        for (TopicPartition partition : partitions) {
            assigned.computeIfAbsent(partition, p -> new PartitionState());
        }
        state = State.MANUALLY_ASSIGNED;
    }

    /**
     * Leaves the group: while subscribed, calls {@code onPartitionsRevoked} with the owned partitions (if any) as
     * {@code KafkaConsumer} does; drops the assignment, the subscription and queued rebalances.
     */
    @Override
    public void unsubscribe() {
        acquire();
        RuntimeException error = null;
        if (state == State.SUBSCRIBED && !assigned.isEmpty()) {
            error = invoke(() -> listener.onPartitionsRevoked(sorted(assigned.keySet())));
        }
        assigned.clear();
        subscription = Set.of();
        subscribedPattern = null;
        listener = NO_LISTENER;
        pendingRebalances.clear();
        state = State.UNSUBSCRIBED;
        throwCallbackError(error);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Consumer: poll
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Runs queued rebalances, then returns what is available at once; never blocks, {@code timeout} is only
     * validated. See the class documentation for fetching rules.
     */
    @Override
    public ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
        acquire();
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("Timeout must not be negative");
        }
        if (inCallback) {
            throw new IllegalStateException("poll() called from inside a rebalance callback");
        }
        if (state == State.UNSUBSCRIBED) {
            throw new IllegalStateException("Consumer is not subscribed to any topics or assigned any partitions;"
                    + " consumer is " + state);
        }
        polls.incrementAndGet();
        blockingCall("poll");
        completeAsyncCommits();
        runPendingRebalances();
        throwIfWokenUp();
        return fetch();
    }

    private ConsumerRecords<byte[], byte[]> fetch() {
        List<TopicPartition> fetchable = new ArrayList<>();
        for (Map.Entry<TopicPartition, PartitionState> entry : assigned.entrySet()) {
            if (!entry.getValue().paused && log.exists(entry.getKey())) {
                fetchable.add(entry.getKey());
            }
        }
        resolvePositions(fetchable);
        resetOutOfRange(fetchable);

        int budget = config.maxPollRecords();
        Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> records = new LinkedHashMap<>();
        Map<TopicPartition, OffsetAndMetadata> nextOffsets = new LinkedHashMap<>();
        List<TopicPartition> served = new ArrayList<>();
        for (TopicPartition partition : fetchable) {
            if (budget == 0) {
                break;
            }
            PartitionState partitionState = assigned.get(partition);
            InMemoryLog.Slice slice = log.read(partition, partitionState.position, budget);
            if (slice.outOfRange()) {
                continue; // the log moved since the range check; the next poll resets it
            }
            if (!slice.records().isEmpty()) {
                List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>(slice.records().size());
                for (LogRecord record : slice.records()) {
                    out.add(toConsumerRecord(record));
                }
                records.put(partition, out);
                budget -= out.size();
                served.add(partition);
            }
            if (slice.nextOffset() != partitionState.position) {
                partitionState.position = slice.nextOffset();
                nextOffsets.put(partition, new OffsetAndMetadata(slice.nextOffset()));
            }
        }
        for (TopicPartition partition : served) {
            assigned.put(partition, assigned.remove(partition)); // to the back of the fetch order
        }
        return new ConsumerRecords<>(records, nextOffsets);
    }

    private void resolvePositions(Collection<TopicPartition> partitions) {
        List<TopicPartition> noOffset = new ArrayList<>();
        for (TopicPartition partition : partitions) {
            PartitionState partitionState = assigned.get(partition);
            if (partitionState.position != null) {
                continue;
            }
            Optional<OffsetAndMetadata> committed = log.committed(config.groupId(), partition);
            if (committed.isPresent()) {
                partitionState.position = committed.get().offset();
            } else if (config.autoOffsetReset() == AutoOffsetReset.NONE) {
                noOffset.add(partition);
            } else {
                partitionState.position = resetOffset(partition);
                LOG.debug("{} has no committed offset in group {}; reset to {}", partition, config.groupId(),
                        partitionState.position);
            }
        }
        if (!noOffset.isEmpty()) {
            throw new NoOffsetForPartitionException(noOffset);
        }
    }

    private void resetOutOfRange(Collection<TopicPartition> partitions) {
        Map<TopicPartition, Long> outOfRange = new LinkedHashMap<>();
        for (TopicPartition partition : partitions) {
            PartitionState partitionState = assigned.get(partition);
            long position = partitionState.position;
            if (position >= log.logStartOffset(partition) && position <= log.logEndOffset(partition)) {
                continue;
            }
            if (config.autoOffsetReset() == AutoOffsetReset.NONE) {
                outOfRange.put(partition, position);
            } else {
                partitionState.position = resetOffset(partition);
                LOG.info("Position {} of {} is out of range; reset to {}", position, partition,
                        partitionState.position);
            }
        }
        if (!outOfRange.isEmpty()) {
            throw new OffsetOutOfRangeException("Offsets out of range with no configured reset policy for partitions: "
                    + outOfRange, outOfRange);
        }
    }

    private long resetOffset(TopicPartition partition) {
        return config.autoOffsetReset() == AutoOffsetReset.EARLIEST
                ? log.logStartOffset(partition) : log.logEndOffset(partition);
    }

    private static ConsumerRecord<byte[], byte[]> toConsumerRecord(LogRecord record) {
        byte[] key = record.key();
        byte[] value = record.value();
        return new ConsumerRecord<>(record.partition().topic(), record.partition().partition(), record.offset(),
                record.timestamp(), TimestampType.CREATE_TIME,
                key == null ? ConsumerRecord.NULL_SIZE : key.length,
                value == null ? ConsumerRecord.NULL_SIZE : value.length,
                key, value, new RecordHeaders(record.headers()), Optional.empty());
    }

    // ---------------------------------------------------------------------------------------------------------
    // Rebalances
    // ---------------------------------------------------------------------------------------------------------

    private void queue(Rebalance rebalance) {
        State current = state;
        if (current == State.MANUALLY_ASSIGNED || current == State.CLOSED) {
            throw new IllegalStateException("cannot queue a rebalance: consumer is " + current);
        }
        if (current == State.SUBSCRIBED) {
            Set<String> topics = subscription;
            Pattern p = subscribedPattern;
            for (TopicPartition partition : rebalance.added()) {
                if (p != null ? !p.matcher(partition.topic()).matches() : !topics.contains(partition.topic())) {
                    throw new IllegalStateException("cannot assign " + partition + ": consumer is subscribed to "
                            + topics);
                }
            }
        }
        pendingRebalances.add(rebalance);
    }

    private void runPendingRebalances() {
        if (state != State.SUBSCRIBED) {
            return;
        }
        RuntimeException first = null;
        Rebalance rebalance;
        while ((rebalance = pendingRebalances.poll()) != null) {
            RuntimeException error = apply(rebalance);
            first = first == null ? error : first;
        }
        throwCallbackError(first);
    }

    private RuntimeException apply(Rebalance rebalance) {
        if (rebalance instanceof Cooperative cooperative) {
            requireOwned(cooperative.revoked(), "revoke");
            generation++;
            RuntimeException error = null;
            if (!cooperative.revoked().isEmpty()) {
                error = invoke(() -> listener.onPartitionsRevoked(cooperative.revoked()));
                assigned.keySet().removeAll(cooperative.revoked());
            }
            SortedSet<TopicPartition> added = new TreeSet<>(PARTITION_ORDER);
            for (TopicPartition partition : cooperative.added()) {
                if (!assigned.containsKey(partition)) {
                    assigned.put(partition, new PartitionState());
                    added.add(partition);
                }
            }
            RuntimeException assignError = invoke(() -> listener.onPartitionsAssigned(
                    Collections.unmodifiableSortedSet(added)));
            return error == null ? assignError : error;
        }
        if (rebalance instanceof Lost lost) {
            requireOwned(lost.lost(), "lose");
            generation++;
            losing = lost.lost();
            RuntimeException error;
            try {
                error = invoke(() -> listener.onPartitionsLost(lost.lost()));
            } finally {
                losing = Set.of();
            }
            assigned.keySet().removeAll(lost.lost());
            return error;
        }
        Eager eager = (Eager) rebalance;
        generation++;
        SortedSet<TopicPartition> owned = sorted(assigned.keySet());
        RuntimeException error = invoke(() -> listener.onPartitionsRevoked(owned));
        assigned.clear();
        for (TopicPartition partition : eager.assignment()) {
            assigned.put(partition, new PartitionState());
        }
        RuntimeException assignError = invoke(() -> listener.onPartitionsAssigned(eager.assignment()));
        return error == null ? assignError : error;
    }

    private void requireOwned(Set<TopicPartition> partitions, String move) {
        Set<TopicPartition> missing = new TreeSet<>(PARTITION_ORDER);
        missing.addAll(partitions);
        missing.removeAll(assigned.keySet());
        if (!missing.isEmpty()) {
            throw new IllegalStateException("cannot " + move + " " + missing + ": not assigned; the assignment is "
                    + sorted(assigned.keySet()));
        }
    }

    private RuntimeException invoke(Runnable callback) {
        inCallback = true;
        try {
            callback.run();
            return null;
        } catch (RuntimeException e) {
            LOG.warn("Rebalance listener threw", e);
            return e;
        } finally {
            inCallback = false;
        }
    }

    private static void throwCallbackError(RuntimeException error) {
        if (error == null) {
            return;
        }
        if (error instanceof WakeupException || error instanceof InterruptException) {
            throw error;
        }
        throw new KafkaException("User rebalance callback throws an error", error);
    }

    private SortedSet<TopicPartition> validated(Collection<TopicPartition> partitions) {
        SortedSet<TopicPartition> copy = sortedCopy(partitions);
        for (TopicPartition partition : copy) {
            if (!log.exists(partition)) {
                throw new IllegalArgumentException("unknown partition " + partition + "; create its topic first");
            }
        }
        return copy;
    }

    private static SortedSet<TopicPartition> sortedCopy(Collection<TopicPartition> partitions) {
        Objects.requireNonNull(partitions, "partitions");
        for (TopicPartition partition : partitions) {
            Objects.requireNonNull(partition, "partition");
        }
        return sorted(partitions);
    }

    private static SortedSet<TopicPartition> sorted(Collection<TopicPartition> partitions) {
        SortedSet<TopicPartition> set = new TreeSet<>(PARTITION_ORDER);
        set.addAll(partitions);
        return Collections.unmodifiableSortedSet(set);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Consumer: commits
    // ---------------------------------------------------------------------------------------------------------

    /** Commits the position of every assigned partition that has one (partitions awaiting a position are left out). */
    @Override
    public void commitSync() {
        commitSync(Duration.ZERO);
    }

    @Override
    public void commitSync(Duration timeout) {
        acquire();
        commitSyncInternal(consumedPositions());
    }

    @Override
    public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
        commitSync(offsets, Duration.ZERO);
    }

    @Override
    public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
        acquire();
        Objects.requireNonNull(offsets, "offsets");
        commitSyncInternal(new LinkedHashMap<>(offsets));
    }

    private void commitSyncInternal(Map<TopicPartition, OffsetAndMetadata> offsets) {
        throwIfArmed("commitSync");
        completeAsyncCommits();
        if (offsets.isEmpty()) {
            return;
        }
        throwIfWokenUp();
        RuntimeException error = commit(offsets);
        if (error != null) {
            throw error;
        }
    }

    @Override
    public void commitAsync() {
        commitAsync(null);
    }

    @Override
    public void commitAsync(OffsetCommitCallback callback) {
        acquire();
        commitAsyncInternal(consumedPositions(), callback);
    }

    @Override
    public void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets, OffsetCommitCallback callback) {
        acquire();
        Objects.requireNonNull(offsets, "offsets");
        commitAsyncInternal(new LinkedHashMap<>(offsets), callback);
    }

    private void commitAsyncInternal(Map<TopicPartition, OffsetAndMetadata> offsets, OffsetCommitCallback callback) {
        RuntimeException error = offsets.isEmpty() ? null : commit(offsets);
        asyncResults.add(new AsyncCommitResult(callback, Collections.unmodifiableMap(offsets), error));
    }

    private RuntimeException commit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        if (state == State.SUBSCRIBED) {
            Set<TopicPartition> rejected = new TreeSet<>(PARTITION_ORDER);
            for (TopicPartition partition : offsets.keySet()) {
                if (!assigned.containsKey(partition) || losing.contains(partition)) {
                    rejected.add(partition);
                }
            }
            if (!rejected.isEmpty()) {
                failedCommits.incrementAndGet();
                return new CommitFailedException("Commit cannot be completed: " + rejected
                        + " are not owned by this member of group " + config.groupId() + " (assignment "
                        + sorted(assigned.keySet()) + (losing.isEmpty() ? "" : ", lost " + losing) + ")");
            }
        }
        synchronized (failureLock) {
            if (commitFailuresLeft > 0) {
                commitFailuresLeft--;
                failedCommits.incrementAndGet();
                return commitFailure;
            }
        }
        log.commit(config.groupId(), offsets);
        commits.add(Map.copyOf(offsets));
        return null;
    }

    private Map<TopicPartition, OffsetAndMetadata> consumedPositions() {
        Map<TopicPartition, OffsetAndMetadata> positions = new LinkedHashMap<>();
        assigned.forEach((partition, partitionState) -> {
            if (partitionState.position != null) {
                positions.put(partition, new OffsetAndMetadata(partitionState.position));
            }
        });
        return positions;
    }

    private void completeAsyncCommits() {
        List<AsyncCommitResult> done = new ArrayList<>(asyncResults);
        asyncResults.clear();
        for (AsyncCommitResult result : done) {
            if (result.callback() != null) {
                result.callback().onComplete(result.offsets(), result.error());
            } else if (result.error() != null) {
                LOG.warn("Asynchronous commit of {} failed", result.offsets(), result.error());
            }
        }
    }

    /**
     * The group's committed offsets for {@code partitions}, assigned or not; a partition without one maps to
     * {@code null}, as with {@code KafkaConsumer}.
     */
    @Override
    public Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions) {
        return committed(partitions, Duration.ZERO);
    }

    @Override
    public Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions, Duration timeout) {
        acquire();
        Objects.requireNonNull(partitions, "partitions");
        blockingCall("committed");
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        for (TopicPartition partition : partitions) {
            out.put(partition, log.committed(config.groupId(), partition).orElse(null));
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Consumer: positions
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Moves the position of an assigned partition; the next {@code poll} fetches from there (resetting it first
     * if it is outside the log).
     */
    @Override
    public void seek(TopicPartition partition, long offset) {
        acquire();
        if (offset < 0) {
            throw new IllegalArgumentException("seek offset must not be a negative number");
        }
        assignedState(partition).position = offset;
        seeks.add(new Seek(partition, offset));
    }

    @Override
    public void seek(TopicPartition partition, OffsetAndMetadata offsetAndMetadata) {
        Objects.requireNonNull(offsetAndMetadata, "offsetAndMetadata");
        seek(partition, offsetAndMetadata.offset());
    }

    /**
     * Moves the given assigned partitions, or every assigned partition if none are given, to the log start,
     * resolved now (where {@code KafkaConsumer} resolves it at the next {@code poll} or {@code position}).
     */
    @Override
    public void seekToBeginning(Collection<TopicPartition> partitions) {
        seekTo(partitions, true);
    }

    /** As {@link #seekToBeginning(Collection)}, to the log end. */
    @Override
    public void seekToEnd(Collection<TopicPartition> partitions) {
        seekTo(partitions, false);
    }

    private void seekTo(Collection<TopicPartition> partitions, boolean beginning) {
        acquire();
        if (partitions == null) {
            throw new IllegalArgumentException("Partitions collection cannot be null");
        }
        Collection<TopicPartition> targets = partitions.isEmpty() ? List.copyOf(assigned.keySet()) : partitions;
        for (TopicPartition partition : targets) {
            assignedState(partition);
        }
        for (TopicPartition partition : targets) {
            long offset = beginning ? log.logStartOffset(partition) : log.logEndOffset(partition);
            assigned.get(partition).position = offset;
            seeks.add(new Seek(partition, offset));
        }
    }

    /**
     * The position of an assigned partition, resolving it first (committed offset, else {@code auto.offset.reset})
     * if it has none yet. A committed offset outside the log is returned as is until the next {@code poll} resets
     * it, as with {@code KafkaConsumer}.
     */
    @Override
    public long position(TopicPartition partition) {
        return position(partition, Duration.ZERO);
    }

    @Override
    public long position(TopicPartition partition, Duration timeout) {
        acquire();
        PartitionState partitionState = assigned.get(partition);
        if (partitionState == null) {
            throw new IllegalStateException("You can only check the position for partitions assigned to this"
                    + " consumer; " + partition + " is not assigned");
        }
        throwIfArmed("position");
        if (partitionState.position == null) {
            throwIfWokenUp();
            if (!log.exists(partition)) {
                throw new TimeoutException("Timeout of " + timeout.toMillis()
                        + "ms expired before the position for partition " + partition + " could be determined");
            }
            resolvePositions(List.of(partition));
        }
        return partitionState.position;
    }

    @Override
    public void pause(Collection<TopicPartition> partitions) {
        acquire();
        for (TopicPartition partition : partitions) {
            assignedState(partition);
        }
        for (TopicPartition partition : partitions) {
            assigned.get(partition).paused = true;
            pauses.add(partition);
        }
    }

    @Override
    public void resume(Collection<TopicPartition> partitions) {
        acquire();
        for (TopicPartition partition : partitions) {
            assignedState(partition);
        }
        for (TopicPartition partition : partitions) {
            assigned.get(partition).paused = false;
            resumes.add(partition);
        }
    }

    @Override
    public Set<TopicPartition> paused() {
        acquire();
        Set<TopicPartition> paused = new LinkedHashSet<>();
        assigned.forEach((partition, partitionState) -> {
            if (partitionState.paused) {
                paused.add(partition);
            }
        });
        return Collections.unmodifiableSet(paused);
    }

    @Override
    public OptionalLong currentLag(TopicPartition partition) {
        acquire();
        PartitionState partitionState = assignedState(partition);
        if (partitionState.position == null || !log.exists(partition)) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(Math.max(0, log.logEndOffset(partition) - partitionState.position));
    }

    private PartitionState assignedState(TopicPartition partition) {
        Objects.requireNonNull(partition, "partition");
        PartitionState partitionState = assigned.get(partition);
        if (partitionState == null) {
            throw new IllegalStateException("No current assignment for partition " + partition);
        }
        return partitionState;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Consumer: metadata
    // ---------------------------------------------------------------------------------------------------------

    @Override
    public Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions) {
        return beginningOffsets(partitions, Duration.ZERO);
    }

    @Override
    public Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions, Duration timeout) {
        return listOffsets("beginningOffsets", partitions, timeout, true);
    }

    @Override
    public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) {
        return endOffsets(partitions, Duration.ZERO);
    }

    @Override
    public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions, Duration timeout) {
        return listOffsets("endOffsets", partitions, timeout, false);
    }

    private Map<TopicPartition, Long> listOffsets(String method, Collection<TopicPartition> partitions,
                                                  Duration timeout, boolean beginning) {
        acquire();
        Objects.requireNonNull(partitions, "partitions");
        blockingCall(method);
        Map<TopicPartition, Long> out = new HashMap<>();
        for (TopicPartition partition : partitions) {
            requireExists(partition, method, timeout);
            out.put(partition, beginning ? log.logStartOffset(partition) : log.logEndOffset(partition));
        }
        return out;
    }

    @Override
    public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> timestampsToSearch) {
        return offsetsForTimes(timestampsToSearch, Duration.ZERO);
    }

    @Override
    public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> timestampsToSearch,
                                                                   Duration timeout) {
        acquire();
        Objects.requireNonNull(timestampsToSearch, "timestampsToSearch");
        blockingCall("offsetsForTimes");
        Map<TopicPartition, OffsetAndTimestamp> out = new HashMap<>();
        timestampsToSearch.forEach((partition, timestamp) -> {
            if (timestamp < 0) {
                throw new IllegalArgumentException("The target time for partition " + partition + " is "
                        + timestamp + ". The target time cannot be negative.");
            }
            requireExists(partition, "offsetsForTimes", timeout);
            out.put(partition, log.firstAtOrAfter(partition, timestamp)
                    .map(record -> new OffsetAndTimestamp(record.offset(), record.timestamp()))
                    .orElse(null));
        });
        return out;
    }

    /** The log's topics and their partitions, with no broker nodes. */
    @Override
    public Map<String, List<PartitionInfo>> listTopics() {
        return listTopics(Duration.ZERO);
    }

    @Override
    public Map<String, List<PartitionInfo>> listTopics(Duration timeout) {
        acquire();
        blockingCall("listTopics");
        Map<String, List<PartitionInfo>> out = new LinkedHashMap<>();
        for (String topic : log.topics()) {
            out.put(topic, partitionInfos(topic));
        }
        return out;
    }

    /** The partitions of {@code topic}, empty if it does not exist. */
    @Override
    public List<PartitionInfo> partitionsFor(String topic) {
        return partitionsFor(topic, Duration.ZERO);
    }

    @Override
    public List<PartitionInfo> partitionsFor(String topic, Duration timeout) {
        acquire();
        blockingCall("partitionsFor");
        return partitionInfos(topic);
    }

    private List<PartitionInfo> partitionInfos(String topic) {
        int count = log.partitionCount(topic).orElse(0);
        List<PartitionInfo> infos = new ArrayList<>(count);
        for (int partition = 0; partition < count; partition++) {
            infos.add(new PartitionInfo(topic, partition, Node.noNode(), new Node[0], new Node[0]));
        }
        return infos;
    }

    private void requireExists(TopicPartition partition, String method, Duration timeout) {
        if (!log.exists(partition)) {
            throw new TimeoutException(method + " timed out after " + timeout.toMillis()
                    + "ms: unknown partition " + partition);
        }
    }

    /** The group id, this member's id, and the generation, which grows by one with each rebalance run. */
    @Override
    @SuppressWarnings("removal") // 4.4 deprecates every constructor for users; an implementation has to build one
    public ConsumerGroupMetadata groupMetadata() {
        acquire();
        return new ConsumerGroupMetadata(config.groupId(), generation, memberId, Optional.empty());
    }

    /** Counts the call and does nothing else: rebalances happen only when the test queues them. */
    @Override
    public void enforceRebalance() {
        enforceRebalance(null);
    }

    @Override
    public void enforceRebalance(String reason) {
        acquire();
        if (state != State.SUBSCRIBED) {
            throw new IllegalStateException("Tried to force a rebalance but consumer does not have a group;"
                    + " consumer is " + state);
        }
        enforcedRebalances.incrementAndGet();
    }

    /**
     * Always empty: the fixture keeps no metrics. Like {@code KafkaConsumer}'s, callable from any thread and in any
     * state, closed included, and it claims no ownership: a metrics registry polls it from its own thread (as
     * Micrometer's {@code KafkaClientMetrics} does) while the listener thread owns the consumer.
     */
    @Override
    public Map<MetricName, ? extends Metric> metrics() {
        return Map.of();
    }

    /** Ignored: the fixture keeps no metrics. */
    @Override
    public void registerMetricForSubscription(KafkaMetric metric) {
        acquire();
    }

    /** Ignored: the fixture keeps no metrics. */
    @Override
    public void unregisterMetricFromSubscription(KafkaMetric metric) {
        acquire();
    }

    @Override
    public Uuid clientInstanceId(Duration timeout) {
        throw unsupported("clientInstanceId (client telemetry)");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Consumer: wakeup and close
    // ---------------------------------------------------------------------------------------------------------

    /** Makes the current or next blocking call throw {@link WakeupException} once; any thread, any state. */
    @Override
    public void wakeup() {
        wakeupRequested.set(true);
    }

    @Override
    public void close() {
        close(CloseOptions.timeout(Duration.ofSeconds(30)));
    }

    /** As {@link #close()}; the timeout is ignored. */
    @Deprecated
    @Override
    public void close(Duration timeout) {
        close(CloseOptions.timeout(timeout));
    }

    /**
     * Closes the consumer; a second close does nothing. While subscribed, owned partitions are revoked through
     * {@code onPartitionsRevoked} first (the member leaves the group), except with
     * {@link CloseOptions.GroupMembershipOperation#REMAIN_IN_GROUP}. Pending {@code commitAsync} callbacks run.
     * Wakeups are ignored. A callback error is thrown after the consumer is closed, wrapped in
     * {@link KafkaException}.
     */
    @Override
    public void close(CloseOptions options) {
        Objects.requireNonNull(options, "options");
        ownerCheck();
        if (state == State.CLOSED) {
            return;
        }
        closing = true; // KafkaConsumer disables wakeups while it closes
        RuntimeException error = null;
        try {
            if (state == State.SUBSCRIBED && !assigned.isEmpty()
                    && options.groupMembershipOperation() != CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP) {
                SortedSet<TopicPartition> owned = sorted(assigned.keySet());
                error = invoke(() -> listener.onPartitionsRevoked(owned));
            }
            completeAsyncCommits();
        } catch (RuntimeException e) {
            error = error == null ? e : error;
        } finally {
            closing = false;
            assigned.clear();
            pendingRebalances.clear();
            state = State.CLOSED;
        }
        if (error != null) {
            throw new KafkaException("Failed to close kafka consumer", error);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Guards
    // ---------------------------------------------------------------------------------------------------------

    private void acquire() {
        ownerCheck();
        if (state == State.CLOSED) {
            throw new IllegalStateException("This consumer has already been closed; consumer is " + state);
        }
    }

    private void ownerCheck() {
        Thread current = Thread.currentThread();
        Thread ownerThread = owner.compareAndExchange(null, current);
        if (ownerThread != null && ownerThread != current) {
            throw new ConcurrentModificationException("KafkaConsumer is not safe for multi-threaded access");
        }
    }

    private void blockingCall(String method) {
        throwIfArmed(method);
        throwIfWokenUp();
    }

    private void throwIfArmed(String method) {
        if (closing) {
            return;
        }
        synchronized (armedWakeups) {
            Integer armed = armedWakeups.get(method);
            if (armed == null) {
                return;
            }
            if (armed == 1) {
                armedWakeups.remove(method);
            } else {
                armedWakeups.put(method, armed - 1);
            }
        }
        throw new WakeupException();
    }

    private void throwIfWokenUp() {
        if (!closing && wakeupRequested.getAndSet(false)) {
            throw new WakeupException();
        }
    }

    private static UnsupportedOperationException unsupported(String what) {
        return new UnsupportedOperationException(what + " is not supported by InMemoryConsumer");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Internal state
    // ---------------------------------------------------------------------------------------------------------

    /** One assigned partition: its position ({@code null} while awaiting one) and whether it is paused. */
    private static final class PartitionState {
        private Long position;
        private boolean paused;
    }

    private record AsyncCommitResult(OffsetCommitCallback callback, Map<TopicPartition, OffsetAndMetadata> offsets,
                                     RuntimeException error) {
    }

    /** A rebalance the test queued; it runs inside the next {@code poll}. */
    private sealed interface Rebalance permits Cooperative, Lost, Eager {
        /** The partitions this rebalance adds to the assignment. */
        Set<TopicPartition> added();
    }

    private record Cooperative(SortedSet<TopicPartition> revoked, SortedSet<TopicPartition> added)
            implements Rebalance {
    }

    private record Lost(SortedSet<TopicPartition> lost) implements Rebalance {
        @Override
        public Set<TopicPartition> added() {
            return Set.of();
        }
    }

    private record Eager(SortedSet<TopicPartition> assignment) implements Rebalance {
        @Override
        public Set<TopicPartition> added() {
            return assignment;
        }
    }
}
