package io.sluice.runtime.internal;

import io.sluice.dsl.DeadLetterQueue;
import io.sluice.dsl.InfrastructureFailure;
import io.sluice.dsl.TopicSettings;
import io.sluice.dsl.VirtualPartitions;
import io.sluice.runtime.FailureKind;
import io.sluice.runtime.SluiceEvent;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The virtual partitions of one assignment of one partition, kept by its {@link PartitionMachine}: the groups the
 * chain jobs split off, which of them run, and what each virtual partition has decided. Pure like the machine: it
 * emits {@link Command}s into the machine's list and reads no clock. See {@code docs/architecture.md}, "Virtual
 * partitions".
 *
 * <p>Each virtual partition is a lane: its groups run one at a time, in offset order. A failure blocks only its
 * lane: the lane backs off and runs the same records again from memory (narrowing to one record at a time when the
 * failing message is unknown, dead-lettering it once its attempts are spent); the partition's position is not
 * touched. The lowest offset any lane has not decided bounds the partition's Kafka mark.
 */
final class VirtualPartitionTracker {

    /** One group the chain split off, with what of it is still to run successfully. */
    private static final class Segment {
        final List<ConsumerRecord<byte[], byte[]>> records;
        final long nextOffset;
        /** Index of the first record not yet run successfully (or dead-lettered). */
        int next;
        /** Where the range of the records from {@link #next} began: the end of the previous job of this lane. */
        long cursor;

        Segment(List<ConsumerRecord<byte[], byte[]>> records, long fetchOffset, long nextOffset) {
            this.records = records;
            this.cursor = fetchOffset;
            this.nextOffset = nextOffset;
        }

        int remaining() {
            return records.size() - next;
        }
    }

    /** One virtual partition. */
    private static final class Lane {
        final Deque<Segment> segments = new ArrayDeque<>();
        /** Offsets handed to this lane and not yet decided. */
        final TreeSet<Long> undecided = new TreeSet<>();
        /** The end of the last group added since the last seek; -1: the next group starts at its batch's start. */
        long end = -1;
        long mark = -1;
        boolean inFlight;
        int launched;
        long launchedNext;
        long backoffDeadline;
        boolean backingOff;
        int repeated;
        long failingOffset = -1;
        int failingAttempts;
        int batchAttempts;
        long narrowUntil = -1;
        VirtualPartitionTracker.PendingLetter deadLetter;
        /** The dead letter in progress was published: a retry only advances the row (published once per owner). */
        boolean published;
    }

    /** A message of a lane whose attempts are spent, on its way to the dead-letter topic. */
    private record PendingLetter(ConsumerRecord<byte[], byte[]> record, Throwable error, int attempts,
                                 Optional<String> topic) {
    }

    private final TopicPartition topicPartition;
    private final long generation;
    private final String instance;
    private final TopicSettings settings;
    private final ListenerLoop.LoopCounters counters;
    private final int maxInFlight;
    private final Lane[] lanes;
    private final VirtualPartitions mapping;
    private int unfinished;
    /** Whether a chain batch has been split into groups in this assignment. */
    private boolean splitSeen;
    /** Lanes launch nothing while held (an offset-managed partition whose rows do not exist yet). */
    private boolean held;

    VirtualPartitionTracker(TopicPartition topicPartition, long generation, String instance, TopicSettings settings,
                            VirtualPartitions mapping, ListenerLoop.LoopCounters counters, long assignedPosition) {
        this.topicPartition = topicPartition;
        this.generation = generation;
        this.instance = instance;
        this.settings = settings;
        this.counters = counters;
        this.mapping = mapping;
        this.maxInFlight = mapping.maxInFlightMessages();
        int n = mapping.count();
        this.lanes = new Lane[n];
        for (int i = 0; i < n; i++) {
            lanes[i] = new Lane();
            lanes[i].end = assignedPosition;
        }
    }

    /** A chain job split its batch (fetched from {@code fetchOffset}, settled up to {@code settledEnd}). */
    void add(long fetchOffset, long settledEnd, Map<Integer, List<ConsumerRecord<byte[], byte[]>>> groups) {
        groups.forEach((v, records) -> {
            if (records.isEmpty()) {
                return;
            }
            Lane lane = lanes[v];
            splitSeen = true;
            long from = lane.end >= 0 ? lane.end : fetchOffset;
            lane.segments.add(new Segment(records, Math.min(from, records.get(0).offset()), settledEnd));
            lane.end = settledEnd;
            for (ConsumerRecord<byte[], byte[]> r : records) {
                lane.undecided.add(r.offset());
            }
            unfinished += records.size();
        });
    }

