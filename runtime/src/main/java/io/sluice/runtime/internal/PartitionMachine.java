package io.sluice.runtime.internal;

import io.sluice.dsl.DeadLetterQueue;
import io.sluice.dsl.InfrastructureFailure;
import io.sluice.dsl.MarkingMode;
import io.sluice.dsl.OffsetRefusedException;
import io.sluice.dsl.TopicSettings;
import io.sluice.dsl.TransactionAbortedException;
import io.sluice.dsl.Verdict;
import io.sluice.runtime.FailureKind;
import io.sluice.runtime.PartitionState;
import io.sluice.runtime.SluiceEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * One assignment of one partition as a pure state machine: the listener feeds it events (assigned, fetched,
 * advanced without records, a job's report, time passing, an invalid offset, revoked, lost, closing) and carries
 * out the {@link Command}s each event returns (launch a job, seek, pause, resume, reset, emit). It makes no Kafka
 * call, reads no clock (time is an argument, on the runtime's monotonic nanosecond scale) and starts no thread, so
 * every schedule of events can be replayed in a test. See {@code docs/architecture.md}, "The partition machine".
 *
 * <p>States and events (a report, enforcement result or dead letter in a state that did not ask for it, and any
 * event after REVOKED, throws {@link IllegalStateException} naming the state and the event):
 * <pre>
 * state           event                     next state        commands
 * (new)           assigned, offset-managed  ENFORCING         pause, launch enforcement
 * (new)           assigned, position known  IDLE              -
 * (new)           assigned, no position     IDLE              reset position (the user's auto.offset.reset)
 * ENFORCING       enforced: stored in log   IDLE              seek to it (unless already there), resume (after a
 *                                                             first enforcement, also renew the filters)
 * ENFORCING       enforced: nothing stored  IDLE / ENFORCING  resume, or reset position when Kafka has none
 * ENFORCING, IDLE reset (position found)    IDLE              resume
 * any live        reset failed              BACKOFF           (the reset is tried again, committed offset first)
 * ENFORCING       enforced: outside log     IDLE / BACKOFF    the out-of-range policy: seek to a log end, or blocked
 * ENFORCING       failed                    BACKOFF           -
 * IDLE            fetched                   IN_FLIGHT         pause, launch (narrowed to one record while finding
 *                                                             a failing message; the rest is buffered)
 * IDLE            advanced                  IDLE              mark (automatic marking) or, offset-managed, remember
 * IDLE            tick, advance due         ADVANCING         pause, launch advance
 * IDLE            invalid offset            ENFORCING / IDLE  launch enforcement / reset position
 * IN_FLIGHT       succeeded                 IDLE / PAUSED /   seek to the cursor, or pause until the verdict's
 *                                           IN_FLIGHT         deadline, or launch the buffered records
 * IN_FLIGHT       failed: message, spent    DEAD_LETTERING    launch the dead letter
 * IN_FLIGHT       failed: any other         BACKOFF           -
 * DEAD_LETTERING  dead-lettered             IDLE              seek past it, resume
 * DEAD_LETTERING  failed                    BACKOFF           (retries the publication, or only the row advance)
 * ADVANCING       advanced / failed         IDLE / BACKOFF    -
 * PAUSED          tick, deadline passed     IDLE              seek to the cursor, resume
 * BACKOFF         tick, deadline passed     IDLE / ENFORCING  seek to the retry's cursor, or launch again
 *                                           / DEAD_LETTERING
 *                                           / ADVANCING
 * any but REVOKED fetched while busy        (same)            seek back to the position (the fetch is undone)
 * any but REVOKED advanced while busy       (same)            seek back to the position
 * any but REVOKED closing                   (same)            pause (a reason that never goes away)
 * any             revoked, lost             REVOKED           -
 * </pre>
 * An invalid offset outside IDLE is ignored (a busy partition is paused and meets it again when it fetches), and a
 * fetch whose records were all dead-lettered earlier under manual marking launches nothing and stays IDLE.
 *
 * <p>The position — where the next fetch starts — changes only through a seek this machine asks for or records
 * Kafka returned (a poll that advanced without records included). The partition is paused in the consumer while
 * any pause reason is present (work in flight, a filter's pause, a backoff, closing) and resumed only when none
 * is left. Failure progress lives in the machine, not in a job: the failing message and its attempts survive
 * pauses and seeks within the assignment, and the narrowing buffer hands fetched records out one at a time.
 */
final class PartitionMachine {

    /** The machine's states; see the class comment for the moves. */
    enum State { ENFORCING, IDLE, IN_FLIGHT, DEAD_LETTERING, ADVANCING, PAUSED, BACKOFF, REVOKED }

    /** Why the partition is paused in the consumer; it is resumed only when none is left. */
    enum PauseReason { WORK, FILTER, BACKOFF, CLOSING,
        /** Too many fetched messages wait in virtual-partition groups (see {@link VirtualPartitionTracker}). */
        BACKPRESSURE,
        /** An operator paused the partition; only an operator's resume removes it. */
        OPERATOR,
        /**
         * Offset-managed with virtual partitions, the stored mapping not this member's: nothing new is fetched so
         * that the lanes drain and the rows can be swapped; bounded (see {@link #drainForSwap}).
         */
        DRAIN }

    /** A moment: monotonic nanoseconds for deadlines, the wall instant for events. */
    record Now(long nanos, Instant instant) {
        Instant at(long deadlineNanos) {
            return instant.plusNanos(deadlineNanos - nanos);
        }
    }

    /** What a backoff retries when it ends. */
    sealed interface Retry {
        /** The batch again, from {@code cursor}. */
        record Batch(long cursor) implements Retry {
        }

        /** Reading the stored offset again (enforcement). */
        record Enforce() implements Retry {
        }

        /** Publishing a dead letter again. */
        record DeadLetter(PendingDeadLetter letter) implements Retry {
        }

        /** Only advancing the store past a dead letter already published. */
        record DeadLetterAdvance(PendingDeadLetter letter) implements Retry {
        }

        /** Advancing the store over offsets without records. */
        record Advance(long nextOffset) implements Retry {
        }

        /** Applying the user's reset again. */
        record Reset() implements Retry {
        }
    }

    /** A message whose attempts are spent, on its way to the dead-letter topic (empty: discarded). */
    record PendingDeadLetter(ConsumerRecord<byte[], byte[]> record, Throwable error, int attempts,
                             Optional<String> topic) {
    }

    /** The timings a machine needs; they never change within an assignment. */
    record Timings(Duration commitInterval, Duration blockedAlertAfter) {
    }

    private final TopicPartition topicPartition;
    private final long generation;
    private final String instance;
    private final TopicSettings settings;
    private final boolean offsetManaged;
    private final Timings timings;
    private final String consumerClass;
    private final ListenerLoop.LoopCounters counters;

    private State state;
    private final EnumSet<PauseReason> reasons = EnumSet.noneOf(PauseReason.class);
    private boolean consumerPaused;
    private List<Command> out = new ArrayList<>();

    private long position;
    private final long assignedPosition;
    private long floor;
    private long marked = -1;
    /** An operator moved the row: the next enforcement voids this assignment's marks. */
    private boolean marksVoid;
    private long committed = -1;
    private OptionalLong logStart;
    private OptionalLong logEnd;
    private long latestLogEnd = -1;
    private String lastVerdict = "";

    private long pauseDeadline;
    private long pauseCursor = -1;
    /** Where the batch resumed at {@link #pauseCursor} is fetched from: below the cursor when only a gap lies between. */
    private long pauseGapStart = -1;
    private long backoffDeadline;
    private Retry retry;
    private FailureKind retryKind;
    private int retryAttempt;
    private PendingDeadLetter deadLetter;
    private long advancing = -1;

    private long failingOffset = -1;
    private int failingAttempts;
    private int batchAttempts;
    private int repeatedFailures;
    private int userInfrastructureFailures;
    private long narrowUntil = -1;
    private List<ConsumerRecord<byte[], byte[]>> buffer = List.of();
    private long bufferEnd = -1;

    private long blockedSince = Long.MIN_VALUE;
    private Instant blockedSinceInstant;
    private boolean blockedReported;
    private Throwable lastError;
    private FailureKind lastKind;

    private long refusedStored = -1;
    private long refusedFetch = -1;

    private long idleAdvance = -1;
    /**
     * Where the current stretch of record-less position advances began (-1: none): the next batch is fetched from
     * there, since the polls over the stretch fetched nothing from it (markers, aborted records, compaction gaps).
     */
    private long gapStart = -1;
    private long idleAdvanceSince;
    private long inFlightFirst = -1;
    /** The offset the batch in flight was fetched from. */
    private long inFlightFetch = -1;
    private boolean invalidOffsetSeen;
    private boolean enforcedBefore;
    private final Set<Long> skipped = new TreeSet<>();
    /** The virtual partitions, when the topic has them; null otherwise. Replaced only at a drain point. */
    private VirtualPartitionTracker virtual;
    /** With virtual partitions, the Kafka mark L handed out so far (it only grows). */
    private long kafkaMark = -1;
    /** Offset-managed with virtual partitions: whether the stored rows belong to this member's own mapping. */
    private boolean mappingCurrent;
    /** A watermark job (W := max(W, L)) is running. */
    private boolean watermarkInFlight;
    /** That job is also replacing the rows at a drain point: the partition fetches nothing meanwhile. */
    private boolean swapping;
    /** Since when {@link PauseReason#DRAIN} holds the partition for a pending swap (MIN_VALUE: it does not). */
    private long drainSince = Long.MIN_VALUE;
    /** After a drain that reached no drain point within its limit, fetching goes on until then (MIN_VALUE: none). */
    private long drainRestUntil = Long.MIN_VALUE;
    /** The highest r_v read at the last enforcement: no drain point lies below it, so draining waits for it. */
    private long highestRow = -1;
    /** Drains of this assignment that reached no drain point; each doubles the next one's limit. */
    private int drainsGivenUp;
    /** The highest W this assignment wrote: Kafka is marked only up to it. */
    private long watermarkDurable = -1;
    private long lastWatermarkNanos = Long.MIN_VALUE;

    private PartitionMachine(TopicPartition topicPartition, long generation, String instance, TopicSettings settings,
                             boolean offsetManaged, Timings timings, String consumerClass,
                             ListenerLoop.LoopCounters counters, long position, OptionalLong logStart,
                             OptionalLong logEnd) {
        this.topicPartition = topicPartition;
        this.generation = generation;
        this.instance = instance;
        this.settings = settings;
        this.offsetManaged = offsetManaged;
        this.timings = timings;
        this.consumerClass = consumerClass;
        this.counters = counters;
        this.position = position;
        this.assignedPosition = position;
        this.floor = position;
        this.logStart = logStart;
        this.logEnd = logEnd;
        this.virtual = settings.virtualPartitions().isPresent()
                ? new VirtualPartitionTracker(topicPartition, generation, instance, settings,
                settings.virtualPartitions().get(), counters, position)
                : null;
        if (virtual != null && offsetManaged) {
            virtual.hold(true); // until enforcement has shown the rows exist for the mapping in use
        }
    }

    /**
     * A new assignment. {@code position} is Kafka's position (-1 when the group has no valid offset);
     * {@code commands} receives what to do first.
     */
    static PartitionMachine assigned(TopicPartition topicPartition, long generation, String instance,
                                     TopicSettings settings, boolean offsetManaged, Timings timings,
                                     String consumerClass, ListenerLoop.LoopCounters counters, long position,
                                     OptionalLong logStart, OptionalLong logEnd, List<Command> commands) {
        PartitionMachine m = new PartitionMachine(topicPartition, generation, instance, settings, offsetManaged,
                timings, consumerClass, counters, position, logStart, logEnd);
        if (offsetManaged) {
            m.enforce();
        } else {
            m.state = State.IDLE;
            if (position < 0) {
                // no committed offset was found (or it could not be read): look again, then the user's reset
                m.out.add(new Command.ResetPosition(true));
            }
        }
        m.sync();
        commands.addAll(m.drain());
        return m;
    }

    // ------------------------------------------------------------------------------------------------ events

    /** The consumer returned {@code records} (in offset order, not empty); its position is now {@code next}. */
    List<Command> fetched(List<ConsumerRecord<byte[], byte[]>> records, long next, OptionalLong observedLogEnd,
                          Now now) {
        live("fetched");
        observeLogEnd(observedLogEnd);
        if (state != State.IDLE || !reasons.isEmpty()) {
            // fetched while busy (a rebalance made the consumer forget the pause): undo the fetch
            counters.refetches.incrementAndGet();
            out.add(new Command.Seek(position >= 0 ? position : records.get(0).offset()));
            consumerPaused = false;
            sync();
            return drain();
        }
        long first = records.get(0).offset();
        long from = gapStart >= 0 ? gapStart : position;
        long fetchOffset = from >= 0 && from <= first ? from : first;
        position = next;
        gapStart = -1;
        invalidOffsetSeen = false;
        idleAdvance = -1;
        launchFrom(records, fetchOffset, next);
        sync();
        return drain();
    }

    /** A poll moved the position to {@code next} without returning records (markers, compaction). */
    List<Command> advanced(long next, OptionalLong observedLogEnd, Now now) {
        live("advance");
        observeLogEnd(observedLogEnd);
        if (state != State.IDLE || !reasons.isEmpty()) {
            if (position >= 0 && next != position) {
                out.add(new Command.Seek(position));
            }
            return drain();
        }
        long old = position;
        position = next;
        if (next > old && old >= 0 && gapStart < 0) {
            gapStart = old;
        }
        // everything below the old position is decided, or about to be by a pending idle advance that covers it
        if (next > old && (decidedUpTo() >= old || idleAdvance >= old)) {
            if (virtual != null) {
                // the watermark job (offset-managed) or the next commit carries it
                mark(next);
            } else if (offsetManaged) {
                if (idleAdvance < 0) {
                    idleAdvanceSince = now.nanos(); // a later marker does not postpone it
                }
                idleAdvance = next;
            } else if (settings.marking() == MarkingMode.AUTOMATIC) {
                mark(next);
            }
        }
        return drain();
    }

    /** Kafka found no valid position for the partition (no committed offset, out of range, truncated). */
    List<Command> invalidOffset(Now now) {
        live("invalid offset");
        if (state != State.IDLE) {
            // only a fetchable partition meets an invalid offset; a busy one is dealt with when it fetches again
            return drain();
        }
        position = -1;
        idleAdvance = -1;
        gapStart = -1;
        invalidOffsetSeen = true;
        clearBuffer();
        if (offsetManaged) {
            enforce();
        } else {
            out.add(new Command.ResetPosition(false));
        }
        sync();
        return drain();
    }

    /** The host applied the user's reset: the position is now {@code resolved}. */
    List<Command> reset(long resolved, Now now) {
        live("reset");
        position = resolved;
        floor = resolved;
        if (virtual != null) {
            virtual.sought(resolved);
        }
        idleAdvance = -1; // the position was placed anew: a pending advance over the old one is moot
        gapStart = -1;
        counters.resets.incrementAndGet();
        emit(new SluiceEvent.Sought(instance, topicPartition, resolved));
        if (state == State.ENFORCING) {
            removeReason(PauseReason.WORK);
            state = State.IDLE;
        }
        sync();
        return drain();
    }

    /** The host could not apply the user's reset ({@code none}, or the broker failed). */
    List<Command> resetFailed(Throwable error, Now now) {
        live("reset failure");
        removeReason(PauseReason.WORK);
        blocked(now, FailureKind.INFRASTRUCTURE, error, true);
        backoff(new Retry.Reset(), FailureKind.INFRASTRUCTURE, ++repeatedFailures, error, OptionalLong.empty(),
                now);
        sync();
        return drain();
    }

    /** A job of this assignment reported. */
    List<Command> reported(Report report, Now now) {
        live("report");
        Report.Outcome outcome = report.outcome();
        if (virtual != null && outcome instanceof Report.OfGroup group) {
            // a group decides only its own virtual partition's messages; the chain's state is not touched
            virtual.reported(group.virtualPartition(), report.mark(), group.outcome(), now,
                    !reasons.contains(PauseReason.CLOSING), out::add);
            sync();
            return drain();
        }
        if (virtual != null && outcome instanceof Report.Watermark wm) {
            watermarked(wm, now);
            sync();
            return drain();
        }
        if (virtual != null && outcome instanceof Report.Split split) {
            // everything below the settled end is decided or now waits in a group (which holds the Kafka mark back)
            require("split", State.IN_FLIGHT);
            mark(split.chain().settledEnd());
            if (offsetManaged && split.chain().cursor().isPresent()
                    && split.chain().cursor().getAsLong() > split.chain().settledEnd()) {
                // a seek forward past the batch (the offset manager to the stored start): what it skips is decided
                mark(split.chain().cursor().getAsLong());
            }
            virtual.add(split.fetchOffset(), split.chain().settledEnd(), split.groups());
            succeeded(split.chain(), now);
            if (!reasons.contains(PauseReason.CLOSING)) {
                virtual.launchReady(now, out::add);
            }
            sync();
            return drain();
        }
        if (!(outcome instanceof Report.DeadLettered && unmarkedDeadLetters())) {
            report.mark().ifPresent(this::mark);
        }
        if (outcome instanceof Report.Succeeded ok) {
            succeeded(ok, now);
        } else if (outcome instanceof Report.Failed failed) {
            failed(failed, now);
        } else if (outcome instanceof Report.DeadLettered dl) {
            require("dead-lettered", State.DEAD_LETTERING);
            deadLettered(dl.offset(), dl.topic(), dl.attempts());
        } else if (outcome instanceof Report.Enforced enforced) {
            require("enforced", State.ENFORCING);
            enforced(enforced, now);
        } else if (outcome instanceof Report.Advanced advanced) {
            require("advanced", State.ADVANCING);
            removeReason(PauseReason.WORK);
            mark(advanced.nextOffset());
            progress();
            if (deadLetter != null) {
                PendingDeadLetter letter = deadLetter;
                deadLettered(letter.record().offset(), letter.topic(), letter.attempts());
            } else {
                advancing = -1;
                state = State.IDLE;
            }
        }
        sync();
        return drain();
    }

    /** Whether an operator holds the partition paused. */
    boolean operatorPaused() {
        return reasons.contains(PauseReason.OPERATOR);
    }

    /**
     * An operator paused ({@code paused}) or resumed the partition: fetching stops or may go on, as the other
     * reasons allow; a job in flight finishes either way.
     */
    List<Command> operatorPause(boolean paused) {
        if (state != State.REVOKED) {
            if (paused) {
                reasons.add(PauseReason.OPERATOR);
            } else {
                reasons.remove(PauseReason.OPERATOR);
            }
        }
        sync();
        return drain();
    }

    /**
     * An operator moved the partition's stored offset (the offset manager's row): this assignment's marks are void
     * — the one case where a mark moves back — and the partition is enforced again, from the row. An idle partition
     * is enforced now; a busy one meets the move as a refusal of its next transaction, which enforces it again.
     */
    List<Command> operatorMoved(Now now) {
        if (!offsetManaged || state == State.REVOKED || reasons.contains(PauseReason.CLOSING)) {
            return drain();
        }
        marksVoid = true;
        if (state == State.IDLE) {
            clearBuffer();
            idleAdvance = -1;
            enforce();
        }
        sync();
        return drain();
    }

    /** Time passed: pauses and backoffs that are due end; an idle advance that is due is launched. */
    List<Command> tick(Now now) {
        if (state == State.REVOKED || reasons.contains(PauseReason.CLOSING)) {
            // closing starts no new work: what is pending is decided by the next owner
            return drain();
        }
        if (state == State.PAUSED && now.nanos() - pauseDeadline >= 0) {
            removeReason(PauseReason.FILTER);
            state = State.IDLE;
            long cursor = pauseCursor;
            pauseCursor = -1;
            moveTo(cursor);
            gapStart = pauseGapStart;
            pauseGapStart = -1;
            emit(new SluiceEvent.Resumed(instance, topicPartition, cursor));
        } else if (state == State.BACKOFF && now.nanos() - backoffDeadline >= 0) {
            removeReason(PauseReason.BACKOFF);
            Retry r = retry;
            retry = null;
            counters.retries.incrementAndGet();
            emit(new SluiceEvent.Retried(instance, topicPartition, generation, retryKind, retryAttempt,
                    cursorOf(r)));
            if (r instanceof Retry.Batch b) {
                state = State.IDLE;
                moveTo(b.cursor());
                emit(new SluiceEvent.Resumed(instance, topicPartition, b.cursor()));
            } else if (r instanceof Retry.Enforce) {
                enforce();
            } else if (r instanceof Retry.DeadLetter d) {
                launchDeadLetter(d.letter());
            } else if (r instanceof Retry.DeadLetterAdvance d) {
                deadLetter = d.letter();
                launchAdvance(d.letter().record().offset() + 1);
            } else if (r instanceof Retry.Advance a) {
                launchAdvance(a.nextOffset());
            } else if (r instanceof Retry.Reset) {
                // an operator may have committed an offset for the group meanwhile
                state = offsetManaged ? State.ENFORCING : State.IDLE;
                if (offsetManaged) {
                    reasons.add(PauseReason.WORK);
                }
                out.add(new Command.ResetPosition(true));
            }
        }
        if (virtual != null) {
            virtual.tick(now, out::add);
            if (offsetManaged) {
                drainForSwap(now);
                maybeWatermark(now);
            }
        }
        if (state == State.IDLE && reasons.isEmpty() && idleAdvance > decidedUpTo()
                && now.nanos() - idleAdvanceSince >= timings.commitInterval().toNanos()) {
            long target = idleAdvance;
            idleAdvance = -1;
            launchAdvance(target);
        }
        if (blockedSince != Long.MIN_VALUE && !blockedReported
                && now.nanos() - blockedSince >= timings.blockedAlertAfter().toNanos()) {
            reportBlocked();
        }
        sync();
        return drain();
    }

    /**
     * A report of a job that finished while its partition was being revoked: its mark still counts for the
     * revocation's commit (except a dead letter's under manual marking, which only the consumer's marks cover).
     */
    void markWhileRevoking(Report report) {
        if (virtual != null && report.outcome() instanceof Report.OfGroup group) {
            virtual.reported(group.virtualPartition(), report.mark(), group.outcome(), null, false, out::add);
            return;
        }
        if (!(report.outcome() instanceof Report.DeadLettered && unmarkedDeadLetters())) {
            report.mark().ifPresent(this::mark);
        }
    }

    /** The partition was revoked or lost: the assignment is over. */
    void revoke() {
        state = State.REVOKED;
        reasons.clear();
        buffer = List.of();
    }

    /** The runtime is closing: the partition stays paused, whatever else happens. */
    List<Command> closing() {
        if (state != State.REVOKED) {
            reasons.add(PauseReason.CLOSING);
            sync();
        }
        return drain();
    }

    // ------------------------------------------------------------------------------------------------ queries

    TopicPartition topicPartition() {
        return topicPartition;
    }

    long generation() {
        return generation;
    }

    State state() {
        return state;
    }

    /** Whether the consumer must have the partition paused. */
    boolean paused() {
        return consumerPaused;
    }

    /** Where the next fetch starts, -1 when unknown. */
    long position() {
        return position;
    }

    /**
     * The Kafka mark: everything below it is decided. With virtual partitions that is L, the lowest offset not yet
     * decided — the chain's frontier, held back by the lowest message still waiting in a group.
     */
    long marked() {
        if (virtual == null) {
            return marked;
        }
        if (offsetManaged) {
            // Kafka's copy never runs ahead of the durable watermark
            return watermarkDurable;
        }
        kafkaMark = Math.max(kafkaMark, marked < 0 ? -1 : Math.min(marked, virtual.lowestUndecided()));
        return kafkaMark;
    }

    /**
     * L: what the chain decided (its frontier, or where the assignment was placed), held back by the lowest message
     * still undecided in a group (-1: nothing known yet).
     */
    private long lowestUndecided() {
        long decided = decidedUpTo();
        return decided < 0 ? -1 : Math.min(decided, virtual.lowestUndecided());
    }

    /** The mapping the partition's virtual partitions run now (null without virtual partitions). */
    io.sluice.dsl.VirtualPartitions virtualPartitions() {
        return virtual == null ? null : virtual.mapping();
    }

    /**
     * Offset-managed with virtual partitions: launches the watermark job when W lags L (at most every fifth of a
     * commit interval), or at once when the rows must be created (lanes held, nothing in flight) or replaced (a drain
     * point: no chain job, no group in flight or waiting; the partition fetches nothing until it is done).
     */
    private void maybeWatermark(Now now) {
        if (watermarkInFlight || state == State.ENFORCING || state == State.REVOKED) {
            return;
        }
        long l = lowestUndecided();
        if (l < 0) {
            return;
        }
        io.sluice.dsl.VirtualPartitions own = settings.virtualPartitions().orElseThrow();
        boolean ownActive = virtual.mapping().mapping().equals(own.mapping());
        boolean due = lastWatermarkNanos == Long.MIN_VALUE
                || now.nanos() - lastWatermarkNanos >= timings.commitInterval().toNanos() / 5;
        if (!due) {
            return;
        }
        if (!mappingCurrent && ownActive && virtual.lanesInFlight() == 0) {
            launchWatermark(l, own, true, now);
        } else if (!mappingCurrent && !ownActive && state == State.IDLE && onlyDrainHolds() && virtual.drained()
                && l >= highestRow) {
            // a drain point here; the store checks that every stored r_v is at most the W it writes
            swapping = true;
            reasons.add(PauseReason.WORK);
            launchWatermark(l, own, true, now);
        } else if (l > watermarkDurable) {
            launchWatermark(l, own, false, now);
        }
    }

    /**
     * While the stored mapping is not this member's, the partition fetches nothing new ({@link PauseReason#DRAIN}), so
     * that the chain job and the lanes finish what they hold and {@link #maybeWatermark} meets a drain point even under
     * continuous production (fetching on, a batch or a group would always be in flight). The pause is bounded: it is
     * released when the swap is done or failed, when a lane backs off after a failure (its retries may take long and
     * must not stop the other virtual partitions), or when no drain point came within the limit (the commit interval,
     * doubled after each such miss, at most the blocked-alert time); fetching then goes on for a commit interval
     * before the next drain. See {@code docs/architecture.md}, "Virtual partitions".
     */
    private void drainForSwap(Now now) {
        io.sluice.dsl.VirtualPartitions own = settings.virtualPartitions().orElseThrow();
        boolean pending = !mappingCurrent && !virtual.mapping().mapping().equals(own.mapping());
        if (!pending) {
            endDrain(false, now);
            drainsGivenUp = 0;
            return;
        }
        if (state == State.ENFORCING || swapping) {
            return;
        }
        if (drainSince != Long.MIN_VALUE) {
            long limit = timings.commitInterval().toNanos() << Math.min(drainsGivenUp, 16);
            limit = Math.min(limit, Math.max(timings.commitInterval().toNanos(),
                    timings.blockedAlertAfter().toNanos()));
            if (virtual.backingOff() || now.nanos() - drainSince >= limit) {
                drainsGivenUp++;
                endDrain(true, now);
            }
        } else if ((drainRestUntil == Long.MIN_VALUE || now.nanos() - drainRestUntil >= 0)
                && decidedUpTo() >= highestRow) {
            // the chain has passed every stored row (else L could not reach them without fetching on)
            drainRestUntil = Long.MIN_VALUE;
            drainSince = now.nanos();
            reasons.add(PauseReason.DRAIN);
        }
    }

    /** Releases {@link PauseReason#DRAIN}; {@code rest}: fetching goes on for a commit interval before the next. */
    private void endDrain(boolean rest, Now now) {
        if (drainSince != Long.MIN_VALUE) {
            drainSince = Long.MIN_VALUE;
            reasons.remove(PauseReason.DRAIN);
        }
        drainRestUntil = rest ? now.nanos() + timings.commitInterval().toNanos() : Long.MIN_VALUE;
    }

    /** No pause reason but {@link PauseReason#DRAIN} holds the partition. */
    private boolean onlyDrainHolds() {
        return reasons.isEmpty() || (reasons.size() == 1 && reasons.contains(PauseReason.DRAIN));
    }

    private void launchWatermark(long l, io.sluice.dsl.VirtualPartitions own, boolean drained, Now now) {
        watermarkInFlight = true;
        lastWatermarkNanos = now.nanos();
        out.add(new Command.LaunchWatermark(l, own.mapping(), own.count(), drained));
    }

    private void watermarked(Report.Watermark wm, Now now) {
        watermarkInFlight = false;
        boolean swapTried = swapping;
        if (swapping) {
            swapping = false;
            removeReason(PauseReason.WORK);
        }
        if (wm.error().isPresent()) {
            if (swapTried && drainSince != Long.MIN_VALUE) {
                // the store failed: fetching goes on meanwhile, the swap is tried at a later drain
                drainsGivenUp++;
                endDrain(true, now);
            }
            // retried when next due; nothing was written, so nothing more is marked
            emit(new SluiceEvent.Failed(instance, topicPartition, generation, FailureKind.INFRASTRUCTURE, 1,
                    OptionalLong.empty(), wm.error().get(), Duration.ZERO));
            return;
        }
        watermarkDurable = Math.max(watermarkDurable, wm.watermark());
        io.sluice.dsl.VirtualPartitions own = settings.virtualPartitions().orElseThrow();
        if (swapTried && drainSince != Long.MIN_VALUE && !wm.mapping().equals(Optional.of(own.mapping()))) {
            // the store found a row above the W it wrote (a member of the old mapping still applies): fetching goes
            // on for a while, and the swap is tried at a later drain
            drainsGivenUp++;
            endDrain(true, now);
        }
        if (!mappingCurrent && wm.mapping().equals(Optional.of(own.mapping()))) {
            mappingCurrent = true;
            endDrain(false, now);
            drainsGivenUp = 0;
            if (!virtual.mapping().mapping().equals(own.mapping())) {
                // the drain point: nothing waits in the old lanes, so the new ones start empty
                virtual = new VirtualPartitionTracker(topicPartition, generation, instance, settings, own, counters,
                        position);
            }
            virtual.hold(false);
            if (!reasons.contains(PauseReason.CLOSING)) {
                virtual.launchReady(now, out::add);
            }
        }
    }

    /**
     * At enforcement, with virtual partitions on an offset-managed topic: the lanes run the stored mapping (until a
     * drain point replaces it with this member's), or this member's when none is stored (held until the rows are
     * created). False when the stored mapping cannot be computed here: the partition is blocked.
     */
    private boolean adoptMapping(Optional<String> stored, Now now) {
        io.sluice.dsl.VirtualPartitions own = settings.virtualPartitions().orElseThrow();
        io.sluice.dsl.VirtualPartitions active = own;
        if (stored.isPresent() && !stored.get().equals(own.mapping())) {
            String m = stored.get();
            int colon = m.indexOf(':');
            String id = colon < 0 ? "" : m.substring(colon + 1);
            io.sluice.dsl.VirtualPartitioner partitioner = id.equals(own.partitioner().id()) ? own.partitioner()
                    : id.equals(io.sluice.dsl.VirtualPartitioner.murmur2().id())
                    ? io.sluice.dsl.VirtualPartitioner.murmur2() : null;
            int count;
            try {
                count = Integer.parseInt(m.substring(0, Math.max(colon, 0)));
            } catch (NumberFormatException e) {
                count = -1;
            }
            if (partitioner == null || count < 1 || count > io.sluice.dsl.VirtualPartitions.MAX_COUNT) {
                removeReason(PauseReason.WORK);
                IllegalStateException error = new IllegalStateException("the virtual-partition rows of "
                        + topicPartition + " belong to mapping '" + m + "', which this member cannot compute (it runs '"
                        + own.mapping() + "'): drain the partition first with members running '" + m + "' (stop"
                        + " producing or let them catch up, then stop them) or run a member that knows its partitioner;"
                        + " the rows are replaced at the next drain point");
                blocked(now, FailureKind.INFRASTRUCTURE, error, true);
                backoff(new Retry.Enforce(), FailureKind.INFRASTRUCTURE, ++repeatedFailures, error,
                        OptionalLong.empty(), now);
                return false;
            }
            active = new io.sluice.dsl.VirtualPartitions(count, partitioner, own.maxInFlightMessages());
        }
        mappingCurrent = stored.isPresent() && stored.get().equals(own.mapping());
        if (enforcedBefore && virtual.mapping().mapping().equals(active.mapping())) {
            // enforced again within the assignment: the lanes and what waits in them stay
            virtual.hold(stored.isEmpty());
            return true;
        }
        virtual = new VirtualPartitionTracker(topicPartition, generation, instance, settings, active, counters,
                position);
        virtual.hold(stored.isEmpty());
        return true;
    }

    long committed() {
        return committed;
    }

    /** A mark is waiting to be committed. */
    boolean dirty() {
        return marked() > committed;
    }

    void committed(long offset) {
        committed = Math.max(committed, offset);
    }

    /** Whether a job of this assignment is running. */
    boolean working() {
        return reasons.contains(PauseReason.WORK);
    }

    /** The partition is caught up: idle and unpaused at a known position that equals the last observed log end. */
    boolean caughtUp() {
        // nothing fetched yet: the log end read at enforcement (an offset-managed partition at its row) tells
        long end = latestLogEnd >= 0 ? latestLogEnd : logEnd.orElse(-1);
        if (state != State.IDLE || !reasons.isEmpty() || position < 0 || end < 0 || position < end) {
            return false;
        }
        if (virtual != null && !virtual.drained()) {
            return false;
        }
        if (offsetManaged && virtual != null) {
            return marked() >= position;
        }
        if (offsetManaged) {
            // the store, not the consumer, says what is decided: the row must have followed the position
            return decidedUpTo() >= position && idleAdvance <= decidedUpTo();
        }
        return settings.marking() == MarkingMode.MANUAL || decidedUpTo() >= position;
    }

    /** The next moment something is due (a pause's or backoff's end, an idle advance), if any. */
    OptionalLong nextDeadline() {
        long next = Long.MAX_VALUE;
        boolean any = false;
        if (state == State.PAUSED) {
            next = pauseDeadline;
            any = true;
        } else if (state == State.BACKOFF) {
            next = backoffDeadline;
            any = true;
        } else if (idleAdvance >= 0) {
            next = idleAdvanceSince + timings.commitInterval().toNanos();
            any = true;
        }
        OptionalLong lanes = virtual == null ? OptionalLong.empty() : virtual.nextDeadline();
        if (lanes.isPresent() && (!any || lanes.getAsLong() - next < 0)) {
            next = lanes.getAsLong();
            any = true;
        }
        return any ? OptionalLong.of(next) : OptionalLong.empty();
    }

    /** A read-only snapshot for the Web UI, metrics and tests. */
    PartitionState snapshot(Now now) {
        Set<String> why = new TreeSet<>();
        for (PauseReason r : reasons) {
            why.add(r.name().toLowerCase(java.util.Locale.ROOT));
        }
        Optional<Instant> until = state == State.PAUSED ? Optional.of(now.at(pauseDeadline))
                : state == State.BACKOFF ? Optional.of(now.at(backoffDeadline)) : Optional.empty();
        OptionalLong end = latestLogEnd >= 0 ? OptionalLong.of(latestLogEnd) : logEnd;
        long done = marked() >= 0 ? marked() : floor;
        OptionalLong lag = end.isPresent() && done >= 0
                ? OptionalLong.of(Math.max(0, end.getAsLong() - done)) : OptionalLong.empty();
        return new PartitionState(topicPartition, generation, state.name(), position, marked(), committed, until,
                failingOffset >= 0 ? failingAttempts : batchAttempts, repeatedFailures, logStart, logEnd,
                consumerClass, end, lag, why, lastVerdict, caughtUp());
    }

    // ------------------------------------------------------------------------------------------------ moves

    private void succeeded(Report.Succeeded ok, Now now) {
        require("succeeded", State.IN_FLIGHT);
        removeReason(PauseReason.WORK);
        progress();
        batchAttempts = 0;
        if (failingOffset >= 0 && ok.settledEnd() > failingOffset) {
            failingOffset = -1;
            failingAttempts = 0;
        }
        if (ok.verdict().applied()) {
            lastVerdict = describe(ok.verdict());
        }
        counters.jobsSucceeded.incrementAndGet();
        counters.messagesConsumed.addAndGet(ok.consumed());
        if (ok.cursor().isPresent()) {
            long cursor = ok.cursor().getAsLong();
            // a pause's cursor above the fetch offset with no record between (a throttle cutting at the batch's first
            // message after a gap): the batch resumed there is fetched from the fetch offset, so that it covers the
            // gap. Not for a SEEK: the offset manager seeks to the row and must see batches fetched from there.
            long gap = ok.pauseDeadline().isPresent() && inFlightFetch >= 0 && inFlightFetch < cursor
                    && cursor <= inFlightFirst ? inFlightFetch : -1;
            clearBuffer();
            if (ok.pauseDeadline().isPresent() && ok.pauseDeadline().getAsLong() - now.nanos() > 0) {
                state = State.PAUSED;
                pauseDeadline = ok.pauseDeadline().getAsLong();
                pauseCursor = cursor;
                pauseGapStart = gap;
                reasons.add(PauseReason.FILTER);
                counters.pauses.incrementAndGet();
                emit(new SluiceEvent.Paused(instance, topicPartition, now.at(pauseDeadline), cursor, "filter"));
                return;
            }
            // a pause whose deadline already passed is a seek
            state = State.IDLE;
            seekTo(cursor);
            gapStart = gap;
            return;
        }
        if (!buffer.isEmpty() && !reasons.contains(PauseReason.CLOSING)) {
            List<ConsumerRecord<byte[], byte[]>> rest = buffer;
            long end = bufferEnd;
            clearBuffer();
            launchFrom(rest, rest.get(0).offset(), end);
            return;
        }
        if (!buffer.isEmpty()) {
            // closing: the buffered records are not handed out; the position goes back to the first of them
            long first = buffer.get(0).offset();
            state = State.IDLE;
            moveTo(first);
            return;
        }
        state = State.IDLE;
    }

    private void failed(Report.Failed f, Now now) {
        if (state != State.IN_FLIGHT && state != State.DEAD_LETTERING && state != State.ADVANCING
                && state != State.ENFORCING) {
            throw illegal("failed");
        }
        removeReason(PauseReason.WORK);
        clearBuffer();
        counters.jobsFailed.incrementAndGet();
        counters.messagesConsumed.addAndGet(f.consumedBefore());
        Optional<OffsetRefusedException> refused = find(f.error(), OffsetRefusedException.class);
        if (refused.isPresent()) {
            // the store says this assignment's view is stale (a backwards move, a zombie): whatever was being
            // retried, enforce the stored offset again; a dead letter in progress is decided again from there
            deadLetter = null;
            advancing = -1;
            refused(refused.get(), f.error(), now);
            return;
        }
        switch (f.origin()) {
            case DEAD_LETTER_PUBLISH, DEAD_LETTER_ADVANCE -> {
                PendingDeadLetter letter = deadLetter;
                deadLetter = null;
                // a published dead letter is not published again: only the store's advance past it is retried
                retryInfrastructure(f.origin() == Report.Origin.DEAD_LETTER_PUBLISH ? new Retry.DeadLetter(letter)
                        : new Retry.DeadLetterAdvance(letter), f.error(), OptionalLong.of(letter.record().offset()),
                        now);
                return;
            }
            case ADVANCE -> {
                if (state == State.ADVANCING) {
                    PendingDeadLetter letter = deadLetter;
                    deadLetter = null;
                    long target = advancing;
                    advancing = -1;
                    retryInfrastructure(letter != null ? new Retry.DeadLetterAdvance(letter)
                            : new Retry.Advance(target), f.error(), OptionalLong.empty(), now);
                } else {
                    // a batch job could not advance the store to its cursor: the batch is retried
                    retryInfrastructure(new Retry.Batch(retryFrom()), f.error(), OptionalLong.empty(), now);
                }
                return;
            }
            case ENFORCEMENT -> {
                retryInfrastructure(new Retry.Enforce(), f.error(), OptionalLong.empty(), now);
                return;
            }
            default -> {
            }
        }
        FailureKind kind = classify(f);
        if (kind == FailureKind.INFRASTRUCTURE || kind == FailureKind.FILTER) {
            blocked(now, kind, f.error(), false);
            backoff(new Retry.Batch(retryFrom()), kind, ++repeatedFailures, f.error(), f.failedOffset(), now);
            return;
        }
        repeatedFailures = 0;
        if (f.failedOffset().isEmpty()) {
            // the failing message is unknown: retry one message at a time up to the failed batch's end
            narrow(f.batchEnd());
            blocked(now, kind, f.error(), false);
            backoff(new Retry.Batch(retryFrom()), kind, ++batchAttempts, f.error(), OptionalLong.empty(), now);
            return;
        }
        long offset = f.failedOffset().getAsLong();
        int attempts = failedAt(offset);
        Optional<DeadLetterQueue> dlq = settings.deadLetterQueue();
        boolean spent = dlq.isPresent() && (attempts > dlq.get().maxRetries() || settings.isNonRetryable(f.error()));
        // only the first message still to be decided may go: dead-lettering moves past everything before it (under
        // manual marking without an offset store, the consumer's marks decide, so the first message handed out)
        boolean first = f.firstUndecided() == offset || (unmarkedDeadLetters() && offset == inFlightFirst);
        narrow(offset + 1);
        if (spent && first && f.failedRecord().isPresent()) {
            emit(new SluiceEvent.Failed(instance, topicPartition, generation, kind, attempts, f.failedOffset(),
                    f.error(), Duration.ZERO));
            launchDeadLetter(new PendingDeadLetter(f.failedRecord().get(), f.error(), attempts,
                    dlq.get().destination()));
            return;
        }
        blocked(now, kind, f.error(), dlq.isEmpty() && kind == FailureKind.POISON);
        backoff(new Retry.Batch(retryFrom()), kind, attempts, f.error(), f.failedOffset(), now);
    }

    /** An infrastructure failure: retried after a backoff, never counted toward a message's attempts. */
    private void retryInfrastructure(Retry what, Throwable error, OptionalLong failedOffset, Now now) {
        blocked(now, FailureKind.INFRASTRUCTURE, error, false);
        backoff(what, FailureKind.INFRASTRUCTURE, ++repeatedFailures, error, failedOffset, now);
    }

    /**
     * The store refused a batch: enforce the stored offset again. A second refusal at the same stored and fetch
     * offsets would loop, so it blocks with an error instead (the partition still retries after its backoff).
     */
    private void refused(OffsetRefusedException e, Throwable error, Now now) {
        counters.refusals.incrementAndGet();
        boolean again = e.storedOffset() == refusedStored && e.fetchOffset() == refusedFetch;
        refusedStored = e.storedOffset();
        refusedFetch = e.fetchOffset();
        blocked(now, FailureKind.INFRASTRUCTURE, error, again);
        backoff(new Retry.Enforce(), FailureKind.INFRASTRUCTURE, ++repeatedFailures, error, OptionalLong.empty(),
                now);
    }

    private void deadLettered(long offset, Optional<String> topic, int attempts) {
        removeReason(PauseReason.WORK);
        deadLetter = null;
        advancing = -1;
        if (unmarkedDeadLetters()) {
            // manual marking: the consumer's next mark covers it; until then it is skipped in this assignment
            skipped.add(offset);
        } else {
            mark(offset + 1);
        }
        progress();
        if (failingOffset == offset) {
            failingOffset = -1;
            failingAttempts = 0;
        }
        if (topic.isPresent()) {
            counters.deadLettered.incrementAndGet();
            emit(new SluiceEvent.DeadLettered(instance, topicPartition, offset, topic.get(), attempts));
        } else {
            counters.discarded.incrementAndGet();
            emit(new SluiceEvent.Discarded(instance, topicPartition, offset, attempts));
        }
        state = State.IDLE;
        seekTo(offset + 1);
    }

    private void enforced(Report.Enforced e, Now now) {
        if (marksVoid) {
            // an operator moved the row: what this assignment marked before no longer holds
            marksVoid = false;
            marked = -1;
        }
        logStart = OptionalLong.of(e.logStart());
        logEnd = OptionalLong.of(e.logEnd());
        highestRow = e.highestRow();
        if (virtual != null && offsetManaged && !adoptMapping(e.mapping(), now)) {
            return;
        }
        if (enforcedBefore) {
            // enforced again (an invalid offset, a refusal): the offset manager must decide again too, so that an
            // out-of-range policy is applied to the row by the next batch
            out.add(new Command.RenewFilters());
        }
        enforcedBefore = true;
        if (e.stored().isEmpty()) {
            progress();
            if (position >= 0) {
                emitEnforced(e, now);
            }
            if (position < 0) {
                // nothing stored and no Kafka position: the group's committed offset (unless Kafka just found it
                // invalid), else the user's reset, seeds the row (logged by the host)
                emitEnforced(e, now);
                out.add(new Command.ResetPosition(!invalidOffsetSeen));
                return;
            }
            removeReason(PauseReason.WORK);
            state = State.IDLE;
            return;
        }
        long stored = e.stored().getAsLong();
        emitEnforced(e, now);
        if (stored >= e.logStart() && stored <= e.logEnd()) {
            progress();
            removeReason(PauseReason.WORK);
            state = State.IDLE;
            floor = stored;
            if (stored != position) {
                seekTo(stored);
            }
            return;
        }
        long target;
        switch (settings.onOffsetOutOfRange()) {
            case RESET_TO_LOG_START -> target = e.logStart();
            case RESET_TO_LOG_END -> target = e.logEnd();
            default -> {
                removeReason(PauseReason.WORK);
                IllegalStateException error = new IllegalStateException("stored next offset " + stored + " of "
                        + topicPartition + " is outside the log [" + e.logStart() + ", " + e.logEnd()
                        + "]; policy FAIL: fix the stored offset or choose a reset policy");
                blocked(now, FailureKind.INFRASTRUCTURE, error, true);
                backoff(new Retry.Enforce(), FailureKind.INFRASTRUCTURE, ++repeatedFailures, error,
                        OptionalLong.empty(), now);
                return;
            }
        }
        progress();
        removeReason(PauseReason.WORK);
        state = State.IDLE;
        floor = target;
        seekTo(target);
        if (target > stored) {
            // forward (retention passed the row): the store moves there now, even if nothing is ever fetched again;
            // backwards (a row beyond the log end) only the offset manager can move it, with an epoch bump, at the
            // next batch
            launchAdvance(target);
        }
    }

    private void emitEnforced(Report.Enforced e, Now now) {
        emit(new SluiceEvent.Enforced(instance, topicPartition, generation, e.stored(), position, e.logStart(),
                e.logEnd()));
    }

    private void launchFrom(List<ConsumerRecord<byte[], byte[]>> fetched, long fetchOffset, long end) {
        List<ConsumerRecord<byte[], byte[]>> records = fetched;
        if (!skipped.isEmpty()) {
            records = fetched.stream().filter(r -> !skipped.contains(r.offset())).toList();
            if (records.isEmpty()) {
                state = State.IDLE;
                return;
            }
        }
        List<ConsumerRecord<byte[], byte[]>> batch = records;
        long batchEnd = end;
        long first = records.get(0).offset();
        if (narrowUntil >= 0) {
            if (first < narrowUntil) {
                if (records.size() > 1) {
                    buffer = List.copyOf(records.subList(1, records.size()));
                    bufferEnd = end;
                    batchEnd = records.get(1).offset();
                    batch = List.of(records.get(0));
                }
            } else {
                narrowUntil = -1;
            }
        }
        state = State.IN_FLIGHT;
        reasons.add(PauseReason.WORK);
        inFlightFirst = first;
        inFlightFetch = fetchOffset;
        int attempt = first == failingOffset ? failingAttempts + 1 : 1;
        OptionalLong end2 = latestLogEnd >= 0 ? OptionalLong.of(latestLogEnd) : logEnd;
        counters.jobsDispatched.incrementAndGet();
        out.add(new Command.Launch(batch, fetchOffset, batchEnd, marked, logStart, end2, attempt));
    }

    private void launchDeadLetter(PendingDeadLetter letter) {
        state = State.DEAD_LETTERING;
        deadLetter = letter;
        reasons.add(PauseReason.WORK);
        out.add(new Command.LaunchDeadLetter(letter.record(), letter.error(), letter.attempts(), letter.topic()));
    }

    private void launchAdvance(long nextOffset) {
        state = State.ADVANCING;
        advancing = nextOffset;
        reasons.add(PauseReason.WORK);
        out.add(new Command.LaunchAdvance(nextOffset));
    }

    private void enforce() {
        state = State.ENFORCING;
        reasons.add(PauseReason.WORK);
        out.add(new Command.LaunchEnforcement());
    }

    private void backoff(Retry what, FailureKind kind, int attempt, Throwable error, OptionalLong failedOffset,
                         Now now) {
        Duration delay = settings.backoff().delay(Math.max(1, attempt));
        state = State.BACKOFF;
        retry = what;
        retryKind = kind;
        retryAttempt = attempt;
        backoffDeadline = now.nanos() + delay.toNanos();
        reasons.add(PauseReason.BACKOFF);
        counters.pauses.incrementAndGet();
        emit(new SluiceEvent.Failed(instance, topicPartition, generation, kind, attempt, failedOffset, error, delay));
        emit(new SluiceEvent.Paused(instance, topicPartition, now.at(backoffDeadline), cursorOf(what), "backoff"));
    }

    /** Moves the position by a seek that is reported as one. */
    private void seekTo(long offset) {
        moveTo(offset);
        emit(new SluiceEvent.Sought(instance, topicPartition, offset));
    }

    /** Moves the position: the consumer seeks, buffered records are forgotten (they are fetched again). */
    private void moveTo(long offset) {
        clearBuffer();
        position = offset;
        idleAdvance = -1;
        gapStart = -1;
        if (virtual != null) {
            virtual.sought(offset);
        }
        counters.seeks.incrementAndGet();
        out.add(new Command.Seek(offset));
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** Classifies a failure of the chain, the consumer or a poison message by what it is. */
    private FailureKind classify(Report.Failed f) {
        if (InfrastructureFailure.isInfrastructure(f.error())) {
            if (settings.infrastructureRetryLimit().isPresent() && thrownByUser(f.error())
                    && ++userInfrastructureFailures > settings.infrastructureRetryLimit().getAsInt()) {
                return f.origin() == Report.Origin.CHAIN ? FailureKind.FILTER : FailureKind.MESSAGE;
            }
            return FailureKind.INFRASTRUCTURE;
        }
        userInfrastructureFailures = 0;
        return switch (f.origin()) {
            case CHAIN -> FailureKind.FILTER;
            case POISON -> FailureKind.POISON;
            default -> FailureKind.MESSAGE;
        };
    }

    /**
     * Whether an infrastructure failure is the user's own {@link InfrastructureFailure} (which a topic may limit),
     * rather than one the runtime recognises on its own (a transient SQL error, the offset store's own failure, an
     * aborted Kafka transaction).
     */
    private static boolean thrownByUser(Throwable error) {
        int depth = 0;
        for (Throwable t = error; t != null && depth < 32; t = t.getCause() == t ? null : t.getCause(), depth++) {
            if (t instanceof java.sql.SQLException) {
                return false;
            }
            if (t instanceof OffsetRefusedException || t.getClass().getName().startsWith("io.sluice.filters.")) {
                return false; // the offset store's own failure
            }
            if (t instanceof TransactionAbortedException) {
                return false; // the runtime aborted a Kafka transaction: never counted, never dead-lettered
            }
        }
        return true;
    }

    private static <T extends Throwable> Optional<T> find(Throwable error, Class<T> type) {
        int depth = 0;
        for (Throwable t = error; t != null && depth < 32; t = t.getCause() == t ? null : t.getCause(), depth++) {
            if (type.isInstance(t)) {
                return Optional.of(type.cast(t));
            }
        }
        return Optional.empty();
    }

    /** One more failed attempt of the message at {@code offset}; returns its count. */
    private int failedAt(long offset) {
        if (offset != failingOffset) {
            failingOffset = offset;
            failingAttempts = 0;
        }
        return ++failingAttempts;
    }

    /**
     * Whether dead letters (and discarded messages) go unmarked: the queue's {@code markAfterDispatch}, by default
     * off under manual marking; an offset-managed topic always marks them (its row has moved past them).
     */
    private boolean unmarkedDeadLetters() {
        if (offsetManaged) {
            return false;
        }
        return settings.deadLetterQueue().map(d -> !d.marksAfterDispatch(settings.marking(), false))
                .orElse(settings.marking() == MarkingMode.MANUAL);
    }

    private void narrow(long until) {
        narrowUntil = Math.max(narrowUntil, until);
    }

    /** The first offset not yet decided: the first unmarked one, else where this assignment started. */
    private long retryFrom() {
        long from = decidedUpTo();
        return from >= 0 ? from : Math.max(position, 0);
    }

    private long decidedUpTo() {
        return marked >= 0 ? Math.max(marked, floor) : floor;
    }

    private void mark(long nextOffset) {
        if (nextOffset > marked) {
            marked = nextOffset;
        }
    }

    /** The partition moved on: it is no longer blocked. */
    private void progress() {
        repeatedFailures = 0;
        userInfrastructureFailures = 0;
        blockedSince = Long.MIN_VALUE;
        blockedReported = false;
        refusedStored = -1;
        refusedFetch = -1;
    }

    /** A failure: the partition is blocked from now on, unless it already was; {@code now} alerts at once. */
    private void blocked(Now at, FailureKind kind, Throwable error, boolean alertNow) {
        lastError = error;
        lastKind = kind;
        if (blockedSince == Long.MIN_VALUE) {
            blockedSince = at.nanos();
            blockedSinceInstant = at.instant();
        }
        if (alertNow && !blockedReported) {
            reportBlocked();
        }
    }

    private void reportBlocked() {
        blockedReported = true;
        counters.blocked.incrementAndGet();
        emit(new SluiceEvent.Blocked(instance, topicPartition, generation, retryFrom(), blockedSinceInstant,
                lastKind, lastError));
    }

    private void observeLogEnd(OptionalLong end) {
        if (end.isPresent() && end.getAsLong() > latestLogEnd) {
            latestLogEnd = end.getAsLong();
        }
    }

    private void clearBuffer() {
        buffer = List.of();
        bufferEnd = -1;
    }

    private void removeReason(PauseReason reason) {
        reasons.remove(reason);
    }

    /** Pauses or resumes the partition in the consumer when the set of pause reasons turned (non-)empty. */
    private void sync() {
        if (virtual != null) {
            // backpressure is its own reason: the partition resumes only when no reason is left
            if (virtual.full() && state != State.REVOKED) {
                reasons.add(PauseReason.BACKPRESSURE);
            } else {
                reasons.remove(PauseReason.BACKPRESSURE);
            }
        }
        boolean want = !reasons.isEmpty();
        if (want != consumerPaused) {
            consumerPaused = want;
            out.add(want ? new Command.Pause() : new Command.Resume());
        }
    }

    private void emit(SluiceEvent event) {
        out.add(new Command.Emit(event));
    }

    private List<Command> drain() {
        List<Command> commands = out;
        out = new ArrayList<>();
        return commands;
    }

    private static long cursorOf(Retry r) {
        if (r instanceof Retry.Batch b) {
            return b.cursor();
        }
        if (r instanceof Retry.DeadLetter d) {
            return d.letter().record().offset();
        }
        if (r instanceof Retry.DeadLetterAdvance d) {
            return d.letter().record().offset() + 1;
        }
        if (r instanceof Retry.Advance a) {
            return a.nextOffset();
        }
        return -1;
    }

    private static String describe(Verdict v) {
        if (v instanceof Verdict.Pause p) {
            return "PAUSE@" + p.cursor().offset();
        }
        if (v instanceof Verdict.Seek s) {
            return "SEEK@" + s.cursor().offset();
        }
        return v instanceof Verdict.Skip ? "SKIP" : "";
    }

    private void live(String event) {
        if (state == State.REVOKED) {
            throw illegal(event);
        }
    }

    private void require(String event, State expected) {
        if (state != expected) {
            throw illegal(event);
        }
    }

    private IllegalStateException illegal(String event) {
        return new IllegalStateException("partition machine of " + topicPartition + " (generation " + generation
                + ") cannot take '" + event + "' in state " + state);
    }
}
