package io.sluice.testing;

import io.sluice.dsl.Message;
import io.sluice.dsl.TopicDefinition;
import io.sluice.dsl.Topology;
import io.sluice.runtime.JobObserver;
import io.sluice.runtime.SluiceEvent;
import io.sluice.runtime.SluiceEventListener;
import io.sluice.runtime.internal.DeadLetterPublisher;
import io.sluice.runtime.internal.ListenerLoop;
import io.sluice.runtime.internal.LoopSettings;
import io.sluice.runtime.PartitionState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;

/**
 * Runs the real Sluice runtime — listener loop, filter chains, consumers, failure policy — over an
 * {@link InMemoryConsumer}, a {@link ManualClock} and a {@link ManualExecutor}, so a service author can test a
 * topology without a broker, deterministically:
 *
 * <pre>{@code
 * TestDriver driver = TestDriver.create().start(topology);
 * driver.send("orders", 0, "k1", "v1").assign("orders", 0).runUntilIdle();
 * assertEquals(List.of("v1"), driver.consumedValues("orders", 0));
 * }</pre>
 *
 * <p>Nothing happens by itself: {@link #step()} runs one listener iteration, {@link #runJobs()} the queued jobs,
 * {@link #runUntilIdle()} both until nothing changes, and {@link #advance(Duration)} moves time so pauses and
 * backoffs end. "Consumed" means handed to a consumer in a job that succeeded. Not thread-safe: drive it from one
 * thread.
 */
public final class TestDriver implements AutoCloseable {

    private static final int DEFAULT_PARTITIONS = 4;
    private static final int MAX_IDLE_ROUNDS = 100_000;
    /** The name of the driver's one consumer instance, as events and {@link #partitions()} give it. */
    public static final String INSTANCE = "test-driver";

    private final ManualClock clock = new ManualClock();
    private final InMemoryLog log = new InMemoryLog(clock);
    private final ManualExecutor executor = new ManualExecutor();
    private final DriverReportQueue reports = new DriverReportQueue(executor, clock);
    private final List<SluiceEvent> events = new CopyOnWriteArrayList<>();
    private final List<SluiceEventListener> listeners = new CopyOnWriteArrayList<>();
    private JobObserver jobObserver = JobObserver.NONE;
    private final java.util.Set<TopicPartition> operatorPauses = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.util.Set<TopicPartition> operatorMoves = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final List<ProducerRecord<byte[], byte[]>> deadLetters = new CopyOnWriteArrayList<>();
    // Kafka runs with auto.offset.reset=none under Sluice: the runtime applies the user's reset itself
    private InMemoryConsumerConfig config = InMemoryConsumerConfig.forGroup("sluice-test")
            .withAutoOffsetReset(AutoOffsetReset.NONE);
    private LoopSettings settings = new LoopSettings(Duration.ofMillis(100), Duration.ofSeconds(5),
            Duration.ofSeconds(10), Duration.ofSeconds(5)).withAutoOffsetReset("earliest");
    private int deadLetterFailures;
    private InMemoryConsumer consumer;
    private ListenerLoop loop;
    private Topology topology;
    private InMemoryTransactions transactions;
    private int transactionalProducers = 2;
    private Duration maxJobDuration = Duration.ofSeconds(30);

    private TestDriver() {
    }

    /** A driver with group {@code sluice-test}, {@code auto.offset.reset=earliest}, 500 records per poll. */
    public static TestDriver create() {
        return new TestDriver();
    }

    // ---------------------------------------------------------------- set-up

    /**
     * Sets the consumer group ({@code group.id}, {@code sluice-test} by default); before {@link #start}. Two drivers
     * with different groups can share one offset table, as two services do.
     */
    public TestDriver groupId(String groupId) {
        requireNotStarted();
        config = new InMemoryConsumerConfig(groupId, config.autoOffsetReset(), config.maxPollRecords());
        return this;
    }

    /** The consumer group this driver's runtime consumes in. */
    public String groupId() {
        return config.groupId();
    }

    /**
     * Sets the transactional producers of topics declared with {@code kafkaTransactions()} (default 2 producers,
     * jobs up to 30 s by the manual clock); before {@link #start}.
     */
    public TestDriver kafkaTransactions(int producers, Duration maxJob) {
        requireNotStarted();
        this.transactionalProducers = producers;
        this.maxJobDuration = maxJob;
        return this;
    }