    /**
     * The partition's position was placed at {@code offset}. Before the first split of the assignment that is where
     * every lane's first group starts (the assignment start: enforcement, a reset). Later seeks change nothing: a lane's
     * next group continues from the end of its previous one, so that its range stays contiguous with what its row
     * says is applied, however the partition's position moved meanwhile (a throttle's resume, a seek back).
     */
    void sought(long offset) {
        if (splitSeen) {
            return;
        }
        for (Lane lane : lanes) {
            lane.end = offset;
        }
    }

    /**
     * A job of lane {@code v} reported. {@code mark} is the lane's: every one of its messages below it is decided.
     * With {@code launch} false (revoking or closing) only the mark is taken.
     */
    void reported(int v, OptionalLong mark, Report.Outcome outcome, PartitionMachine.Now now, boolean launch,
                  Consumer<Command> out) {
        Lane lane = lanes[v];
        mark.ifPresent(m -> decideBelow(lane, m));
        if (!launch) {
            lane.inFlight = false;
            return;
        }
        if (outcome instanceof Report.Succeeded ok) {
            lane.inFlight = false;
            finishLaunched(lane);
            lane.repeated = 0;
            lane.batchAttempts = 0;
            if (lane.failingOffset >= 0 && lane.launchedNext > lane.failingOffset) {
                lane.failingOffset = -1;
                lane.failingAttempts = 0;
            }
            counters.jobsSucceeded.incrementAndGet();
            counters.messagesConsumed.addAndGet(ok.consumed());
        } else if (outcome instanceof Report.DeadLettered reported) {
            PendingLetter letter = lane.deadLetter;
            Report.DeadLettered dl = letter == null ? reported
                    : new Report.DeadLettered(reported.offset(), letter.topic(), letter.attempts());
            lane.deadLetter = null;
            lane.published = false;
            lane.inFlight = false;
            lane.undecided.remove(dl.offset());
            skipRecord(lane, dl.offset());
            if (lane.failingOffset == dl.offset()) {
                lane.failingOffset = -1;
                lane.failingAttempts = 0;
            }
            if (dl.topic().isPresent()) {
                counters.deadLettered.incrementAndGet();
                emit(out, new SluiceEvent.DeadLettered(instance, topicPartition, dl.offset(), dl.topic().get(),
                        dl.attempts()));
            } else {
                counters.discarded.incrementAndGet();
                emit(out, new SluiceEvent.Discarded(instance, topicPartition, dl.offset(), dl.attempts()));
            }
        } else if (outcome instanceof Report.Failed f) {
            lane.inFlight = false;
            failed(v, lane, f, now, out);
        } else {
            throw new IllegalStateException("a group of " + topicPartition + " cannot report " + outcome);
        }
        launchReady(now, out);
    }

    /** Backoffs that are due end; lanes with work and nothing in flight launch. */
    void tick(PartitionMachine.Now now, Consumer<Command> out) {
        for (Lane lane : lanes) {
            if (lane.backingOff && now.nanos() - lane.backoffDeadline >= 0) {
                lane.backingOff = false;
                counters.retries.incrementAndGet();
            }
        }
        launchReady(now, out);
    }

    /** The mapping the lanes run. */
    VirtualPartitions mapping() {
        return mapping;
    }

    /** Holds or releases the lanes. */
    void hold(boolean value) {
        held = value;
    }

