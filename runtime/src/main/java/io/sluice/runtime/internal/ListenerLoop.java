package io.sluice.runtime.internal;

import io.sluice.dsl.DeadLetterQueue;
import io.sluice.dsl.Filter;
import io.sluice.dsl.FilterFactory;
import io.sluice.dsl.InfrastructureFailure;
import io.sluice.dsl.OffsetAuthority;
import io.sluice.dsl.TopicDefinition;
import io.sluice.dsl.VirtualOffsetAuthority;
import io.sluice.dsl.Topology;
import io.sluice.runtime.PartitionState;
import io.sluice.runtime.JobObserver;
import io.sluice.runtime.SluiceEvent;
import io.sluice.runtime.SluiceEventListener;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.InvalidOffsetException;
import org.apache.kafka.clients.consumer.NoOffsetForPartitionException;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listener of one consumer instance: a thin host around one {@link PartitionMachine} per assigned partition.
 * It turns what the Kafka {@link Consumer} returns into machine events and carries out the machines' commands;
 * it decides nothing about a partition itself. See {@code docs/architecture.md}, "The listener".
 *
 * <p>It is a step function over an injected consumer, a {@link Clock} (wall time, for events and filters), a
 * monotonic nanosecond source (pauses and backoffs), an {@link Executor} and a {@link ReportQueue}: the runtime
 * calls {@link #step()} in a loop on the listener thread; the test driver calls it by hand over an in-memory
 * consumer, a manual clock and a manual executor. Every Kafka call happens on the thread that calls
 * {@code step()}. Kafka runs with {@code auto.offset.reset=none}: an invalid offset is handed to the partition's
 * machine, which enforces the stored offset or has the user's reset applied here.
 */
public final class ListenerLoop implements ConsumerRebalanceListener {

    private static final Logger LOG = LoggerFactory.getLogger(ListenerLoop.class);
    /**
     * How often a blocking call is retried after a wakeup. Every finished job wakes the consumer, so under load
     * several wakeups can land during one commit or offset lookup; each retry is bounded by the call's own timeout.
     */
    private static final int WAKEUP_RETRIES = 64;
    private static final Duration ASSIGNMENT_RETRY = Duration.ofSeconds(5);
    /** A committed offset that could not be read. */
    private static final long UNKNOWN = -2;
    /** The pseudo virtual partition of a watermark job, for a rejected launch. */
    private static final int WATERMARK = -2;

    private final Topology topology;
    private final Consumer<byte[], byte[]> consumer;
    private final Clock clock;
    private final LongSupplier nanos;
    private final Executor executor;
    private final ReportQueue reports;
    private final LoopSettings settings;
    private final String name;
    private final Events events;
    private final DeadLetterPublisher deadLetters;
    private final String group;
    private final PartitionMachine.Timings timings;

    private final Map<TopicPartition, Assembly<?, ?>> assemblies = new LinkedHashMap<>();
    private final Map<TopicPartition, Long> generations = new HashMap<>();
    private final Map<TopicPartition, Integer> inFlight = new HashMap<>();
    private final Deque<Report> deferred = new ArrayDeque<>();
    private final Map<TopicPartition, Instant> unassembled = new HashMap<>();
    private final Set<TopicPartition> enforcements = new LinkedHashSet<>();
    private final Map<TopicPartition, Boolean> resets = new LinkedHashMap<>();
    private final LoopCounters counters = new LoopCounters();

    private Instant nextCommit;
    private boolean closing;
    private volatile boolean halted;
    private boolean wokenUp;
    private boolean polled;
    private int consecutivePollFailures;
    private volatile java.util.Set<TopicPartition> operatorPauses = java.util.Set.of();
    private volatile java.util.Set<TopicPartition> operatorMoves = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private boolean brokerSidePatterns;
    private final Set<String> overlapsLogged = new java.util.HashSet<>();
    /** Runs the Kafka transactions of topics with {@code kafkaTransactions()}; null when none are configured. */
    private KafkaTransactor transactor;
    /** Jobs asking for the group metadata to commit their transaction with; served on the listener's thread. */
    private final java.util.Queue<MetadataRequest> metadataRequests = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** The thread that runs {@link #step()}: the only one that may call the consumer. */
    private volatile Thread owner;

    /** A job's request for the consumer's group metadata, answered only while its assignment is current. */
    private record MetadataRequest(TopicPartition tp, long generation, AtomicBoolean revoked,
                                   java.util.concurrent.CompletableFuture<Optional<
                                           org.apache.kafka.clients.consumer.ConsumerGroupMetadata>> answer) {
    }

    /**
     * @param name        a name for logs (the consumer instance)
     * @param topology    the topics to consume
     * @param consumer    the Kafka consumer this loop owns; {@code enable.auto.commit} off, {@code auto.offset.reset}
     *                    {@code none}
     * @param clock       wall time, for events, filters and the commit interval
     * @param nanos       monotonic nanoseconds, for pause and backoff deadlines
     * @param executor    runs jobs
     * @param reports     carries job reports back; workers wake the consumer after offering
     * @param settings    timings and the user's reset
     * @param listener    receives the loop's events
     * @param deadLetters publishes dead letters, confirmed
     */
    public ListenerLoop(String name, Topology topology, Consumer<byte[], byte[]> consumer, Clock clock,
                        LongSupplier nanos, Executor executor, ReportQueue reports, LoopSettings settings,
                        SluiceEventListener listener, DeadLetterPublisher deadLetters) {
        this.name = name;
        this.topology = topology;
        this.consumer = consumer;
        this.clock = clock;
        this.nanos = nanos;
        this.executor = executor;
        this.reports = reports;
        this.settings = settings;
        this.events = new Events(listener);
        this.deadLetters = deadLetters;
        this.group = consumer.groupMetadata().groupId();
        this.timings = new PartitionMachine.Timings(settings.commitInterval(), settings.blockedAlertAfter());
        this.nextCommit = clock.instant().plus(settings.commitInterval());
    }

    /**
     * Subscribes to the topology's topics with this loop as the rebalance listener: by name, or, when the topology
     * declares patterns, with one pattern (the names escaped, every pattern an alternative) — a consumer cannot mix
     * the two. Under {@code group.protocol=consumer} ({@link #brokerSidePatterns}) the broker matches the pattern
     * (RE2/J); under {@code classic} the client does, on every metadata refresh ({@code metadata.max.age.ms}).
     */
    public void subscribe() {
        if (transactor == null && topology.topics().stream().anyMatch(t -> t.settings().kafkaTransactions())) {
            throw new IllegalStateException("the topology declares kafkaTransactions() but the runtime has no"
                    + " transactional producers; configure them (SluiceRuntime.kafkaTransactions)");
        }
        List<io.sluice.dsl.Subscription> subscriptions = topology.subscriptions();
        Optional<String> pattern = subscriptions.size() == 1 ? subscriptions.get(0).subscriptionPattern()
                : Optional.empty();
        if (subscriptions.size() > 1 && subscriptions.stream().anyMatch(s -> !s.patterns().isEmpty())) {
            throw new IllegalArgumentException("a listener runs one subscription; select one from " + topology);
        }
        if (pattern.isEmpty()) {
            consumer.subscribe(topology.topicNames(), this);
        } else if (brokerSidePatterns) {
            LOG.info("[{}] subscribing to the pattern {} (matched by the broker)", name, pattern.get());
            consumer.subscribe(new org.apache.kafka.clients.consumer.SubscriptionPattern(pattern.get()), this);
        } else {
            LOG.info("[{}] subscribing to the pattern {}", name, pattern.get());
            consumer.subscribe(java.util.regex.Pattern.compile(pattern.get()), this);
        }
    }

    /**
     * Runs the topics declared with {@code kafkaTransactions()} with transactional producers from {@code producers}
     * (this loop's consumer group's pool); a transaction open longer than {@code maxJobDuration} when its job asks to
     * commit is aborted. Call before {@link #subscribe()}; without it such a topology is refused there.
     */
    public void kafkaTransactions(TransactionalProducers producers, Duration maxJobDuration) {
        this.transactor = new KafkaTransactor(producers, this::groupMetadataFor, group, maxJobDuration,
                settings.commitTimeout(), nanos);
    }

    /**
     * The consumer's group metadata for a job of {@code tp} of {@code generation}, if that assignment is current:
     * asked of the listener's thread (directly when the job runs on it, as in the test driver), waiting up to the
     * commit timeout; empty, so the transaction aborts, when the partition is revoked or lost meanwhile.
     */
    private Optional<org.apache.kafka.clients.consumer.ConsumerGroupMetadata> groupMetadataFor(
            TopicPartition tp, long generation, AtomicBoolean revoked) {
        if (Thread.currentThread() == owner) {
            return currentMetadata(tp, generation, revoked);
        }
        MetadataRequest request = new MetadataRequest(tp, generation, revoked,
                new java.util.concurrent.CompletableFuture<>());
        metadataRequests.add(request);
        if (!halted) {
            consumer.wakeup();
        }
        long deadline = System.nanoTime() + settings.commitTimeout().toNanos();
        while (!revoked.get() && System.nanoTime() < deadline) {
            try {
                return request.answer().get(20, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                // ask again whether the partition was revoked meanwhile
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            } catch (java.util.concurrent.ExecutionException e) {
                return Optional.empty();
            }
        }
        request.answer().complete(Optional.empty());
        return request.answer().join();
    }

    /** Answers the jobs waiting for group metadata; on the listener's thread. */
    private void serveMetadata() {
        MetadataRequest r;
        while ((r = metadataRequests.poll()) != null) {
            Optional<org.apache.kafka.clients.consumer.ConsumerGroupMetadata> answer;
            try {
                answer = currentMetadata(r.tp(), r.generation(), r.revoked());
            } catch (RuntimeException e) {
                LOG.warn("[{}] could not read the group metadata for {}: {}", name, r.tp(), e.toString());
                answer = Optional.empty();
            }
            r.answer().complete(answer);
        }
    }

    /** The group metadata, only while {@code tp}'s assignment of {@code generation} is current and not revoked. */
    private Optional<org.apache.kafka.clients.consumer.ConsumerGroupMetadata> currentMetadata(
            TopicPartition tp, long generation, AtomicBoolean revoked) {
        Assembly<?, ?> a = assemblies.get(tp);
        if (halted || revoked.get() || a == null || a.revoked != revoked || a.revoked.get()
                || a.machine.generation() != generation || a.machine.state() == PartitionMachine.State.REVOKED
                || !consumer.assignment().contains(tp)) {
            LOG.info("[{}] refusing the group metadata to a job of {} generation {}: the assignment is not current",
                    name, tp, generation);
            return Optional.empty();
        }
        return Optional.of(consumer.groupMetadata());
    }

    /**
     * Whether patterns are matched by the broker ({@code group.protocol=consumer}, RE2/J) rather than by the client;
     * call before {@link #subscribe()}.
     */
    public void brokerSidePatterns(boolean value) {
        this.brokerSidePatterns = value;
    }

    /**
     * The partitions operators want paused, shared with the runtime and read at every step and assignment;
     * call before {@link #subscribe()}.
     */
    public void operatorPauses(java.util.Set<TopicPartition> shared) {
        this.operatorPauses = java.util.Objects.requireNonNull(shared, "shared");
    }

    /**
     * The partitions whose stored offset an operator moved, shared with the runtime: the instance that holds one
     * enforces it again at its next step and removes it; call before {@link #subscribe()}.
     */
    public void operatorMoves(java.util.Set<TopicPartition> shared) {
        this.operatorMoves = java.util.Objects.requireNonNull(shared, "shared");
    }

    /** Wraps every batch job launched from now on with {@code observer} (see {@link JobObserver}). */
    public void jobObserver(JobObserver observer) {
        events.observer(java.util.Objects.requireNonNull(observer, "observer"));
    }

    /** One iteration: apply reports, let time pass, commit when due, poll, and hand what came to the machines. */
    public void step() {
        owner = Thread.currentThread();
        serveMetadata();
        drainReports();
        tick();
        retryUnassembled();
        flushPositions();
        maybeCommit();
        ConsumerRecords<byte[], byte[]> records;
        try {
            records = consumer.poll(wokenUp ? Duration.ZERO : pollTimeout());
        } catch (WakeupException e) {
            // a worker finished a job: its report is applied at the start of the next step
            return;
        } catch (InvalidOffsetException e) {
            // Kafka runs with auto.offset.reset=none: the partition's machine decides where it goes
            LOG.info("[{}] no valid offset for {}: {}", name, e.partitions(), e.getMessage());
            for (TopicPartition tp : e.partitions()) {
                Assembly<?, ?> a = assemblies.get(tp);
                if (a != null) {
                    execute(a, a.machine.invalidOffset(now()));
                } else if (consumer.assignment().contains(tp)) {
                    park(tp); // not set up (its factories failed): keep Kafka from failing every poll for it
                }
            }
            flushPositions();
            return;
        } catch (InterruptException | AuthenticationException | AuthorizationException
                 | FencedInstanceIdException e) {
            throw e;
        } catch (KafkaException e) {
            // a broker error: report it and poll again next step, rather than let the instance die
            counters.pollFailures.incrementAndGet();
            consecutivePollFailures++;
            LOG.error("[{}] poll failed ({} in a row); polling again: {}", name, consecutivePollFailures,
                    e.toString());
            return;
        } finally {
            wokenUp = false;
        }
        consecutivePollFailures = 0;
        polled = true;
        dispatch(records);
        flushPositions();
        serveMetadata();
    }

    /** Resolves the partitions that asked for a position or an enforcement during this step. */
    private void flushPositions() {
        flushEnforcements();
        flushResets();
    }

    /** How many polls in a row have failed (0 after a good one); the caller backs off before polling again. */
    public int consecutivePollFailures() {
        return consecutivePollFailures;
    }

    /** Stops dispatching: every assigned partition is paused; {@link #step()} goes on applying reports. */
    public void beginClose() {
        closing = true;
        for (Assembly<?, ?> a : List.copyOf(assemblies.values())) {
            execute(a, a.machine.closing());
        }
        Set<TopicPartition> assigned = Set.copyOf(assemblies.keySet());
        if (!assigned.isEmpty()) {
            consumer.pause(assigned);
        }
    }

    /** Whether any job, of any generation, is still in flight. */
    public boolean hasJobsInFlight() {
        return inFlight.values().stream().anyMatch(n -> n > 0);
    }

    /** Commits every mark synchronously and closes the consumer; the end of an orderly {@code close()}. */
    public void finishClose(Duration timeout) {
        closing = true;
        // the last commit must not be lost to a rebalance under way (another member leaving at the same time):
        // poll, with everything paused, so the rebalance completes (a revocation commits in its callback), and
        // commit again, until the timeout
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException failure = commit(assemblies.keySet());
        while (failure instanceof RebalanceInProgressException && System.nanoTime() < deadline) {
            try {
                consumer.poll(Duration.ofMillis(100));
            } catch (WakeupException e) {
                // a late report; nothing to dispatch while closing
            } catch (KafkaException e) {
                LOG.warn("[{}] poll while closing failed: {}", name, e.toString());
            }
            failure = commit(assemblies.keySet());
        }
        dropAll();
        try {
            consumer.close(CloseOptions.timeout(timeout));
        } catch (RuntimeException e) {
            LOG.warn("[{}] closing the consumer failed: {}", name, e.toString());
        }
    }

    /**
     * A simulated crash: marks are discarded, nothing is committed, and the consumer leaves the group at once
     * so its partitions move without waiting out a session timeout. Must be called on the loop's thread.
     */
    public void halt(Duration timeout) {
        halted = true;
        dropAll();
        try {
            consumer.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(timeout));
        } catch (RuntimeException e) {
            LOG.warn("[{}] closing the consumer on halt failed: {}", name, e.toString());
        }
    }

    /** Snapshots of the assigned partitions, in assignment order. */
    public List<PartitionState> partitions() {
        PartitionMachine.Now now = now();
        List<PartitionState> states = new ArrayList<>(assemblies.size());
        for (Assembly<?, ?> a : assemblies.values()) {
            states.add(a.machine.snapshot(now));
        }
        return states;
    }

    /**
     * Whether this instance is caught up: it has polled, every partition it holds (possibly none) is set up, idle
     * and unpaused at its last seen log end with everything before it decided, and no job of any generation is in
     * flight.
     */
    public boolean caughtUp() {
        if (!polled || !unassembled.isEmpty() || hasJobsInFlight()) {
            return false;
        }
        return assemblies.values().stream().allMatch(a -> a.machine.caughtUp());
    }

    /** Counters of what this loop did. */
    public LoopCounters counters() {
        return counters;
    }

    // ---------------------------------------------------------------- reports and time

    private PartitionMachine.Now now() {
        return new PartitionMachine.Now(nanos.getAsLong(), clock.instant());
    }

    private void drainReports() {
        Report r;
        while ((r = deferred.poll()) != null) {
            apply(r);
        }
        while ((r = reports.poll()) != null) {
            apply(r);
        }
    }

    /**
     * Applies one report: a current one goes to its machine (only its marks while the partition is being
     * revoked); an older generation's only frees the partition.
     */
    private void apply(Report report) {
        TopicPartition tp = report.topicPartition();
        free(tp, report.generation());
        Assembly<?, ?> a = assemblies.get(tp);
        if (a == null || a.machine.generation() != report.generation()
                || a.machine.state() == PartitionMachine.State.REVOKED) {
            LOG.debug("[{}] report of {} generation {} is stale; it only frees the partition", name, tp,
                    report.generation());
            counters.staleReports.incrementAndGet();
            if (a != null && !halted) {
                applyPause(a);
            }
            return;
        }
        if (a.revoked.get()) {
            // being revoked: its marks count, nothing else happens to it
            a.machine.markWhileRevoking(report);
            return;
        }
        execute(a, a.machine.reported(report, now()));
    }

    private void tick() {
        PartitionMachine.Now now = now();
        for (Assembly<?, ?> a : List.copyOf(assemblies.values())) {
            followOperator(a);
            execute(a, a.machine.tick(now));
        }
    }

    /** Pauses or resumes {@code a}'s partition when an operator's wish differs from its machine's. */
    private void followOperator(Assembly<?, ?> a) {
        if (operatorMoves.remove(a.topicPartition)) {
            LOG.info("[{}] {}: an operator moved its stored offset; enforcing it again", name, a.topicPartition);
            execute(a, a.machine.operatorMoved(now()));
        }
        boolean wanted = operatorPauses.contains(a.topicPartition);
        if (wanted != a.machine.operatorPaused()) {
            LOG.info("[{}] {} {} by an operator", name, a.topicPartition, wanted ? "paused" : "resumed");
            execute(a, a.machine.operatorPause(wanted));
        }
    }

    private Duration pollTimeout() {
        Duration timeout = settings.pollTimeout();
        long now = nanos.getAsLong();
        for (Assembly<?, ?> a : assemblies.values()) {
            OptionalLong due = a.machine.nextDeadline();
            if (due.isPresent()) {
                long left = Math.max(0, due.getAsLong() - now);
                if (left < timeout.toNanos()) {
                    timeout = Duration.ofNanos(left);
                }
            }
        }
        return timeout;
    }

    // ---------------------------------------------------------------- commands

    /** Carries out {@code commands} of {@code a}'s machine, in order. */
    private void execute(Assembly<?, ?> a, List<Command> commands) {
        TopicPartition tp = a.topicPartition;
        for (Command c : commands) {
            if (c instanceof Command.Emit e) {
                if (e.event() instanceof SluiceEvent.Enforced en && en.stored().isPresent()
                        && (en.stored().getAsLong() < en.logStart() || en.stored().getAsLong() > en.logEnd())) {
                    LOG.error("[{}] the stored next offset {} of {} is outside the log [{}, {}]; policy {}", name,
                            en.stored().getAsLong(), tp, en.logStart(), en.logEnd(),
                            a.topic.settings().onOffsetOutOfRange());
                }
                events.emit(e.event());
            } else if (c instanceof Command.Seek s) {
                consumer.seek(tp, s.offset());
            } else if (c instanceof Command.Pause || c instanceof Command.Resume) {
                applyPause(a);
            } else if (c instanceof Command.Launch l) {
                launch(a, a.job(l, clock, nanos, group, this::offerReport, name, events)
                        .transactions(transactional(a)), Report.Origin.CHAIN);
            } else if (c instanceof Command.LaunchDeadLetter d) {
                boolean details = a.topic.settings().deadLetterQueue().map(DeadLetterQueue::errorDetails).orElse(true);
                launch(a, new DeadLetterJob(a.revoked, tp, group, a.machine.generation(), d.topic(), d.record(),
                        d.error(), d.attempts(), details, deadLetters, a.topic.offsetAuthority(), this::offerReport)
                        .transactions(transactional(a)), Report.Origin.DEAD_LETTER_PUBLISH);
            } else if (c instanceof Command.LaunchGroup g) {
                int v = g.virtualPartition();
                launch(a, a.groupJob(g, clock, nanos, group, r -> offerReport(ofGroup(v, r)), name, events),
                        Report.Origin.CONSUMER, v);
            } else if (c instanceof Command.LaunchGroupDeadLetter d) {
                int v = d.virtualPartition();
                boolean details = a.topic.settings().deadLetterQueue().map(DeadLetterQueue::errorDetails).orElse(true);
                // on an offset-managed topic a group's dead letter moves only its own row r_v
                Optional<OffsetAuthority> own = a.topic.offsetAuthority()
                        .filter(VirtualOffsetAuthority.class::isInstance).map(VirtualOffsetAuthority.class::cast)
                        .map(va -> new OffsetAuthority() {
                            @Override
                            public OptionalLong read(String g, TopicPartition p) {
                                throw new UnsupportedOperationException("a virtual partition's row is not read here");
                            }

                            @Override
                            public void advance(String g, TopicPartition p, long next) throws Exception {
                                va.advanceVirtual(g, p, v, d.mapping(), next);
                            }
                        });
                // a letter already published is not published again: only the row advance is retried
                launch(a, new DeadLetterJob(a.revoked, tp, group, a.machine.generation(),
                        d.publish() ? d.topic() : Optional.empty(), d.record(), d.error(), d.attempts(), details,
                        deadLetters, own, r -> offerReport(ofGroup(v, r)), d.nextOffset()),
                        Report.Origin.DEAD_LETTER_PUBLISH, v);
            } else if (c instanceof Command.LaunchWatermark w) {
                VirtualOffsetAuthority va = (VirtualOffsetAuthority) a.topic.offsetAuthority().orElseThrow();
                long generation = a.machine.generation();
                AtomicBoolean revoked = a.revoked;
                launch(a, () -> {
                    Report.Outcome outcome;
                    if (revoked.get()) {
                        // never by a revoked generation: the next owner decides from the rows as they are
                        outcome = new Report.Watermark(w.watermark(), Optional.empty(),
                                Optional.of(new IllegalStateException(tp + " was revoked")));
                    } else {
                        try {
                            outcome = new Report.Watermark(w.watermark(), va.advanceWatermark(group, tp,
                                    w.watermark(), w.mapping(), w.count(), w.drained()), Optional.empty());
                        } catch (Throwable e) {
                            LOG.warn("[{}] moving the watermark of {} to {} failed; it is tried again: {}", name, tp,
                                    w.watermark(), e.toString());
                            outcome = new Report.Watermark(w.watermark(), Optional.empty(), Optional.of(e));
                        }
                    }
                    offerReport(new Report(tp, generation, OptionalLong.empty(), outcome));
                }, Report.Origin.ADVANCE, WATERMARK);
            } else if (c instanceof Command.LaunchAdvance adv) {
                long generation = a.machine.generation();
                Optional<OffsetAuthority> authority = a.topic.offsetAuthority();
                AtomicBoolean revoked = a.revoked;
                launch(a, () -> DeadLetterJob.advanceAndReport(revoked, authority, group, tp, generation,
                        adv.nextOffset(), new Report.Advanced(adv.nextOffset()), Report.Origin.ADVANCE,
                        this::offerReport), Report.Origin.ADVANCE);
            } else if (c instanceof Command.LaunchEnforcement) {
                // read together with the other partitions that need it, once this step's events are handled
                inFlight.merge(tp, 1, Integer::sum);
                a.jobs++;
                enforcements.add(tp);
            } else if (c instanceof Command.RenewFilters) {
                a.renewFilters(name);
            } else if (c instanceof Command.ResetPosition r) {
                // resolved together with the other partitions that need it, once this step's events are handled;
                // a request to look at the committed offset first is never downgraded
                resets.merge(tp, r.committedFirst(), Boolean::logicalOr);
            }
        }
    }

    /** The transactor for {@code a}'s jobs when its topic runs Kafka transactions, else null. */
    private KafkaTransactor transactional(Assembly<?, ?> a) {
        return a.topic.settings().kafkaTransactions() ? transactor : null;
    }

    /** Pauses or resumes {@code a}'s partition in the consumer as its machine, closing and old jobs require. */
    private void applyPause(Assembly<?, ?> a) {
        if (halted || !consumer.assignment().contains(a.topicPartition)) {
            return;
        }
        boolean oldJobs = !a.offsetManaged() && inFlight.getOrDefault(a.topicPartition, 0) > a.ownJobs();
        if (a.machine.paused() || closing || oldJobs || a.machine.state() == PartitionMachine.State.REVOKED) {
            consumer.pause(List.of(a.topicPartition));
        } else {
            consumer.resume(List.of(a.topicPartition));
        }
    }

    private void launch(Assembly<?, ?> a, Runnable job, Report.Origin origin) {
        launch(a, job, origin, -1);
    }

    /** Launches a job of virtual partition {@code virtualPartition} (-1: of the whole partition). */
    private void launch(Assembly<?, ?> a, Runnable job, Report.Origin origin, int virtualPartition) {
        inFlight.merge(a.topicPartition, 1, Integer::sum);
        a.jobs++;
        submit(a, job, origin, virtualPartition);
    }

    /** Runs a job already counted in flight. */
    private void submit(Assembly<?, ?> a, Runnable job, Report.Origin origin) {
        submit(a, job, origin, -1);
    }

    private void submit(Assembly<?, ?> a, Runnable job, Report.Origin origin, int virtualPartition) {
        try {
            executor.execute(job);
        } catch (RejectedExecutionException e) {
            // shutting down: the job never runs, so its partition must not stay in flight
            LOG.warn("[{}] a job of {} was rejected: {}", name, a.topicPartition, e.toString());
            Report rejected = new Report(a.topicPartition, a.machine.generation(), OptionalLong.empty(),
                    Report.Failed.of(new InfrastructureFailure("the worker pool rejected the job", e), origin));
            if (virtualPartition == WATERMARK) {
                rejected = new Report(a.topicPartition, a.machine.generation(), OptionalLong.empty(),
                        new Report.Watermark(-1, Optional.empty(), Optional.of(e)));
            }
            apply(virtualPartition < 0 ? rejected : ofGroup(virtualPartition, rejected));
        }
    }

    /** The count of a stored mapping ({@code n:id}); 0 when it cannot be read. */
    private static int countOf(String mapping) {
        try {
            return Integer.parseInt(mapping.substring(0, Math.max(0, mapping.indexOf(':'))));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** A report of a job of one virtual partition, as its partition's machine takes it. */
    private static Report ofGroup(int virtualPartition, Report r) {
        return new Report(r.topicPartition(), r.generation(), r.mark(),
                new Report.OfGroup(virtualPartition, r.outcome()));
    }

    /**
     * Reads the log range of every partition that asked for enforcement (one broker call for all), then reads
     * their stored offsets on workers.
     */
    private void flushEnforcements() {
        if (enforcements.isEmpty()) {
            return;
        }
        List<TopicPartition> tps = new ArrayList<>(enforcements);
        enforcements.clear();
        Map<TopicPartition, Long> starts;
        Map<TopicPartition, Long> ends;
        RuntimeException failure = null;
        try {
            starts = retryOnWakeup(() -> consumer.beginningOffsets(tps, settings.commitTimeout()));
            ends = retryOnWakeup(() -> consumer.endOffsets(tps, settings.commitTimeout()));
        } catch (RuntimeException e) {
            starts = Map.of();
            ends = Map.of();
            failure = e;
        }
        for (TopicPartition tp : tps) {
            Assembly<?, ?> a = assemblies.get(tp);
            if (a == null) {
                inFlight.computeIfPresent(tp, (k, n) -> n <= 1 ? null : n - 1);
                continue;
            }
            Long start = starts.get(tp);
            Long end = ends.get(tp);
            long generation = a.machine.generation();
            if (start == null || end == null) {
                Throwable why = new InfrastructureFailure("the log range of " + tp + " is unknown", failure);
                apply(new Report(tp, generation, OptionalLong.empty(), Report.Failed.of(why,
                        Report.Origin.ENFORCEMENT)));
                continue;
            }
            OffsetAuthority authority = a.topic.offsetAuthority().orElseThrow();
            Optional<io.sluice.dsl.VirtualPartitions> vps = a.topic.settings().virtualPartitions();
            submit(a, () -> {
                Report.Outcome outcome;
                try {
                    if (vps.isPresent() && authority instanceof VirtualOffsetAuthority va) {
                        // S = max(W, min over all n of r_v), n of the stored mapping, a missing row applied nothing
                        VirtualOffsetAuthority.Stored stored = va.readVirtual(group, tp);
                        int n = stored.mapping().map(ListenerLoop::countOf).orElse(vps.get().count());
                        long highest = stored.rows().values().stream().mapToLong(Long::longValue).max().orElse(-1);
                        outcome = new Report.Enforced(stored.start(n), start, end, stored.mapping(), highest);
                    } else {
                        outcome = new Report.Enforced(authority.read(group, tp), start, end);
                    }
                } catch (Throwable e) {
                    LOG.warn("reading the stored offset of {} failed; it is tried again: {}", tp, e.toString());
                    outcome = Report.Failed.of(e, Report.Origin.ENFORCEMENT);
                }
                offerReport(new Report(tp, generation, OptionalLong.empty(), outcome));
            }, Report.Origin.ENFORCEMENT);
        }
    }

    /**
     * Finds a position for every partition that asked (one broker call for each kind of lookup): the group's committed
     * offset when the partition asked for it first and there is one, else the user's {@code auto.offset.reset}, read
     * as a log offset and sought explicitly, so Kafka never picks a position itself. Under {@code none}, a partition
     * without a committed offset stays parked (paused, sought to the log start so Kafka does not fail every poll) and
     * its machine retries after a backoff.
     */
    private void flushResets() {
        if (resets.isEmpty()) {
            return;
        }
        Map<TopicPartition, Boolean> asked = new LinkedHashMap<>(resets);
        resets.clear();
        Map<TopicPartition, Long> found = new HashMap<>();
        RuntimeException failure = null;
        try {
            Set<TopicPartition> committedFirst = new LinkedHashSet<>();
            asked.forEach((tp, first) -> {
                if (first) {
                    committedFirst.add(tp);
                }
            });
            if (!committedFirst.isEmpty()) {
                Map<TopicPartition, OffsetAndMetadata> committed =
                        retryOnWakeup(() -> consumer.committed(committedFirst, settings.commitTimeout()));
                committed.forEach((tp, o) -> {
                    if (o != null) {
                        found.put(tp, o.offset());
                    }
                });
            }
            List<TopicPartition> rest = asked.keySet().stream().filter(tp -> !found.containsKey(tp)).toList();
            // a topic's own initial offset wins over the consumer's auto.offset.reset
            List<TopicPartition> earliest = rest.stream().filter(tp -> resetOf(tp).equals("earliest")).toList();
            List<TopicPartition> latest = rest.stream().filter(tp -> resetOf(tp).equals("latest")).toList();
            if (!earliest.isEmpty()) {
                found.putAll(retryOnWakeup(() -> consumer.beginningOffsets(earliest, settings.commitTimeout())));
            }
            if (!latest.isEmpty()) {
                found.putAll(retryOnWakeup(() -> consumer.endOffsets(latest, settings.commitTimeout())));
            }
        } catch (RuntimeException e) {
            failure = e;
        }
        for (TopicPartition tp : asked.keySet()) {
            Assembly<?, ?> a = assemblies.get(tp);
            if (a == null) {
                continue;
            }
            Long position = found.get(tp);
            if (position != null) {
                consumer.seek(tp, position);
                LOG.info("[{}] {} had no valid offset: {} put it at {}{}", name, tp,
                        asked.get(tp) ? "the group's committed offset or " + describeReset(tp) : describeReset(tp),
                        position, a.offsetManaged() ? " (nothing stored: the offset manager starts its row there)"
                                : "");
                execute(a, a.machine.reset(position, now()));
                continue;
            }
            RuntimeException why = failure != null ? failure : new NoOffsetForPartitionException(tp);
            LOG.error("[{}] {} has no valid offset and {} cannot place it; it stays paused and is tried again: {}",
                    name, tp, describeReset(tp), why.toString());
            park(tp);
            execute(a, a.machine.resetFailed(why, now()));
        }
    }

    /** The reset for {@code tp}: its topic's initial offset, else the consumer's {@code auto.offset.reset}. */
    private String resetOf(TopicPartition tp) {
        return topology.topic(tp.topic()).flatMap(t -> t.settings().initialOffset())
                .map(o -> o.name().toLowerCase(java.util.Locale.ROOT)).orElse(settings.autoOffsetReset());
    }

    private String describeReset(TopicPartition tp) {
        boolean own = topology.topic(tp.topic()).flatMap(t -> t.settings().initialOffset()).isPresent();
        return (own ? "the topic's initialOffset=" : "auto.offset.reset=") + resetOf(tp);
    }

    /** Gives a paused partition without a position a placeholder one, so Kafka does not fail every poll for it. */
    private void park(TopicPartition tp) {
        if (consumer.assignment().contains(tp)) {
            consumer.seekToBeginning(List.of(tp));
        }
    }

    private void offerReport(Report report) {
        reports.offer(report);
        if (!halted) {
            consumer.wakeup();
        }
    }

    private boolean busy(TopicPartition tp) {
        return inFlight.getOrDefault(tp, 0) > 0;
    }

    /** A job of {@code tp} of {@code generation} has reported (or will never run). */
    private void free(TopicPartition tp, long generation) {
        inFlight.computeIfPresent(tp, (k, n) -> n <= 1 ? null : n - 1);
        Assembly<?, ?> a = assemblies.get(tp);
        if (a != null && a.jobs > 0 && a.machine.generation() == generation) {
            a.jobs--;
        }
    }

    // ---------------------------------------------------------------- polling

    private void dispatch(ConsumerRecords<byte[], byte[]> records) {
        PartitionMachine.Now now = now();
        Map<TopicPartition, OffsetAndMetadata> nextOffsets = records.nextOffsets();
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> list = records.records(tp);
            Assembly<?, ?> a = assemblies.get(tp);
            if (a == null || list.isEmpty()) {
                continue;
            }
            OffsetAndMetadata next = nextOffsets.get(tp);
            long nextOffset = next != null ? next.offset() : list.get(list.size() - 1).offset() + 1;
            execute(a, a.machine.fetched(list, nextOffset, observedLogEnd(tp, nextOffset), now));
        }
        // a fetch may step over markers or compacted offsets without returning records
        for (Map.Entry<TopicPartition, OffsetAndMetadata> e : nextOffsets.entrySet()) {
            Assembly<?, ?> a = assemblies.get(e.getKey());
            if (a != null && records.records(e.getKey()).isEmpty()
                    && a.machine.state() != PartitionMachine.State.REVOKED) {
                long next = e.getValue().offset();
                execute(a, a.machine.advanced(next, observedLogEnd(e.getKey(), next), now));
            }
        }
    }

    /**
     * The log end the consumer saw with this fetch: its position plus its lag (the last stable offset under
     * read_committed).
     */
    private OptionalLong observedLogEnd(TopicPartition tp, long position) {
        try {
            OptionalLong lag = consumer.currentLag(tp);
            return lag.isPresent() ? OptionalLong.of(position + lag.getAsLong()) : OptionalLong.empty();
        } catch (RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    // ---------------------------------------------------------------- commits

    private void maybeCommit() {
        Instant now = clock.instant();
        if (!now.isBefore(nextCommit)) {
            commit(assemblies.keySet());
            nextCommit = now.plus(settings.commitInterval());
        }
    }

    /** Commits the marks of {@code tps}; returns the failure, already logged and counted, or null. */
    private RuntimeException commit(Collection<TopicPartition> tps) {
        if (halted) {
            return null;
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        Map<TopicPartition, OffsetAndMetadata> transactional = new HashMap<>();
        for (TopicPartition tp : tps) {
            Assembly<?, ?> a = assemblies.get(tp);
            if (a != null && a.machine.dirty()) {
                if (transactor != null && a.topic.settings().kafkaTransactions()) {
                    transactionalMark(a).ifPresent(o -> transactional.put(tp, new OffsetAndMetadata(o)));
                } else {
                    offsets.put(tp, new OffsetAndMetadata(a.machine.marked()));
                }
            }
        }
        RuntimeException failure = transactional.isEmpty() ? null : commitInTransaction(transactional);
        if (offsets.isEmpty()) {
            return failure;
        }
        return commitRecorded(offsets, "commit", () -> retryOnWakeup(() -> {
            consumer.commitSync(offsets, settings.commitTimeout());
            return null;
        }));
    }

    /**
     * Runs {@code commit} of {@code offsets} and records the outcome: the machines learn what was committed and a
     * {@code Committed} event is emitted, or a {@code CommitFailed} one (the marks stay and are committed later).
     *
     * @return the failure, or null
     */
    private RuntimeException commitRecorded(Map<TopicPartition, OffsetAndMetadata> offsets, String what,
                                            Runnable commit) {
        try {
            commit.run();
            for (Map.Entry<TopicPartition, OffsetAndMetadata> e : offsets.entrySet()) {
                Assembly<?, ?> a = assemblies.get(e.getKey());
                if (a != null) {
                    a.machine.committed(e.getValue().offset());
                }
            }
            counters.commits.incrementAndGet();
            events.emit(new SluiceEvent.Committed(name, plain(offsets)));
            return null;
        } catch (RuntimeException e) {
            counters.commitFailures.incrementAndGet();
            events.emit(new SluiceEvent.CommitFailed(name, plain(offsets), e));
            LOG.warn("[{}] {} of {} failed; the marks stay and are committed later: {}", name, what, offsets,
                    e.toString());
            return e;
        }
    }

    /**
     * The mark of a transactional topic's partition still to be committed, in an offsets-only transaction: none while
     * a job is in flight (its transaction commits at least as far, and an offsets-only transaction racing it could
     * land after it and move the group's offset back) or when the jobs' own transactions already committed it.
     */
    private Optional<Long> transactionalMark(Assembly<?, ?> a) {
        TopicPartition tp = a.topicPartition;
        if (busy(tp)) {
            return Optional.empty();
        }
        long marked = a.machine.marked();
        Optional<KafkaTransactor.Committed> done = transactor.committed(tp);
        if (done.isPresent() && done.get().generation() == a.machine.generation() && done.get().offset() >= marked) {
            a.machine.committed(marked);
            return Optional.empty();
        }
        return Optional.of(marked);
    }

    /** Commits Sluice's own marks of transactional topics in an offsets-only transaction; returns the failure. */
    private RuntimeException commitInTransaction(Map<TopicPartition, OffsetAndMetadata> offsets) {
        // the jobs holding the pool's producers wait for this thread to answer them: keep answering meanwhile
        return commitRecorded(offsets, "offsets-only transaction",
                () -> transactor.commitOffsets(offsets, consumer.groupMetadata(), this::serveMetadata));
    }

    private static Map<TopicPartition, Long> plain(Map<TopicPartition, OffsetAndMetadata> offsets) {
        Map<TopicPartition, Long> m = new LinkedHashMap<>();
        offsets.forEach((tp, o) -> m.put(tp, o.offset()));
        return m;
    }

    /**
     * A blocking consumer call other than poll. A wakeup is meant for poll (a worker finished a job), so the call
     * is retried, many times if need be, because several workers may finish while one call is under way: a lost
     * revocation commit would make the next owner repeat work, and a failed offset lookup would park a partition.
     */
    private <T> T retryOnWakeup(Supplier<T> call) {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.get();
            } catch (WakeupException e) {
                wokenUp = true;
                if (attempt == WAKEUP_RETRIES) {
                    throw e;
                }
            }
        }
    }

    // ---------------------------------------------------------------- rebalances

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        try {
            release(partitions, true);
        } catch (RuntimeException e) {
            // nothing may escape a rebalance callback
            LOG.error("[{}] handling the revocation of {} failed", name, partitions, e);
        }
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        try {
            release(partitions, false);
        } catch (RuntimeException e) {
            LOG.error("[{}] handling the loss of {} failed", name, partitions, e);
        }
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        try {
            assign(partitions);
            flushPositions();
        } catch (RuntimeException e) {
            LOG.error("[{}] handling the assignment of {} failed", name, partitions, e);
        } finally {
            repause();
        }
    }

    private void release(Collection<TopicPartition> partitions, boolean commit) {
        partitions.forEach(unassembled::remove);
        List<TopicPartition> ours = partitions.stream().filter(assemblies::containsKey).toList();
        if (ours.isEmpty()) {
            repause();
            return;
        }
        counters.rebalances.incrementAndGet();
        LOG.info("[{}] partitions {}: {}", name, commit ? "revoked" : "lost", ours);
        for (TopicPartition tp : ours) {
            assemblies.get(tp).revoked.set(true);
            if (enforcements.remove(tp)) {
                free(tp, assemblies.get(tp).machine.generation()); // counted in flight when asked, never launched
            }
            resets.remove(tp);
        }
        serveMetadata(); // jobs of these partitions waiting for group metadata are refused now
        if (!halted) {
            // during close() too: a rebalance then still gives in-flight jobs their grace, so their marks count
            awaitJobs(ours);
        }
        if (commit && !halted) {
            commit(ours);
        }
        for (TopicPartition tp : ours) {
            Assembly<?, ?> a = assemblies.remove(tp);
            a.machine.revoke();
            events.emit(commit ? new SluiceEvent.Revoked(name, tp, a.machine.generation())
                    : new SluiceEvent.Lost(name, tp, a.machine.generation()));
        }
        repause();
    }

    /** Waits up to the grace period for the jobs of {@code tps}, applying their reports (marks only) as they come. */
    private void awaitJobs(List<TopicPartition> tps) {
        // reports set aside by an earlier revocation in this poll count too
        for (Iterator<Report> it = deferred.iterator(); it.hasNext(); ) {
            Report r = it.next();
            if (tps.contains(r.topicPartition())) {
                it.remove();
                apply(r);
            }
        }
        Instant deadline = clock.instant().plus(settings.revocationGrace());
        while (tps.stream().anyMatch(this::busy)) {
            Duration left = Duration.between(clock.instant(), deadline);
            if (left.isNegative() || left.isZero()) {
                List<TopicPartition> stuck = tps.stream().filter(this::busy).toList();
                counters.stuckJobs.addAndGet(stuck.size());
                LOG.warn("[{}] jobs of {} still run after the revocation grace of {}; their results will be ignored"
                        + " (offset-managed partitions are not held back by them: revoked() and the row lock make"
                        + " them harmless)", name, stuck, settings.revocationGrace());
                return;
            }
            serveMetadata();
            Report r;
            try {
                r = reports.await(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (r == null) {
                continue;
            }
            if (tps.contains(r.topicPartition())) {
                apply(r);
            } else {
                deferred.add(r);
            }
        }
    }

    private void assign(Collection<TopicPartition> partitions) {
        List<TopicPartition> fresh = partitions.stream().filter(tp -> !assemblies.containsKey(tp)).toList();
        if (fresh.isEmpty()) {
            return;
        }
        counters.rebalances.incrementAndGet();
        LOG.info("[{}] partitions assigned: {}", name, fresh);
        // the group's committed offsets, read for all at once: a partition without one is placed by the runtime
        // (enforcement or the user's reset), never by Kafka
        Map<TopicPartition, OffsetAndMetadata> committed;
        try {
            committed = retryOnWakeup(() -> consumer.committed(Set.copyOf(fresh), settings.commitTimeout()));
        } catch (RuntimeException e) {
            LOG.warn("[{}] could not read the committed offsets of {}: {}", name, fresh, e.toString());
            committed = null;
        }
        for (TopicPartition tp : fresh) {
            Optional<TopicDefinition<?, ?>> topic = topology.topic(tp.topic());
            List<TopicDefinition<?, ?>> covering = topology.covering(tp.topic());
            if (covering.size() > 1 && overlapsLogged.add(tp.topic())) {
                LOG.warn("[{}] topic {} is matched by {} declarations ({}); it is consumed by the first: {}", name,
                        tp.topic(), covering.size(), covering.stream().map(TopicDefinition::name).toList(),
                        topic.map(TopicDefinition::name).orElse("?"));
            }
            if (topic.isEmpty()) {
                LOG.warn("[{}] assigned {} which the topology does not declare; ignoring it", name, tp);
                continue;
            }
            try {
                OffsetAndMetadata offset = committed == null ? null : committed.get(tp);
                create(tp, topic.get(), committed == null ? UNKNOWN : offset == null ? -1 : offset.offset());
            } catch (RuntimeException e) {
                // a consumer or filter factory failed: keep the partition paused and try again later, rather than
                // drop its records while the position moves on
                LOG.error("[{}] could not set up {} (its consumer or filters failed to build); retrying in {}",
                        name, tp, ASSIGNMENT_RETRY, e);
                unassembled.put(tp, clock.instant().plus(ASSIGNMENT_RETRY));
            }
        }
    }

    /**
     * Sets up one assignment at {@code committed} (the group's committed offset; -1 when it has none,
     * {@link #UNKNOWN} when it could not be read, and then found like a missing one, committed offset first).
     */
    private void create(TopicPartition tp, TopicDefinition<?, ?> topic, long committed) {
        Assembly<?, ?> a = Assembly.of(tp, topic);
        long position = Math.max(committed, -1);
        if (position < 0) {
            // without a committed offset Kafka (reset none) would fail every poll: park it until it is placed
            park(tp);
        }
        long generation = generations.merge(tp, 1L, Long::sum);
        List<Command> first = new ArrayList<>();
        a.machine = PartitionMachine.assigned(tp, generation, name, topic.settings(), a.offsetManaged(), timings,
                a.consumerClass(), counters, position, OptionalLong.empty(), OptionalLong.empty(), first);
        operatorMoves.remove(tp); // a new assignment enforces the stored offset anyway
        if (operatorPauses.contains(tp)) {
            // before anything is fetched: an operator's pause outlives the rebalance that moved the partition here
            first.addAll(a.machine.operatorPause(true));
        }
        assemblies.put(tp, a);
        unassembled.remove(tp);
        counters.assignments.incrementAndGet();
        events.emit(new SluiceEvent.Assigned(name, tp, generation, position));
        if (committed == UNKNOWN && !a.offsetManaged()) {
            resets.put(tp, true);
        }
        execute(a, first);
        applyPause(a);
    }

    /** Tries again to set up partitions whose consumer or filters failed to build; they stay paused meanwhile. */
    private void retryUnassembled() {
        if (unassembled.isEmpty()) {
            return;
        }
        Instant now = clock.instant();
        Set<TopicPartition> assignment = consumer.assignment();
        for (TopicPartition tp : List.copyOf(unassembled.keySet())) {
            if (!assignment.contains(tp)) {
                unassembled.remove(tp);
            } else if (!now.isBefore(unassembled.get(tp))) {
                try {
                    create(tp, topology.topic(tp.topic()).orElseThrow(), UNKNOWN);
                } catch (RuntimeException e) {
                    LOG.error("[{}] could not set up {} again; retrying in {}: {}", name, tp, ASSIGNMENT_RETRY,
                            e.toString());
                    unassembled.put(tp, now.plus(ASSIGNMENT_RETRY));
                }
            }
        }
    }

    /** KafkaConsumer forgets pause state across rebalances: pause again every partition that must not fetch. */
    private void repause() {
        if (halted) {
            return;
        }
        Set<TopicPartition> assignment = consumer.assignment();
        List<TopicPartition> toPause = new ArrayList<>();
        for (Assembly<?, ?> a : assemblies.values()) {
            if (assignment.contains(a.topicPartition)) {
                applyPause(a);
            }
        }
        for (TopicPartition tp : unassembled.keySet()) {
            if (assignment.contains(tp)) {
                toPause.add(tp);
            }
        }
        if (!toPause.isEmpty()) {
            consumer.pause(toPause);
        }
    }

    private void dropAll() {
        for (Assembly<?, ?> a : assemblies.values()) {
            a.revoked.set(true);
            a.machine.revoke();
        }
        assemblies.clear();
    }

    /**
     * One assignment of one partition: its machine and what its jobs run — the filters and the consumer instance
     * made for it, and the revoked flag they read.
     */
    private static final class Assembly<K, V> {
        final TopicPartition topicPartition;
        final TopicDefinition<K, V> topic;
        FilterChain<K, V> chain;
        final io.sluice.dsl.Consumer<K, V> consumer;
        final AtomicBoolean revoked = new AtomicBoolean();
        /** One consumer instance per virtual partition, made when its first group runs. */
        final Map<Integer, io.sluice.dsl.Consumer<K, V>> groupConsumers = new HashMap<>();
        PartitionMachine machine;
        int jobs;

        private Assembly(TopicPartition topicPartition, TopicDefinition<K, V> topic) {
            this.topicPartition = topicPartition;
            this.topic = topic;
            this.chain = buildChain();
            this.consumer = topic.newConsumer();
        }

        private FilterChain<K, V> buildChain() {
            List<Filter<? super K, ? super V>> filters = new ArrayList<>();
            for (FilterFactory<? super K, ? super V> factory : topic.filters()) {
                Filter<? super K, ? super V> filter = factory.create(topicPartition);
                if (filter == null) {
                    throw new IllegalStateException("filter factory " + factory.describe() + " of topic '"
                            + topic.name() + "' returned null for " + topicPartition);
                }
                filters.add(filter);
            }
            return new FilterChain<>(filters);
        }

        /** New filters for the rest of this assignment; the old ones stay if a factory fails now. */
        void renewFilters(String instance) {
            try {
                chain = buildChain();
            } catch (RuntimeException e) {
                LOG.error("[{}] could not renew the filters of {}; the current ones stay: {}", instance,
                        topicPartition, e.toString());
            }
        }

        static <K, V> Assembly<K, V> of(TopicPartition tp, TopicDefinition<K, V> topic) {
            return new Assembly<>(tp, topic);
        }

        boolean offsetManaged() {
            return topic.offsetAuthority().isPresent();
        }

        /** Jobs of this assignment in flight (the rest of the partition's count belongs to older ones). */
        int ownJobs() {
            return jobs;
        }

        String consumerClass() {
            String simple = consumer.getClass().getSimpleName();
            return simple.isEmpty() ? consumer.getClass().getName() : simple;
        }

        Job<K, V> job(Command.Launch l, Clock clock, LongSupplier nanos, String group,
                      java.util.function.Consumer<Report> sink, String instance, Events events) {
            PartitionContext context = new PartitionContext(topicPartition, group, machine.generation(),
                    topic.settings(), clock, nanos, l.logStart(), l.logEnd(), revoked, l.markedAtStart(),
                    l.attempt());
            Job.Mode mode = topic.settings().virtualPartitions().isPresent() ? Job.Mode.SPLIT : Job.Mode.BATCH;
            return new Job<>(mode, instance, events, topic, chain, consumer, context, l.records(), l.fetchOffset(),
                    l.nextOffset(), nanos, sink, machine.virtualPartitions());
        }

        /** A group of one virtual partition: the consumer only (the chain ran on the whole batch). */
        Job<K, V> groupJob(Command.LaunchGroup g, Clock clock, LongSupplier nanos, String group,
                           java.util.function.Consumer<Report> sink, String instance, Events events) {
            PartitionContext context = new PartitionContext(topicPartition, group, machine.generation(),
                    topic.settings(), clock, nanos, g.logStart(), g.logEnd(), revoked, g.markedAtStart(),
                    g.attempt(), g.virtualPartition(), g.mapping());
            // each virtual partition has its own consumer instance: groups of one partition run at the same time
            io.sluice.dsl.Consumer<K, V> own = groupConsumers.computeIfAbsent(g.virtualPartition(),
                    v -> topic.newConsumer());
            return new Job<>(Job.Mode.GROUP, instance, events, topic, new FilterChain<>(List.of()), own,
                    context, g.records(), g.fetchOffset(), g.nextOffset(), nanos, sink, null);
        }
    }

    /** Counters of one loop; read from any thread. */
    public static final class LoopCounters {
        final AtomicLong jobsDispatched = new AtomicLong();
        final AtomicLong jobsSucceeded = new AtomicLong();
        final AtomicLong jobsFailed = new AtomicLong();
        final AtomicLong messagesConsumed = new AtomicLong();
        final AtomicLong seeks = new AtomicLong();
        final AtomicLong pauses = new AtomicLong();
        final AtomicLong refetches = new AtomicLong();
        final AtomicLong commits = new AtomicLong();
        final AtomicLong commitFailures = new AtomicLong();
        final AtomicLong rebalances = new AtomicLong();
        final AtomicLong assignments = new AtomicLong();
        final AtomicLong staleReports = new AtomicLong();
        final AtomicLong deadLettered = new AtomicLong();
        final AtomicLong discarded = new AtomicLong();
        final AtomicLong pollFailures = new AtomicLong();
        final AtomicLong resets = new AtomicLong();
        final AtomicLong retries = new AtomicLong();
        final AtomicLong refusals = new AtomicLong();
        final AtomicLong blocked = new AtomicLong();
        final AtomicLong stuckJobs = new AtomicLong();

        /** Every counter by name. */
        public Map<String, Long> snapshot() {
            Map<String, Long> m = new LinkedHashMap<>();
            m.put("jobsDispatched", jobsDispatched.get());
            m.put("jobsSucceeded", jobsSucceeded.get());
            m.put("jobsFailed", jobsFailed.get());
            m.put("messagesConsumed", messagesConsumed.get());
            m.put("seeks", seeks.get());
            m.put("pauses", pauses.get());
            m.put("refetches", refetches.get());
            m.put("commits", commits.get());
            m.put("commitFailures", commitFailures.get());
            m.put("rebalances", rebalances.get());
            m.put("assignments", assignments.get());
            m.put("staleReports", staleReports.get());
            m.put("deadLettered", deadLettered.get());
            m.put("discarded", discarded.get());
            m.put("pollFailures", pollFailures.get());
            m.put("resets", resets.get());
            m.put("retries", retries.get());
            m.put("refusals", refusals.get());
            m.put("blocked", blocked.get());
            m.put("stuckJobs", stuckJobs.get());
            return m;
        }
    }
}