    /**
     * The in-memory transactional producers (available after {@link #start} when the topology declares
     * {@code kafkaTransactions()}): what every transaction sent and committed, or aborted.
     */
    public InMemoryTransactions transactions() {
        if (transactions == null) {
            throw new IllegalStateException("the driver runs no Kafka transactions: declare kafkaTransactions()");
        }
        return transactions;
    }

    /** Sets {@code max.poll.records}; before {@link #start}. */
    public TestDriver maxPollRecords(int max) {
        requireNotStarted();
        config = config.withMaxPollRecords(max);
        return this;
    }

    /**
     * Sets the user's {@code auto.offset.reset} ({@code EARLIEST} by default); before {@link #start}. As in the
     * runtime, the in-memory consumer itself runs with {@code none} and the runtime applies this setting to partitions
     * without a valid offset (on offset-managed topics only when nothing is stored).
     */
    public TestDriver autoOffsetReset(AutoOffsetReset reset) {
        requireNotStarted();
        settings = settings.withAutoOffsetReset(reset.name());
        return this;
    }

    /** Sets the listener's commit interval and revocation grace; before {@link #start}. */
    public TestDriver timings(Duration commitInterval, Duration revocationGrace) {
        requireNotStarted();
        settings = new LoopSettings(settings.pollTimeout(), commitInterval, revocationGrace, settings.commitTimeout(),
                settings.blockedAlertAfter(), settings.autoOffsetReset());
        return this;
    }

    /** Sets how long a partition may fail without progress before it is reported as blocked; before {@link #start}. */
    public TestDriver blockedAlertAfter(Duration after) {
        requireNotStarted();
        settings = settings.withBlockedAlertAfter(after);
        return this;
    }