    /** Launches the next group of every lane that has one and is free. */
    void launchReady(PartitionMachine.Now now, Consumer<Command> out) {
        if (held) {
            return;
        }
        for (int v = 0; v < lanes.length; v++) {
            Lane lane = lanes[v];
            if (lane.inFlight || lane.backingOff) {
                continue;
            }
            if (lane.deadLetter != null) {
                lane.inFlight = true;
                PendingLetter l = lane.deadLetter;
                long offset = l.record().offset();
                Segment head = lane.segments.peekFirst();
                // the last record of its group: the row moves to the group's end, so the next group continues there
                long next = head != null && head.remaining() == 1 && head.records.get(head.next).offset() == offset
                        ? head.nextOffset : offset + 1;
                out.accept(new Command.LaunchGroupDeadLetter(v, l.record(), l.error(), l.attempts(), l.topic(),
                        mapping.mapping(), next, !lane.published));
                continue;
            }
            skipDecided(lane);
            Segment seg = lane.segments.peekFirst();
            if (seg == null) {
                continue;
            }
            ConsumerRecord<byte[], byte[]> first = seg.records.get(seg.next);
            int size = seg.remaining();
            if (lane.narrowUntil >= 0) {
                if (first.offset() < lane.narrowUntil) {
                    size = 1;
                } else {
                    lane.narrowUntil = -1;
                }
            }
            List<ConsumerRecord<byte[], byte[]>> records = seg.records.subList(seg.next, seg.next + size);
            long next = seg.next + size < seg.records.size() ? seg.records.get(seg.next + size).offset()
                    : seg.nextOffset;
            // where the lane's contiguous range begins: what its marks (its row, on an offset-managed topic) say is
            // decided, else its previous group's end; a group that only repeated decided records (a seek back) moved
            // no row, so its end is not where the next one starts
            long fetch = lane.mark >= 0 ? Math.min(lane.mark, first.offset()) : Math.min(seg.cursor, first.offset());
            lane.inFlight = true;
            lane.launched = size;
            lane.launchedNext = next;
            int attempt = first.offset() == lane.failingOffset ? lane.failingAttempts + 1 : 1;
            counters.jobsDispatched.incrementAndGet();
            out.accept(new Command.LaunchGroup(v, records, fetch, next, lane.mark, OptionalLong.empty(),
                    OptionalLong.empty(), attempt, mapping.mapping()));
        }
    }

    /** The lowest offset handed to a lane and not yet decided; {@link Long#MAX_VALUE} when none. */
    long lowestUndecided() {
        long low = Long.MAX_VALUE;
        for (Lane lane : lanes) {
            if (!lane.undecided.isEmpty()) {
                low = Math.min(low, lane.undecided.first());
            }
        }
        return low;
    }

    /** Messages handed to lanes whose group has not finished (the backpressure count). */
    int unfinished() {
        return unfinished;
    }

    /** Whether the partition must stop fetching until groups finish. */
    boolean full() {
        return unfinished >= maxInFlight;
    }

    /** Whether no lane has work left or in flight. */
    boolean drained() {
        for (Lane lane : lanes) {
            if (lane.inFlight || !lane.segments.isEmpty() || lane.deadLetter != null) {
                return false;
            }
        }
        return true;
    }

    /** Whether a lane waits out a backoff after a failure. */
    boolean backingOff() {
        for (Lane lane : lanes) {
            if (lane.backingOff) {
                return true;
            }
        }
        return false;
    }

    /** How many lanes have a job in flight. */
    int lanesInFlight() {
        int n = 0;
        for (Lane lane : lanes) {
            if (lane.inFlight) {
                n++;
            }
        }
        return n;
    }

    /** The next backoff end, if a lane backs off. */
    OptionalLong nextDeadline() {
        long next = Long.MAX_VALUE;
        boolean any = false;
        for (Lane lane : lanes) {
            if (lane.backingOff && (!any || lane.backoffDeadline - next < 0)) {
                next = lane.backoffDeadline;
                any = true;
            }
        }
        return any ? OptionalLong.of(next) : OptionalLong.empty();
    }

    // ------------------------------------------------------------------------------------------------ moves

