package io.sluice.runtime.internal;

import io.sluice.dsl.Backoff;
import io.sluice.dsl.DeadLetterQueue;
import io.sluice.dsl.TopicSettings;
import io.sluice.dsl.TopicDefinition;
import io.sluice.dsl.Topology;
import io.sluice.dsl.Verdict;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listener of one consumer instance, as a step function over an injected Kafka {@link Consumer}, a
 * {@link Clock}, an {@link Executor} and a {@link ReportQueue} (DESIGN §5). The runtime calls {@link #step()} in
 * a loop on the listener thread; the test driver calls it by hand over an in-memory consumer, a manual clock
 * and a manual executor. Every Kafka call happens on the thread that calls {@code step()}.
 *
 * <p>One step: apply the reports of finished jobs (marks, then the verdict: resume, seek or pause), resume
 * partitions whose pause ran out, commit marks when the commit interval has passed, poll, and turn each
 * partition's records into a job on the executor, pausing the partition while the job is in flight.
 */
public final class ListenerLoop implements ConsumerRebalanceListener {

    private static final Logger LOG = LoggerFactory.getLogger(ListenerLoop.class);
    private static final int WAKEUP_RETRIES = 4;
    private static final Duration ASSIGNMENT_RETRY = Duration.ofSeconds(5);

    private final Topology topology;
    private final Consumer<byte[], byte[]> consumer;
    private final Clock clock;
    private final Executor executor;
    private final ReportQueue reports;
    private final LoopSettings settings;
    private final String name;
    private final Events events;
    private final DeadLetterPublisher deadLetters;
    private final String group;

    private final Map<TopicPartition, PartitionCoordinator<?, ?>> coordinators = new LinkedHashMap<>();
    private final Map<TopicPartition, Long> generations = new HashMap<>();
    private final Map<TopicPartition, Integer> inFlight = new HashMap<>();
    private final Deque<Report> deferred = new ArrayDeque<>();
    private final Map<TopicPartition, Instant> unassembled = new HashMap<>();
    private final LoopCounters counters = new LoopCounters();

    private Instant nextCommit;
    private boolean closing;
    private volatile boolean halted;
    private boolean wokenUp;
    private int consecutivePollFailures;

    /**
     * @param name     a name for logs (the consumer instance)
     * @param topology the topics to consume
     * @param consumer the Kafka consumer this loop owns; {@code enable.auto.commit} must be off
     * @param clock    the clock for pauses, backoff and the commit interval
     * @param executor runs jobs
     * @param reports  carries job reports back; workers wake the consumer after offering
     * @param settings timings
     * @param listener receives the loop's events
     * @param deadLetters publishes dead letters, confirmed
     */
    public ListenerLoop(String name, Topology topology, Consumer<byte[], byte[]> consumer, Clock clock,
                        Executor executor, ReportQueue reports, LoopSettings settings, SluiceEventListener listener,
                        DeadLetterPublisher deadLetters) {
        this.name = name;
        this.deadLetters = deadLetters;
        this.events = new Events(listener);
        this.topology = topology;
        this.consumer = consumer;
        this.clock = clock;
        this.executor = executor;
        this.reports = reports;
        this.settings = settings;
        this.nextCommit = clock.instant().plus(settings.commitInterval());
        this.group = consumer.groupMetadata().groupId();
    }

    /** Subscribes to the topology's topics with this loop as the rebalance listener. */
    public void subscribe() {
        consumer.subscribe(topology.topicNames(), this);
    }

    /** One iteration of the loop; see the class comment. */
    public void step() {
        drainReports();
        expirePauses();
        retryUnassembled();
        maybeCommit();
        ConsumerRecords<byte[], byte[]> records;
        try {
            records = consumer.poll(wokenUp ? Duration.ZERO : pollTimeout());
        } catch (WakeupException e) {
            // a worker finished a job: its report is applied at the start of the next step
            return;
        } catch (InterruptException | AuthenticationException | AuthorizationException
                 | FencedInstanceIdException e) {
            throw e;
        } catch (KafkaException e) {
            // no offset under auto.offset.reset=none, a broker error: report it and poll again next step, rather
            // than let the consumer instance die; the partitions' positions are unchanged
            counters.pollFailures.incrementAndGet();
            consecutivePollFailures++;
            LOG.error("[{}] poll failed ({} in a row); polling again: {}", name, consecutivePollFailures,
                    e.toString());
            return;
        } finally {
            wokenUp = false;
        }
        consecutivePollFailures = 0;
        dispatch(records);
        observeLogEnds();
    }

    /** How many polls in a row have failed (0 after a good one); the caller backs off before polling again. */
    public int consecutivePollFailures() {
        return consecutivePollFailures;
    }

    /** Stops dispatching: every assigned partition is paused; {@link #step()} goes on applying reports. */
    public void beginClose() {
        closing = true;
        Set<TopicPartition> assigned = Set.copyOf(coordinators.keySet());
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
        RuntimeException failure = commit(coordinators.keySet());
        while (failure instanceof RebalanceInProgressException && System.nanoTime() < deadline) {
            try {
                consumer.poll(Duration.ofMillis(100));
            } catch (WakeupException e) {
                // a late report; nothing to dispatch while closing
            } catch (KafkaException e) {
                LOG.warn("[{}] poll while closing failed: {}", name, e.toString());
            }
            failure = commit(coordinators.keySet());
        }
        for (PartitionCoordinator<?, ?> c : coordinators.values()) {
            c.revoke();
        }
        coordinators.clear();
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
        for (PartitionCoordinator<?, ?> c : coordinators.values()) {
            c.revoke();
        }
        coordinators.clear();
        try {
            consumer.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(timeout));
        } catch (RuntimeException e) {
            LOG.warn("[{}] closing the consumer on halt failed: {}", name, e.toString());
        }
    }

    /** Snapshots of the assigned partitions, in assignment order. */
    public List<PartitionState> partitions() {
        List<PartitionState> states = new ArrayList<>();
        for (PartitionCoordinator<?, ?> c : coordinators.values()) {
            states.add(new PartitionState(c.topicPartition(), c.generation(), c.state().name(), c.fetchPosition(),
                    c.marked(), c.committed(), Optional.ofNullable(c.pausedUntil()), c.attempts(),
                    c.filterFailures(), c.logStart(), c.logEnd(), c.consumerClass(), c.latestLogEnd(), c.lag()));
        }
        return states;
    }

    /** Counters of what this loop did. */
    public LoopCounters counters() {
        return counters;
    }

    // ---------------------------------------------------------------- reports

    private void drainReports() {
        Report r;
        while ((r = deferred.poll()) != null) {
            apply(r);
        }
        while ((r = reports.poll()) != null) {
            apply(r);
        }
    }

    private void apply(Report report) {
        TopicPartition tp = report.topicPartition();
        free(tp);
        PartitionCoordinator<?, ?> c = coordinators.get(tp);
        if (c == null || c.generation() != report.generation() || c.state() != PartitionCoordinator.State.IN_FLIGHT) {
            LOG.debug("[{}] report of {} generation {} is stale; it only frees the partition", name, tp,
                    report.generation());
            counters.staleReports.incrementAndGet();
            if (c != null && c.state() == PartitionCoordinator.State.IDLE && !closing && !busy(tp)) {
                consumer.resume(List.of(tp));
            }
            return;
        }
        report.mark().ifPresent(c::mark);
        Instant now = clock.instant();
        if (report.outcome() instanceof Report.Succeeded ok) {
            Verdict v = ok.verdict();
            c.succeeded(v.resumeAt().orElse(c.fetchPosition()));
            counters.jobsSucceeded.incrementAndGet();
            counters.messagesConsumed.addAndGet(ok.consumed());
            if (v instanceof Verdict.Pause p && !p.timeout().isZero()) {
                c.clearBuffer();
                c.pauseUntil(now.plus(p.timeout()), p.cursor().offset());
                counters.pauses.incrementAndGet();
                events.emit(new SluiceEvent.Paused(name, tp, c.pausedUntil(), p.cursor().offset(), "filter"));
                return;
            }
            c.complete();
            OptionalLong cursor = v.resumeAt();
            if (cursor.isPresent()) {
                seek(c, cursor.getAsLong());
            } else if (c.hasBuffered() && !closing) {
                dispatchBuffered(c);
                return;
            }
            if (!closing) {
                consumer.resume(List.of(tp));
            }
        } else if (report.outcome() instanceof Report.DeadLettered dl) {
            c.succeeded(dl.offset() + 1);
            c.pendingDeadLetter(null);
            c.complete();
            counters.deadLettered.incrementAndGet();
            events.emit(new SluiceEvent.DeadLettered(name, tp, dl.offset(), dl.topic(), dl.attempts()));
            seek(c, dl.offset() + 1);
            if (!closing) {
                consumer.resume(List.of(tp));
            }
        } else if (report.outcome() instanceof Report.Failed failed) {
            onFailure(c, failed, now);
        }
    }

    /**
     * A failed job: filter failures and failed dead-letter publications retry with backoff forever; a consumer
     * or poison failure is narrowed down to its message, whose attempts count toward the dead-letter limit.
     */
    private void onFailure(PartitionCoordinator<?, ?> c, Report.Failed failed, Instant now) {
        TopicPartition tp = c.topicPartition();
        c.clearBuffer();
        counters.messagesConsumed.addAndGet(failed.consumedBefore());
        counters.jobsFailed.incrementAndGet();
        TopicSettings topicSettings = c.topic().settings();
        Backoff backoff = topicSettings.backoff();
        int attempt;
        switch (failed.kind()) {
            case FILTER, DEAD_LETTER -> attempt = c.failedFilter();
            default -> {
                attempt = c.failedAttempt();
                if (failed.failedOffset().isPresent()) {
                    long offset = failed.failedOffset().getAsLong();
                    int messageAttempts = c.failedAt(offset);
                    Optional<DeadLetterQueue> dlq = topicSettings.deadLetterQueue();
                    boolean exhausted = dlq.isPresent() && (messageAttempts > dlq.get().maxRetries()
                            || topicSettings.isNonRetryable(failed.error()));
                    // only once every message before it is done: dead-lettering marks past them
                    boolean firstUnsettled = failed.retryFrom() == offset;
                    if (exhausted && firstUnsettled && failed.failedRecord().isPresent()) {
                        events.emit(new SluiceEvent.Failed(name, tp, c.generation(), failed.kind().name(),
                                messageAttempts, failed.failedOffset(), failed.error(), Duration.ZERO));
                        c.narrowUntil(offset + 1);
                        launchDeadLetter(c, failed.failedRecord().get(), failed.error(), messageAttempts,
                                dlq.get().topic());
                        return;
                    }
                    attempt = messageAttempts;
                    // the failing message is known: retry it alone, then batches as usual
                    c.narrowUntil(offset + 1);
                } else {
                    // retry one message at a time up to the failed batch's end, so the failing one is found alone
                    c.narrowUntil(failed.batchEnd());
                }
            }
        }
        Duration delay = backoff.delay(attempt);
        if (failed.kind() != Report.FailureKind.DEAD_LETTER) {
            // a failed publication keeps its pending dead letter: the publication is retried, not the consumer
            c.pendingDeadLetter(null);
        }
        c.pauseUntil(now.plus(delay), failed.retryFrom());
        c.awaitRetry(failed.kind().name(), attempt);
        LOG.warn("[{}] {} failed ({} failure, attempt {}{}), retrying from offset {} in {}: {}", name, tp,
                failed.kind(), attempt, failed.failedOffset().isPresent()
                        ? " of offset " + failed.failedOffset().getAsLong() : "", failed.retryFrom(), delay,
                failed.error().toString());
        events.emit(new SluiceEvent.Failed(name, tp, c.generation(), failed.kind().name(), attempt,
                failed.failedOffset(), failed.error(), delay));
        events.emit(new SluiceEvent.Paused(name, tp, c.pausedUntil(), failed.retryFrom(), "backoff"));
    }

    private void expirePauses() {
        Instant now = clock.instant();
        for (PartitionCoordinator<?, ?> c : coordinators.values()) {
            if (c.state() == PartitionCoordinator.State.PAUSED && !now.isBefore(c.pausedUntil())) {
                PartitionCoordinator.PendingDeadLetter pending = c.pendingDeadLetter();
                Optional<DeadLetterQueue> dlq = c.topic().settings().deadLetterQueue();
                if (pending != null && dlq.isPresent() && !closing) {
                    retried(c, c.pendingRetry(), pending.record().offset());
                    launchDeadLetter(c, pending.record(), pending.error(), pending.attempts(), dlq.get().topic());
                    continue;
                }
                PartitionCoordinator.PendingRetry retry = c.pendingRetry();
                long cursor = c.resume();
                if (c.refreshLogRange()) {
                    refreshLogRange(c);
                }
                retried(c, retry, cursor);
                seek(c, cursor);
                events.emit(new SluiceEvent.Resumed(name, c.topicPartition(), cursor));
                if (!closing) {
                    consumer.resume(List.of(c.topicPartition()));
                }
            }
        }
    }

    /** Counts and reports that a failure's backoff ended and the work goes again from {@code cursor}. */
    private void retried(PartitionCoordinator<?, ?> c, PartitionCoordinator.PendingRetry retry, long cursor) {
        if (retry == null) {
            return;
        }
        counters.retries.incrementAndGet();
        LOG.debug("[{}] {} retries its {} failure (attempt {} failed) from offset {}", name, c.topicPartition(),
                retry.kind(), retry.attempt(), cursor);
        events.emit(new SluiceEvent.Retried(name, c.topicPartition(), c.generation(), retry.kind(), retry.attempt(),
                cursor));
    }

    private void refreshLogRange(PartitionCoordinator<?, ?> c) {
        TopicPartition tp = c.topicPartition();
        c.logRange(logStart(tp), logEnd(tp));
    }

    /** The consumer knows each fetched partition's high watermark: the lag it reports is counted from its position. */
    private void observeLogEnds() {
        for (PartitionCoordinator<?, ?> c : coordinators.values()) {
            if (c.fetchPosition() < 0) {
                continue;
            }
            try {
                OptionalLong lag = consumer.currentLag(c.topicPartition());
                if (lag.isPresent()) {
                    c.observedLogEnd(c.fetchPosition() + lag.getAsLong());
                }
            } catch (RuntimeException e) {
                // not assigned in the consumer (mid-rebalance) or closed: the last known end stays
                LOG.trace("[{}] no lag for {}: {}", name, c.topicPartition(), e.toString());
            }
        }
    }

    private void seek(PartitionCoordinator<?, ?> c, long offset) {
        c.clearBuffer();
        consumer.seek(c.topicPartition(), offset);
        c.fetchPosition(offset);
        counters.seeks.incrementAndGet();
        events.emit(new SluiceEvent.Sought(name, c.topicPartition(), offset));
    }

    // ---------------------------------------------------------------- polling and dispatch

    private Duration pollTimeout() {
        Instant now = clock.instant();
        Duration timeout = settings.pollTimeout();
        for (PartitionCoordinator<?, ?> c : coordinators.values()) {
            if (c.state() == PartitionCoordinator.State.PAUSED) {
                Duration left = Duration.between(now, c.pausedUntil());
                if (left.compareTo(timeout) < 0) {
                    timeout = left.isNegative() ? Duration.ZERO : left;
                }
            }
        }
        return timeout;
    }

    private void dispatch(ConsumerRecords<byte[], byte[]> records) {
        Map<TopicPartition, OffsetAndMetadata> nextOffsets = records.nextOffsets();
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> list = records.records(tp);
            PartitionCoordinator<?, ?> c = coordinators.get(tp);
            if (c == null || list.isEmpty()) {
                continue;
            }
            long first = list.get(0).offset();
            if (closing || c.state() != PartitionCoordinator.State.IDLE || busy(tp)) {
                // fetched for a busy partition (pause state forgotten by a rebalance): fetch it again later
                c.clearBuffer();
                consumer.seek(tp, c.fetchPosition() >= 0 ? c.fetchPosition() : first);
                consumer.pause(List.of(tp));
                counters.refetches.incrementAndGet();
                continue;
            }
            if (first > c.fetchPosition() && c.fetchPosition() >= 0 && c.topic().offsetAuthority().isPresent()) {
                // a gap is compaction, or Kafka's auto.offset.reset after retention passed the position
                OptionalLong start = logStart(tp);
                if (start.isPresent() && c.fetchPosition() < start.getAsLong()) {
                    c = reassemble(c, start);
                }
            }
            OffsetAndMetadata next = nextOffsets.get(tp);
            long nextOffset = next != null ? next.offset() : list.get(list.size() - 1).offset() + 1;
            if (c.narrowUntil() >= 0) {
                if (first < c.narrowUntil()) {
                    // finding a failing message: one at a time; the rest waits in the coordinator's buffer
                    if (list.size() > 1) {
                        c.buffer(list.subList(1, list.size()), nextOffset);
                        nextOffset = list.get(1).offset();
                        list = list.subList(0, 1);
                    }
                } else {
                    c.stopNarrowing();
                }
            }
            long fetchOffset = c.fetchPosition() >= 0 && c.fetchPosition() <= first ? c.fetchPosition() : first;
            consumer.pause(List.of(tp));
            launch(c, list, fetchOffset, nextOffset);
        }
        // a fetch may step over markers without returning records
        for (Map.Entry<TopicPartition, OffsetAndMetadata> e : nextOffsets.entrySet()) {
            PartitionCoordinator<?, ?> c = coordinators.get(e.getKey());
            if (c != null && c.state() == PartitionCoordinator.State.IDLE && records.records(e.getKey()).isEmpty()
                    && e.getValue().offset() > c.fetchPosition()) {
                c.fetchPosition(e.getValue().offset());
            }
        }
    }

    /**
     * Hands out the next buffered record while narrowing (the partition stays paused, its position at the
     * fetch's end); once past the narrowing range, the rest of the buffer goes out as one batch.
     */
    private void dispatchBuffered(PartitionCoordinator<?, ?> c) {
        long fetchOffset = c.fetchPosition();
        boolean narrowing = c.narrowUntil() >= 0 && c.nextBufferedOffset() < c.narrowUntil();
        List<ConsumerRecord<byte[], byte[]>> list = c.takeBuffered(narrowing ? 1 : Integer.MAX_VALUE);
        if (!narrowing) {
            c.stopNarrowing();
        }
        launch(c, list, fetchOffset, c.nextBufferedOffset());
    }

    /** Runs one batch of {@code c} on the executor; the partition is already paused in the consumer. */
    private void launch(PartitionCoordinator<?, ?> c, List<ConsumerRecord<byte[], byte[]>> records, long fetchOffset,
                        long nextOffset) {
        Runnable job = c.dispatch(records, fetchOffset, nextOffset, clock, this::offerReport, name, events);
        c.fetchPosition(nextOffset);
        inFlight.merge(c.topicPartition(), 1, Integer::sum);
        counters.jobsDispatched.incrementAndGet();
        executor.execute(job);
    }

    /** Publishes a failed message to the dead-letter topic on the executor; the partition stays paused. */
    private void launchDeadLetter(PartitionCoordinator<?, ?> c, ConsumerRecord<byte[], byte[]> record,
                                  Throwable error, int attempts, String topic) {
        executor.execute(c.deadLetter(record, error, attempts, topic, deadLetters, this::offerReport));
        inFlight.merge(c.topicPartition(), 1, Integer::sum);
    }

    /**
     * An offset-managed partition whose position Kafka reset under it: its offset store must decide again, so it
     * gets a fresh coordinator (new generation, new filters) that sees the log range as it is now. The batch is
     * then claimed from the log start, and the offset manager compares its row with that — a row below the log
     * start is out of range and its policy applies (FAIL by default), never a silent jump.
     */
    private PartitionCoordinator<?, ?> reassemble(PartitionCoordinator<?, ?> old, OptionalLong start) {
        TopicPartition tp = old.topicPartition();
        OptionalLong end = logEnd(tp);
        LOG.error("[{}] the position {} of offset-managed {} fell below the log start {} and Kafka reset it; the offset"
                + " store decides again", name, old.fetchPosition(), tp, start.isPresent() ? start.getAsLong() : "?");
        old.revoke();
        long generation = generations.merge(tp, 1L, Long::sum);
        PartitionCoordinator<?, ?> fresh = PartitionCoordinator.create(tp, group, generation, old.topic(),
                start.orElse(old.fetchPosition()), start, end);
        fresh.mark(old.marked());
        fresh.committed(old.committed());
        coordinators.put(tp, fresh);
        counters.resets.incrementAndGet();
        events.emit(new SluiceEvent.Assigned(name, tp, generation, fresh.fetchPosition()));
        return fresh;
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

    /** A job of {@code tp}, of any generation, has reported. */
    private void free(TopicPartition tp) {
        inFlight.computeIfPresent(tp, (k, n) -> n <= 1 ? null : n - 1);
    }

    // ---------------------------------------------------------------- commits

    private void maybeCommit() {
        Instant now = clock.instant();
        if (!now.isBefore(nextCommit)) {
            commit(coordinators.keySet());
            nextCommit = now.plus(settings.commitInterval());
        }
    }

    /** Commits the marks of {@code tps}; returns the failure, already logged and counted, or null. */
    private RuntimeException commit(Collection<TopicPartition> tps) {
        if (halted) {
            return null;
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : tps) {
            PartitionCoordinator<?, ?> c = coordinators.get(tp);
            if (c != null && c.dirty()) {
                offsets.put(tp, new OffsetAndMetadata(c.marked()));
            }
        }
        if (offsets.isEmpty()) {
            return null;
        }
        try {
            retryOnWakeup(() -> {
                consumer.commitSync(offsets, settings.commitTimeout());
                return null;
            });
            for (Map.Entry<TopicPartition, OffsetAndMetadata> e : offsets.entrySet()) {
                coordinators.get(e.getKey()).committed(e.getValue().offset());
            }
            counters.commits.incrementAndGet();
            events.emit(new SluiceEvent.Committed(name, plain(offsets)));
            return null;
        } catch (RuntimeException e) {
            counters.commitFailures.incrementAndGet();
            events.emit(new SluiceEvent.CommitFailed(name, plain(offsets), e));
            LOG.warn("[{}] commit of {} failed; the marks stay and are committed later: {}", name, offsets,
                    e.toString());
            return e;
        }
    }

    private static Map<TopicPartition, Long> plain(Map<TopicPartition, OffsetAndMetadata> offsets) {
        Map<TopicPartition, Long> m = new LinkedHashMap<>();
        offsets.forEach((tp, o) -> m.put(tp, o.offset()));
        return m;
    }

    /**
     * A blocking consumer call other than poll. A wakeup is meant for poll (a worker finished a job), so the call
     * is retried; a few times, because several workers may finish while one commit is under way, and a lost
     * revocation commit would make the next owner repeat work.
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
        } catch (RuntimeException e) {
            LOG.error("[{}] handling the assignment of {} failed", name, partitions, e);
        } finally {
            repauseBusy();
        }
    }

    private void release(Collection<TopicPartition> partitions, boolean commit) {
        partitions.forEach(unassembled::remove);
        List<TopicPartition> ours = partitions.stream().filter(coordinators::containsKey).toList();
        if (ours.isEmpty()) {
            repauseBusy();
            return;
        }
        counters.rebalances.incrementAndGet();
        LOG.info("[{}] partitions {}: {}", name, commit ? "revoked" : "lost", ours);
        for (TopicPartition tp : ours) {
            coordinators.get(tp).revokedFlag().set(true);
        }
        if (!halted) {
            // during close() too: a rebalance then still gives in-flight jobs their grace, so their marks count
            awaitJobs(ours);
        }
        if (commit && !halted) {
            commit(ours);
        }
        for (TopicPartition tp : ours) {
            PartitionCoordinator<?, ?> c = coordinators.remove(tp);
            c.revoke();
            events.emit(commit ? new SluiceEvent.Revoked(name, tp, c.generation())
                    : new SluiceEvent.Lost(name, tp, c.generation()));
        }
        repauseBusy();
    }

    /** Waits up to the grace period for the jobs of {@code tps}, applying their marks as they report. */
    private void awaitJobs(List<TopicPartition> tps) {
        // reports set aside by an earlier revocation in this poll count too
        for (java.util.Iterator<Report> it = deferred.iterator(); it.hasNext(); ) {
            Report r = it.next();
            if (tps.contains(r.topicPartition())) {
                it.remove();
                applyDuringRevocation(r);
            }
        }
        Instant deadline = clock.instant().plus(settings.revocationGrace());
        while (tps.stream().anyMatch(this::busy)) {
            Duration left = Duration.between(clock.instant(), deadline);
            if (left.isNegative() || left.isZero()) {
                LOG.warn("[{}] jobs of {} still run after the revocation grace of {}; their results will be ignored",
                        name, tps.stream().filter(this::busy).toList(), settings.revocationGrace());
                return;
            }
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
                applyDuringRevocation(r);
            } else {
                deferred.add(r);
            }
        }
    }

    /** A report of a partition being revoked: it frees the partition and its marks count; nothing else. */
    private void applyDuringRevocation(Report r) {
        free(r.topicPartition());
        PartitionCoordinator<?, ?> c = coordinators.get(r.topicPartition());
        if (c != null && c.generation() == r.generation()) {
            r.mark().ifPresent(c::mark);
        }
    }

    private void assign(Collection<TopicPartition> partitions) {
        List<TopicPartition> fresh = partitions.stream().filter(tp -> !coordinators.containsKey(tp)).toList();
        if (fresh.isEmpty()) {
            return;
        }
        counters.rebalances.incrementAndGet();
        LOG.info("[{}] partitions assigned: {}", name, fresh);
        Map<TopicPartition, Long> starts = offsets(() -> consumer.beginningOffsets(fresh, settings.commitTimeout()));
        Map<TopicPartition, Long> ends = offsets(() -> consumer.endOffsets(fresh, settings.commitTimeout()));
        for (TopicPartition tp : fresh) {
            Optional<TopicDefinition<?, ?>> topic = topology.topic(tp.topic());
            if (topic.isEmpty()) {
                LOG.warn("[{}] assigned {} which the topology does not declare; ignoring it", name, tp);
                continue;
            }
            try {
                create(tp, topic.get(), optional(starts.get(tp)), optional(ends.get(tp)));
            } catch (RuntimeException e) {
                // a consumer or filter factory failed: keep the partition paused and try again later, rather than
                // drop its records while the position moves on
                LOG.error("[{}] could not set up {} (its consumer or filters failed to build); retrying in {}",
                        name, tp, ASSIGNMENT_RETRY, e);
                unassembled.put(tp, clock.instant().plus(ASSIGNMENT_RETRY));
            }
        }
    }

    private void create(TopicPartition tp, TopicDefinition<?, ?> topic, OptionalLong logStart, OptionalLong logEnd) {
        long position;
        try {
            position = retryOnWakeup(() -> consumer.position(tp, settings.commitTimeout()));
        } catch (RuntimeException e) {
            LOG.warn("[{}] position of {} unknown at assignment: {}", name, tp, e.toString());
            position = -1;
        }
        long generation = generations.merge(tp, 1L, Long::sum);
        PartitionCoordinator<?, ?> c = PartitionCoordinator.create(tp, group, generation, topic, position, logStart, logEnd);
        coordinators.put(tp, c);
        unassembled.remove(tp);
        counters.assignments.incrementAndGet();
        events.emit(new SluiceEvent.Assigned(name, tp, generation, position));
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
                    create(tp, topology.topic(tp.topic()).orElseThrow(), logStart(tp), logEnd(tp));
                    consumer.resume(List.of(tp));
                } catch (RuntimeException e) {
                    LOG.error("[{}] could not set up {} again; retrying in {}: {}", name, tp, ASSIGNMENT_RETRY,
                            e.toString());
                    unassembled.put(tp, now.plus(ASSIGNMENT_RETRY));
                }
            }
        }
    }

    private Map<TopicPartition, Long> offsets(Supplier<Map<TopicPartition, Long>> call) {
        try {
            return retryOnWakeup(call);
        } catch (RuntimeException e) {
            LOG.warn("[{}] could not read log offsets: {}", name, e.toString());
            return Map.of();
        }
    }

    /** The log start offset of one partition, when the broker answers. */
    private OptionalLong logStart(TopicPartition tp) {
        return optional(offsets(() -> consumer.beginningOffsets(List.of(tp), settings.commitTimeout())).get(tp));
    }

    /** The log end offset of one partition, when the broker answers. */
    private OptionalLong logEnd(TopicPartition tp) {
        return optional(offsets(() -> consumer.endOffsets(List.of(tp), settings.commitTimeout())).get(tp));
    }

    private static OptionalLong optional(Long value) {
        return value == null ? OptionalLong.empty() : OptionalLong.of(value);
    }

    /** KafkaConsumer forgets pause state across rebalances: pause again every partition that is not idle. */
    private void repauseBusy() {
        if (halted) {
            return;
        }
        List<TopicPartition> toPause = new ArrayList<>();
        Set<TopicPartition> assignment = consumer.assignment();
        for (PartitionCoordinator<?, ?> c : coordinators.values()) {
            TopicPartition tp = c.topicPartition();
            if (assignment.contains(tp)
                    && (closing || c.state() != PartitionCoordinator.State.IDLE || busy(tp))) {
                toPause.add(tp);
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
        final AtomicLong pollFailures = new AtomicLong();
        final AtomicLong resets = new AtomicLong();
        final AtomicLong retries = new AtomicLong();

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
            m.put("pollFailures", pollFailures.get());
            m.put("resets", resets.get());
            m.put("retries", retries.get());
            return m;
        }
    }
}
