package io.sluice.runtime.internal;

import io.sluice.dsl.Consumer;
import io.sluice.dsl.Filter;
import io.sluice.dsl.FilterFactory;
import io.sluice.dsl.TopicDefinition;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The listener's state for one assignment of one partition. Owned by the listener thread; only the
 * {@link #revokedFlag() revoked flag} is read by workers.
 *
 * <p>States and moves (any other move throws {@link IllegalStateException} naming the state):
 * <pre>
 *   IDLE ──dispatch──▶ IN_FLIGHT ──complete──▶ IDLE
 *                         │  ▲
 *                         │  └──deadLetter (a message failed too often: publish it, still in flight)
 *                         └──pauseUntil──▶ PAUSED ──resume──▶ IDLE
 *                                            └──deadLetter──▶ IN_FLIGHT (retrying a failed publication)
 *   IDLE ──pauseUntil──▶ PAUSED
 *   any ──revoke──▶ REVOKED (final)
 * </pre>
 * Failure bookkeeping: while the failing message of a failed batch is unknown, batches are narrowed to one
 * message up to the failed batch's end ({@link #narrowUntil()}); once known, its failed attempts are counted
 * (see {@link #failedAt(long)}) toward the topic's {@code maxRetries}.
 * A partition is paused in the Kafka consumer whenever it is not IDLE. Every assignment gets a new
 * coordinator with a higher {@link #generation()}, new filters and a new consumer instance.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
final class PartitionCoordinator<K, V> {

    /** The coordinator's states; see the class comment for the moves. */
    enum State { IDLE, IN_FLIGHT, PAUSED, REVOKED }

    private final TopicPartition topicPartition;
    private final long generation;
    private final String group;
    private final TopicDefinition<K, V> topic;
    private final FilterChain<K, V> chain;
    private final Consumer<K, V> consumer;
    private final AtomicBoolean revoked = new AtomicBoolean();
    private OptionalLong logStart;
    private OptionalLong logEnd;
    private boolean refreshLogRange;
    private final long assignedPosition;

    private State state = State.IDLE;
    private long fetchPosition;
    private long marked = -1;
    private long committed = -1;
    private Instant pausedUntil;
    private long resumeFrom = -1;
    private int attempts;
    private int filterFailures;
    private long narrowUntil = -1;
    private long failingOffset = -1;
    private int failingAttempts;
    private PendingDeadLetter pendingDeadLetter;
    private final java.util.ArrayDeque<ConsumerRecord<byte[], byte[]>> buffered = new java.util.ArrayDeque<>();
    private long bufferedEnd = -1;
    private PendingRetry pendingRetry;
    private long latestLogEnd = -1;

    /** A dead letter whose publication failed and waits to be tried again. */
    record PendingDeadLetter(ConsumerRecord<byte[], byte[]> record, Throwable error, int attempts) {
    }

    /** A pause that backs off after a failure: when it ends, the failed work is tried again. */
    record PendingRetry(String kind, int attempt) {
    }

    PartitionCoordinator(TopicPartition topicPartition, String group, long generation, TopicDefinition<K, V> topic,
                         long fetchPosition, OptionalLong logStart, OptionalLong logEnd) {
        this.topicPartition = topicPartition;
        this.generation = generation;
        this.group = group;
        this.topic = topic;
        List<Filter<? super K, ? super V>> filters = new ArrayList<>();
        for (FilterFactory<? super K, ? super V> factory : topic.filters()) {
            Filter<? super K, ? super V> filter = factory.create(topicPartition);
            if (filter == null) {
                throw new IllegalStateException("filter factory " + factory.describe() + " of topic '" + topic.name()
                        + "' returned null for " + topicPartition);
            }
            filters.add(filter);
        }
        this.chain = new FilterChain<>(filters);
        this.consumer = topic.newConsumer();
        this.fetchPosition = fetchPosition;
        this.assignedPosition = fetchPosition;
        this.logStart = logStart;
        this.logEnd = logEnd;
    }

    /** Makes the coordinator of a new assignment, capturing the topic's type parameters. */
    static <K, V> PartitionCoordinator<K, V> create(TopicPartition tp, String group, long generation,
                                                    TopicDefinition<K, V> topic,
                                                    long fetchPosition, OptionalLong logStart, OptionalLong logEnd) {
        return new PartitionCoordinator<>(tp, group, generation, topic, fetchPosition, logStart, logEnd);
    }

    TopicPartition topicPartition() {
        return topicPartition;
    }

    long generation() {
        return generation;
    }

    TopicDefinition<K, V> topic() {
        return topic;
    }

    State state() {
        return state;
    }

    AtomicBoolean revokedFlag() {
        return revoked;
    }

    /** Where the next fetch of this partition starts, or -1 when unknown. */
    long fetchPosition() {
        return fetchPosition;
    }

    void fetchPosition(long position) {
        this.fetchPosition = position;
    }

    long marked() {
        return marked;
    }

    long committed() {
        return committed;
    }

    Instant pausedUntil() {
        return pausedUntil;
    }

    int attempts() {
        return attempts;
    }

    int filterFailures() {
        return filterFailures;
    }

    OptionalLong logStart() {
        return logStart;
    }

    OptionalLong logEnd() {
        return logEnd;
    }

    /** New log offsets, read again before a filter retries (an operator may have fixed the range meanwhile). */
    void logRange(OptionalLong start, OptionalLong end) {
        this.logStart = start;
        this.logEnd = end;
        this.refreshLogRange = false;
    }

    /** Whether the log range should be read again before the next job (after a filter failure). */
    boolean refreshLogRange() {
        return refreshLogRange;
    }

    /** The class of this assignment's consumer instance, for the Web UI: the simple name, else the full one. */
    String consumerClass() {
        String simple = consumer.getClass().getSimpleName();
        return simple.isEmpty() ? consumer.getClass().getName() : simple;
    }

    /** The log end as last seen (the fetches' high watermark), else the one read at assignment. */
    OptionalLong latestLogEnd() {
        if (latestLogEnd >= 0) {
            return OptionalLong.of(latestLogEnd);
        }
        return logEnd;
    }

    /** Records the log end the consumer saw; it only moves forward (a truncation shows at the next assignment). */
    void observedLogEnd(long offset) {
        if (offset > latestLogEnd) {
            latestLogEnd = offset;
        }
    }

    /**
     * How far the log end is ahead of what this assignment has marked (or of the assigned position while nothing
     * is marked yet); empty when either is unknown.
     */
    OptionalLong lag() {
        OptionalLong end = latestLogEnd();
        long done = marked >= 0 ? marked : assignedPosition;
        if (end.isEmpty() || done < 0) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(Math.max(0, end.getAsLong() - done));
    }

    /** Records a mark; marks never move backwards. */
    void mark(long nextOffset) {
        if (nextOffset > marked) {
            marked = nextOffset;
        }
    }

    /** Whether a mark is waiting to be committed. */
    boolean dirty() {
        return marked > committed;
    }

    void committed(long offset) {
        if (offset > committed) {
            committed = offset;
        }
    }

    /** IDLE → IN_FLIGHT: makes the job for one fetched batch. */
    Job<K, V> dispatch(List<ConsumerRecord<byte[], byte[]>> records, long fetchOffset, long nextOffset, Clock clock,
                       java.util.function.Consumer<Report> sink, String instance, Events events) {
        require(State.IDLE, "dispatch");
        state = State.IN_FLIGHT;
        PartitionContext context = new PartitionContext(topicPartition, group, generation, topic.settings(), clock,
                logStart, logEnd, revoked, marked);
        return new Job<>(instance, events, topic, chain, consumer, context, records, fetchOffset, nextOffset, sink);
    }

    /** IN_FLIGHT → IDLE after a job whose verdict needs no pause. */
    void complete() {
        require(State.IN_FLIGHT, "complete");
        state = State.IDLE;
    }

    /** IN_FLIGHT or IDLE → PAUSED: resume from {@code cursor} once {@code until} has passed. */
    void pauseUntil(Instant until, long cursor) {
        if (state != State.IN_FLIGHT && state != State.IDLE) {
            throw illegal("pause");
        }
        state = State.PAUSED;
        pausedUntil = until;
        resumeFrom = cursor;
        pendingRetry = null;
    }

    /** PAUSED: the pause is a failure's backoff; its end retries a failure of {@code kind}. */
    void awaitRetry(String kind, int attempt) {
        require(State.PAUSED, "await a retry of");
        pendingRetry = new PendingRetry(kind, attempt);
    }

    /** The failure the current pause backs off from, or {@code null} for a pause a filter asked for. */
    PendingRetry pendingRetry() {
        return pendingRetry;
    }

    /** PAUSED → IDLE; returns where to resume from. */
    long resume() {
        require(State.PAUSED, "resume");
        state = State.IDLE;
        pausedUntil = null;
        pendingRetry = null;
        long cursor = resumeFrom;
        resumeFrom = -1;
        return cursor;
    }

    /** Any state → REVOKED; in-flight jobs see {@code revoked()} turn true at once. */
    void revoke() {
        state = State.REVOKED;
        revoked.set(true);
    }

    /** A consumer or poison failure: one more attempt. */
    int failedAttempt() {
        return ++attempts;
    }

    /** A filter failure: counted apart, never toward maxRetries; the log range is read again before the retry. */
    int failedFilter() {
        refreshLogRange = true;
        return ++filterFailures;
    }

    /**
     * A successful job resets the backoff counts; the failing message's own count resets only once the partition
     * goes on past it ({@code nextPosition}), so innocent messages retried one by one before it do not reset it.
     */
    void succeeded(long nextPosition) {
        attempts = 0;
        filterFailures = 0;
        if (nextPosition > failingOffset) {
            failingOffset = -1;
            failingAttempts = 0;
        }
    }

    /** One more failed attempt of the message at {@code offset}; returns its count. */
    int failedAt(long offset) {
        if (offset != failingOffset) {
            failingOffset = offset;
            failingAttempts = 0;
        }
        return ++failingAttempts;
    }

    /** Batches start at one message until the fetch position reaches {@code offset}. */
    void narrowUntil(long offset) {
        narrowUntil = Math.max(narrowUntil, offset);
    }

    /** Where narrowing stops, or -1 when batches are not narrowed. */
    long narrowUntil() {
        return narrowUntil;
    }

    void stopNarrowing() {
        narrowUntil = -1;
    }

    /**
     * Keeps fetched records that narrowing did not hand out yet, so they are dispatched one by one without
     * fetching them again; {@code fetchEnd} is the fetch's next offset (the consumer's position).
     */
    void buffer(List<ConsumerRecord<byte[], byte[]>> records, long fetchEnd) {
        buffered.clear();
        buffered.addAll(records);
        bufferedEnd = fetchEnd;
    }

    boolean hasBuffered() {
        return !buffered.isEmpty();
    }

    /** The buffered records, removed from the buffer. */
    List<ConsumerRecord<byte[], byte[]>> takeBuffered(int max) {
        List<ConsumerRecord<byte[], byte[]>> taken = new ArrayList<>();
        while (taken.size() < max && !buffered.isEmpty()) {
            taken.add(buffered.poll());
        }
        return taken;
    }

    /** Where the next buffered record lies, or the fetch's end when none is left. */
    long nextBufferedOffset() {
        ConsumerRecord<byte[], byte[]> next = buffered.peek();
        return next != null ? next.offset() : bufferedEnd;
    }

    /** Forgets buffered records: the partition's position is about to move, so they will be fetched again. */
    void clearBuffer() {
        buffered.clear();
        bufferedEnd = -1;
    }

    PendingDeadLetter pendingDeadLetter() {
        return pendingDeadLetter;
    }

    void pendingDeadLetter(PendingDeadLetter pending) {
        this.pendingDeadLetter = pending;
    }

    /** IN_FLIGHT or PAUSED → IN_FLIGHT: the job that publishes a dead letter. */
    DeadLetterJob deadLetter(ConsumerRecord<byte[], byte[]> record, Throwable error, int failedAttempts,
                             String deadLetterTopic, DeadLetterPublisher publisher,
                             java.util.function.Consumer<Report> sink) {
        if (state != State.IN_FLIGHT && state != State.PAUSED) {
            throw illegal("dead-letter");
        }
        state = State.IN_FLIGHT;
        pausedUntil = null;
        resumeFrom = -1;
        pendingRetry = null;
        pendingDeadLetter = new PendingDeadLetter(record, error, failedAttempts);
        return new DeadLetterJob(revoked, topicPartition, group, generation, deadLetterTopic, record, error, failedAttempts,
                publisher, topic.offsetAuthority(), sink);
    }

    private void require(State expected, String move) {
        if (state != expected) {
            throw illegal(move);
        }
    }

    private IllegalStateException illegal(String move) {
        return new IllegalStateException("cannot " + move + " " + topicPartition + " (generation " + generation
                + ") in state " + state);
    }
}