    /**
     * Adds a listener that receives every event too (metrics, a dashboard), after the driver records it; before
     * {@link #start}. As in the runtime, an exception a listener throws is logged and otherwise ignored.
     */
    public TestDriver listener(SluiceEventListener listener) {
        requireNotStarted();
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /**
     * Wraps every batch job with {@code observer}, as {@code SluiceRuntime.jobObserver} does; before {@link #start}.
     * Jobs run on the thread that calls {@link #runJobs()}.
     */
    public TestDriver jobObserver(JobObserver observer) {
        requireNotStarted();
        jobObserver = Objects.requireNonNull(observer, "observer");
        return this;
    }

    /**
     * Pauses a partition for an operator, as {@code SluiceRuntime.pauseByOperator} does: from the next step it is
     * not fetched, through rebalances, until {@link #resumeByOperator(String, int)}.
     */
    public TestDriver pauseByOperator(String topic, int partition) {
        operatorPauses.add(new TopicPartition(topic, partition));
        return this;
    }

    /**
     * Tells the driver an operator moved the partition's stored offset, as
     * {@code SluiceRuntime.enforceAfterOperatorMove} does: at the next step it voids its marks and is enforced again.
     */
    public TestDriver enforceAfterOperatorMove(String topic, int partition) {
        operatorMoves.add(new TopicPartition(topic, partition));
        return this;
    }

    /** Ends an operator's pause, as {@code SluiceRuntime.resumeByOperator} does. */
    public TestDriver resumeByOperator(String topic, int partition) {
        operatorPauses.remove(new TopicPartition(topic, partition));
        return this;
    }

    /** Creates a topic with {@code partitions} partitions; topics the topology names are created with 4. */
    public TestDriver createTopic(String topic, int partitions) {
        log.createTopic(topic, partitions);
        return this;
    }

    /**
     * Starts the runtime on {@code topology}: creates missing topics and subscribes. Returns this. The driver runs
     * one consumer instance, so the topology must have one subscription: for a topology with consumer groups or
     * subscription groups, start a driver per subscription with {@code topology.select(subscription)}. The
     * subscription's consumer group (when it names one) and its {@code max.poll.records} apply.
     *
     * @throws IllegalArgumentException when the topology has more than one subscription
     */
    public TestDriver start(Topology topology) {
        requireNotStarted();
        this.topology = Objects.requireNonNull(topology, "topology");
        if (topology.subscriptions().size() != 1) {
            throw new IllegalArgumentException("a test driver runs one subscription, but " + topology + " has "
                    + topology.subscriptions().size() + "; start one driver per subscription with"
                    + " topology.select(subscription)");
        }
        io.sluice.dsl.Subscription subscription = topology.subscriptions().get(0);
        subscription.group().ifPresent(g -> config = new InMemoryConsumerConfig(g, config.autoOffsetReset(),
                config.maxPollRecords()));
        String maxPoll = subscription.kafka().get("max.poll.records");
        if (maxPoll != null) {
            config = config.withMaxPollRecords(Integer.parseInt(maxPoll.trim()));
        }
        for (TopicDefinition<?, ?> t : topology.topics()) {
            if (t.pattern().isEmpty()) {
                ensureTopic(t.name()); // a pattern's topics are created by the test (createTopic), before or after
            }
            t.settings().deadLetterQueue().flatMap(io.sluice.dsl.DeadLetterQueue::destination)
                    .ifPresent(this::ensureTopic);
        }
        consumer = new InMemoryConsumer(log, config);
        loop = new ListenerLoop(INSTANCE, topology, consumer, clock, this::nanos, executor, reports, settings,
                this::emit,
                publisher());
        loop.jobObserver(jobObserver);
        loop.operatorPauses(operatorPauses);
        loop.operatorMoves(operatorMoves);
        if (topology.topics().stream().anyMatch(t -> t.settings().kafkaTransactions())) {
            transactions = new InMemoryTransactions(log, clock, () -> consumer, "driver-" + config.groupId(),
                    transactionalProducers);
            loop.kafkaTransactions(transactions.pool(), maxJobDuration);
        }
        loop.subscribe();
        return this;
    }

    /** The manual clock on the runtime's monotonic nanosecond scale (it never moves back). */
    private long nanos() {
        Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private void emit(SluiceEvent event) {
        events.add(event);
        for (SluiceEventListener l : listeners) {
            l.on(event);
        }
    }

    private void ensureTopic(String name) {
        if (log.partitionCount(name).isEmpty()) {
            log.createTopic(name, DEFAULT_PARTITIONS);
        }
    }

    private DeadLetterPublisher publisher() {
        return record -> {
            synchronized (this) {
                if (deadLetterFailures > 0) {
                    deadLetterFailures--;
                    throw new IllegalStateException("dead-letter publication failed (injected by the test)");
                }
            }
            deadLetters.add(record);
            int partitions = log.partitionCount(record.topic()).orElse(1);
            int partition = record.key() == null ? 0 : Math.floorMod(Arrays.hashCode(record.key()), partitions);
            log.append(new TopicPartition(record.topic(), partition), record.key(), record.value(),
                    clock.millis(), record.headers());
        };
    }

    // ---------------------------------------------------------------- producing

    /** Appends a message with UTF-8 key and value, stamped now; returns this. */
    public TestDriver send(String topic, int partition, String key, String value) {
        sendAt(topic, partition, utf8(key), utf8(value), clock.millis(), List.of());
        return this;
    }

    /** Appends a message with raw bytes, stamped now; returns this. */
    public TestDriver send(String topic, int partition, byte[] key, byte[] value) {
        sendAt(topic, partition, key, value, clock.millis(), List.of());
        return this;
    }

    /** Appends a message with a timestamp and headers; returns its offset. */
    public long sendAt(String topic, int partition, byte[] key, byte[] value, long timestamp,
                       List<io.sluice.dsl.Header> headers) {
        ensureTopic(topic);
        List<Header> raw = new java.util.ArrayList<>(headers.size());
        for (io.sluice.dsl.Header h : headers) {
            raw.add(new org.apache.kafka.common.header.internals.RecordHeader(h.key(), h.value()));
        }
        return log.append(new TopicPartition(topic, partition), key, value, timestamp, raw);
    }

    /** The in-memory broker log: gaps, retention, direct appends. */
    public InMemoryLog log() {
        return log;
    }

    // ---------------------------------------------------------------- the group

    /** Assigns partitions of {@code topic} at the next step (a cooperative rebalance). */
    public TestDriver assign(String topic, int... partitions) {
        consumer().assignPartitions(tps(topic, partitions));
        return this;
    }

    /** Revokes partitions of {@code topic} at the next step (a cooperative rebalance). */
    public TestDriver revoke(String topic, int... partitions) {
        consumer().revokePartitions(tps(topic, partitions));
        return this;
    }

    /** Loses partitions of {@code topic} at the next step (no commit may happen). */
    public TestDriver lose(String topic, int... partitions) {
        consumer().losePartitions(tps(topic, partitions));
        return this;
    }

    /** An eager rebalance at the next step: everything is revoked, then {@code assignment} assigned. */
    public TestDriver eagerRebalance(List<TopicPartition> assignment) {
        consumer().eagerRebalance(assignment);
        return this;
    }

    /**
     * While revoked partitions wait for their in-flight jobs, whether the jobs are held (they outlast the grace
     * period, and the clock moves past it) or run (the default: they finish within it).
     */
    public TestDriver holdJobsDuringRevocation(boolean hold) {
        reports.holdJobs(hold);
        return this;
    }

    /** Makes the next {@code count} commits fail. */
    public TestDriver failNextCommits(int count) {
        consumer().failNextCommits(count,
                new org.apache.kafka.common.errors.TimeoutException("commit failed (injected by the test)"));
        return this;
    }

    /** Makes the next {@code count} commits fail with {@code error} (e.g. a {@code RebalanceInProgressException}). */
    public TestDriver failNextCommits(int count, RuntimeException error) {
        consumer().failNextCommits(count, error);
        return this;
    }

    /** Makes the next {@code count} dead-letter publications fail. */
    public synchronized TestDriver failNextDeadLetters(int count) {
        deadLetterFailures = count;
        return this;
    }

    // ---------------------------------------------------------------- running

    /** The manual clock every part of the runtime reads. */
    public ManualClock clock() {
        return clock;
    }

    /** Moves the clock forward; returns this. */
    public TestDriver advance(Duration duration) {
        clock.advance(duration);
        return this;
    }

    /** Runs one listener step (reports, expired pauses, commits, poll, dispatch); jobs are only queued. */
    public TestDriver step() {
        loop().step();
        return this;
    }

    /** Runs every queued job on this thread; returns how many ran. */
    public int runJobs() {
        return executor.runAll();
    }

    /** Runs the oldest queued job on this thread (not the jobs it queues); returns whether there was one. */
    public boolean runNextJob() {
        return executor.runNext();
    }

    /** How many jobs are queued, dispatched but not yet run. */
    public int pendingJobs() {
        return executor.pending();
    }

    /** Steps and runs jobs until a round changes nothing. Time does not move. */
    public TestDriver runUntilIdle() {
        Object before = fingerprint();
        for (int i = 0; i < MAX_IDLE_ROUNDS; i++) {
            step();
            runJobs();
            Object after = fingerprint();
            if (after.equals(before) && reports.size() == 0 && executor.pending() == 0
                    && consumer.pendingRebalances() == 0) {
                return this;
            }
            before = after;
        }
        throw new IllegalStateException("the runtime did not become idle within " + MAX_IDLE_ROUNDS + " rounds");
    }

    /** Advances the clock by {@code duration} and runs until idle. */
    public TestDriver advanceAndRun(Duration duration) {
        advance(duration);
        return runUntilIdle();
    }

    private Object fingerprint() {
        return List.of(loop().counters().snapshot(), events.size(), consumer.seeks().size(),
                consumer.commits().size(), consumer.pauseHistory().size(), consumer.resumeHistory().size(),
                loop().partitions());
    }

    // ---------------------------------------------------------------- inspecting

    /** Every event the runtime emitted, in order. */
    public List<SluiceEvent> events() {
        return List.copyOf(events);
    }

    /** The events of one type, in order. */
    public <E extends SluiceEvent> List<E> events(Class<E> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** The messages consumed on a partition (handed to a consumer whose job succeeded), in order. */
    @SuppressWarnings("unchecked")
    public <K, V> List<Message<K, V>> consumed(String topic, int partition) {
        TopicPartition tp = new TopicPartition(topic, partition);
        List<Message<K, V>> all = new ArrayList<>();
        for (SluiceEvent.Consumed c : events(SluiceEvent.Consumed.class)) {
            if (c.topicPartition().equals(tp)) {
                for (Message<?, ?> m : c.messages()) {
                    all.add((Message<K, V>) m);
                }
            }
        }
        return all;
    }

    /** The offsets consumed on a partition, in order. */
    public List<Long> consumedOffsets(String topic, int partition) {
        return consumed(topic, partition).stream().map(Message::offset).toList();
    }

    /** The values consumed on a partition, in order. */
    public <V> List<V> consumedValues(String topic, int partition) {
        return this.<Object, V>consumed(topic, partition).stream().map(Message::value).toList();
    }

    /** The group's committed offset of a partition (a next offset), if any. */
    public OptionalLong committed(String topic, int partition) {
        Optional<OffsetAndMetadata> c = log.committed(config.groupId(), new TopicPartition(topic, partition));
        return c.isPresent() ? OptionalLong.of(c.get().offset()) : OptionalLong.empty();
    }

    /** The highest offset marked on a partition in its current assignment (-1 when none). */
    public long marked(String topic, int partition) {
        return state(topic, partition).map(PartitionState::marked).orElseThrow(
                () -> new IllegalStateException(topic + "-" + partition + " is not assigned"));
    }

    /** The listener's view of an assigned partition. */
    public Optional<PartitionState> state(String topic, int partition) {
        TopicPartition tp = new TopicPartition(topic, partition);
        return loop().partitions().stream().filter(s -> s.topicPartition().equals(tp)).findFirst();
    }

    /** Every assigned partition by consumer instance (the driver's one: {@link #INSTANCE}), as the runtime's. */
    public Map<String, List<PartitionState>> partitions() {
        return Map.of(INSTANCE, loop().partitions());
    }

    /**
     * Whether the runtime is caught up: every assigned partition idle at the log end it last saw, everything before
     * it decided, nothing in flight (what {@code SluiceRuntime.isCaughtUp()} reports for a real runtime).
     */
    public boolean caughtUp() {
        return loop().caughtUp();
    }

    /** The in-memory consumer: positions, seeks, pauses, commits. */
    public InMemoryConsumer consumer() {
        if (consumer == null) {
            throw new IllegalStateException("start the driver with a topology first");
        }
        return consumer;
    }

    /** The consumer's position on a partition. */
    public long position(String topic, int partition) {
        return consumer().position(new TopicPartition(topic, partition));
    }

    /** Whether a partition is paused in the consumer. */
    public boolean paused(String topic, int partition) {
        return consumer().paused().contains(new TopicPartition(topic, partition));
    }

    /** How many times a partition was assigned here (each assignment makes a new consumer and filters). */
    public int assignments(String topic, int partition) {
        TopicPartition tp = new TopicPartition(topic, partition);
        return (int) events(SluiceEvent.Assigned.class).stream().filter(a -> a.topicPartition().equals(tp)).count();
    }

    /** Every dead letter published, in order (they are also appended to the dead-letter topic's log). */
    public List<ProducerRecord<byte[], byte[]>> deadLetters() {
        return List.copyOf(deadLetters);
    }

    /** The listener counters, by name. */
    public Map<String, Long> counters() {
        return loop().counters().snapshot();
    }

    /**
     * An orderly {@code SluiceRuntime.close()}: dispatching stops, queued jobs run, marks are committed, the
     * consumer closes. The driver cannot be used afterwards.
     */
    public void shutdown() {
        loop().beginClose();
        runUntilIdle();
        loop().finishClose(Duration.ofSeconds(5));
    }

    /**
     * A simulated crash ({@code SluiceRuntime.halt()}): marks are discarded, nothing is committed, the consumer
     * leaves the group at once. The driver cannot be used afterwards.
     */
    public void halt() {
        loop().halt(Duration.ofSeconds(5));
    }

    /** Closes the consumer without committing. Idempotent. */
    @Override
    public void close() {
        if (consumer != null && consumer.state() != InMemoryConsumer.State.CLOSED) {
            consumer.close();
        }
    }

    private ListenerLoop loop() {
        if (loop == null) {
            throw new IllegalStateException("start the driver with a topology first");
        }
        return loop;
    }

    private void requireNotStarted() {
        if (topology != null) {
            throw new IllegalStateException("the driver is already started");
        }
    }

    private static List<TopicPartition> tps(String topic, int... partitions) {
        List<TopicPartition> tps = new ArrayList<>();
        for (int p : partitions) {
            tps.add(new TopicPartition(topic, p));
        }
        return tps;
    }

    private static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }
}