    private void failed(int v, Lane lane, Report.Failed f, PartitionMachine.Now now, Consumer<Command> out) {
        counters.jobsFailed.incrementAndGet();
        counters.messagesConsumed.addAndGet(f.consumedBefore());
        if (f.origin() == Report.Origin.DEAD_LETTER_ADVANCE) {
            lane.published = true;
        }
        if (f.origin() == Report.Origin.DEAD_LETTER_PUBLISH || f.origin() == Report.Origin.DEAD_LETTER_ADVANCE
                || f.origin() == Report.Origin.ADVANCE) {
            backoff(lane, FailureKind.INFRASTRUCTURE, ++lane.repeated, f, OptionalLong.empty(), now, out);
            return;
        }
        FailureKind kind = InfrastructureFailure.isInfrastructure(f.error()) ? FailureKind.INFRASTRUCTURE
                : f.origin() == Report.Origin.POISON ? FailureKind.POISON
                : f.origin() == Report.Origin.CHAIN ? FailureKind.FILTER : FailureKind.MESSAGE;
        if (kind == FailureKind.INFRASTRUCTURE || kind == FailureKind.FILTER) {
            backoff(lane, kind, ++lane.repeated, f, f.failedOffset(), now, out);
            return;
        }
        lane.repeated = 0;
        if (f.failedOffset().isEmpty()) {
            // unknown which message failed: run the lane's records one at a time up to the failed group's end
            lane.narrowUntil = Math.max(lane.narrowUntil, f.batchEnd());
            backoff(lane, kind, ++lane.batchAttempts, f, OptionalLong.empty(), now, out);
            return;
        }
        long offset = f.failedOffset().getAsLong();
        if (offset != lane.failingOffset) {
            lane.failingOffset = offset;
            lane.failingAttempts = 0;
        }
        int attempts = ++lane.failingAttempts;
        lane.narrowUntil = Math.max(lane.narrowUntil, offset + 1);
        Optional<DeadLetterQueue> dlq = settings.deadLetterQueue();
        boolean spent = dlq.isPresent() && (attempts > dlq.get().maxRetries() || settings.isNonRetryable(f.error()));
        Segment seg = lane.segments.peekFirst();
        boolean first = f.firstUndecided() == offset
                || (seg != null && seg.records.get(seg.next).offset() == offset);
        if (spent && first && f.failedRecord().isPresent()) {
            emit(out, new SluiceEvent.Failed(instance, topicPartition, generation, kind, attempts, f.failedOffset(),
                    f.error(), Duration.ZERO));
            lane.deadLetter = new PendingLetter(f.failedRecord().get(), f.error(), attempts,
                    dlq.get().destination());
            return;
        }
        backoff(lane, kind, attempts, f, f.failedOffset(), now, out);
    }

    private void backoff(Lane lane, FailureKind kind, int attempt, Report.Failed f, OptionalLong failedOffset,
                         PartitionMachine.Now now, Consumer<Command> out) {
        Duration delay = settings.backoff().delay(Math.max(1, attempt));
        lane.backingOff = true;
        lane.backoffDeadline = now.nanos() + delay.toNanos();
        counters.pauses.incrementAndGet();
        emit(out, new SluiceEvent.Failed(instance, topicPartition, generation, kind, attempt, failedOffset, f.error(),
                delay));
    }

    /** The records of the job in flight ran successfully: they are not run again. */
    private void finishLaunched(Lane lane) {
        Segment seg = lane.segments.peekFirst();
        if (seg == null) {
            return;
        }
        int done = Math.min(lane.launched, seg.remaining());
        seg.next += done;
        seg.cursor = lane.launchedNext;
        unfinished -= done;
        lane.launched = 0;
        if (seg.remaining() == 0) {
            lane.segments.pollFirst();
        }
    }

    /** Records the lane's marks already cover (a job marked them, then failed) are not run again. */
    private void skipDecided(Lane lane) {
        Segment seg;
        while ((seg = lane.segments.peekFirst()) != null) {
            while (seg.remaining() > 0 && seg.records.get(seg.next).offset() < lane.mark) {
                // covered by a mark made after it was added (its row already moved past it: fenced)
                lane.undecided.remove(seg.records.get(seg.next).offset());
                seg.next++;
                unfinished--;
            }
            if (seg.remaining() > 0) {
                return;
            }
            lane.segments.pollFirst();
        }
    }

    /** A dead-lettered record is never run again. */
    private void skipRecord(Lane lane, long offset) {
        Segment seg = lane.segments.peekFirst();
        if (seg == null || seg.remaining() == 0 || seg.records.get(seg.next).offset() != offset) {
            return;
        }
        seg.next++;
        seg.cursor = Math.max(seg.cursor, Math.max(offset + 1, lane.mark));
        unfinished--;
        if (seg.remaining() == 0) {
            lane.segments.pollFirst();
        }
    }

    /** Every record of the lane below {@code mark} is decided. */
    private static void decideBelow(Lane lane, long mark) {
        if (mark > lane.mark) {
            lane.mark = mark;
        }
        lane.undecided.headSet(mark).clear();
    }

    private static void emit(Consumer<Command> out, SluiceEvent event) {
        out.accept(new Command.Emit(event));
    }
}
