package io.sluice.dsl;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * What a {@link Consumer} may ask of the runtime for its partition. Implemented by the runtime, never by users.
 * Safe to call from the job's worker thread; requests take effect when the job ends.
 */
public interface ConsumerContext extends FilterContext {

    /** The assignment generation of this partition: it grows each time the partition is assigned here. */
    long generation();

    /**
     * Which attempt this call is: 1 plus the failed attempts of the first message handed to it, counted the way
     * {@code maxRetries} counts them. A first try is 1; after the failing message is known (named with
     * {@link MessageFailedException} or found by narrowing, where it is handed out alone), its retries are 2, 3, ...
     * A failure of a batch whose failing message is not yet known counts for no message, so the one-message
     * batches that narrowing hands out first are attempt 1 until one of them fails. The count lives in the
     * partition's assignment: a new assignment (after a rebalance) starts again at 1, as does a message after the
     * one before it succeeded.
     */
    int attempt();

    /**
     * Marks {@code message} as consumed: the next offset {@code message.offset() + 1} is committed later. Marks
     * never move backwards; a lower mark is ignored (and still answers {@code true}).
     *
     * @return whether the mark was taken: {@code false} once the partition is {@linkplain #revoked() revoked}, in
     *         which case nothing is recorded and the partition's new owner decides those messages again; a
     *         {@code true} mark is committed with the next commit of this assignment (a revocation commits marks
     *         taken before it). On a topic with Kafka transactions, also {@code false} once this job's
     *         {@link #transaction} aborted: the marks this job made, before or inside the transaction, are dropped
     *         with it, since what the block sent is not visible
     * @throws IllegalArgumentException when {@code message} is of another partition
     */
    boolean markAsConsumed(Message<?, ?> message);

    /**
     * Marks everything below {@code nextOffset} as consumed (a next offset, as Kafka commits it).
     *
     * @return whether the mark was taken: {@code false} once the partition is {@linkplain #revoked() revoked} or
     *         this job's {@link #transaction} aborted (see {@link #markAsConsumed(Message)})
     * @throws IllegalArgumentException when {@code nextOffset} is negative
     */
    boolean markAsConsumed(long nextOffset);

    /** The highest next offset marked so far in this assignment, or -1 when nothing was marked yet. */
    long markedOffset();

    /**
     * After this job, move the partition's position to {@code offset}. Combined with the filters' verdict like one
     * more seeking filter: the lowest cursor wins, and a pause (the filters') still pauses. No mark the runtime
     * makes for this job covers {@code offset} or anything above it; on an offset-managed topic a seek forward past
     * the batch first moves the stored offset to {@code offset}, so the skipped offsets count as decided.
     *
     * @throws IllegalStateException on a topic with Kafka transactions, when this job's {@link #transaction} already
     *         committed the offsets past {@code offset} (ask for the cursor inside the transaction's block instead)
     */
    void seek(long offset);

    /**
     * After this job, pause the partition and resume from {@code offset} once {@code timeout} has passed (counted
     * from this call). Combined with the filters' verdict like one more pausing filter: the lowest cursor and the
     * earliest deadline win. No mark the runtime makes for this job covers {@code offset} or anything above it
     * (your own marks are yours to keep below it).
     *
     * @throws IllegalStateException on a topic with Kafka transactions, when this job's {@link #transaction} already
     *         committed the offsets past {@code offset} (ask for the cursor inside the transaction's block instead)
     */
    void pause(long offset, Duration timeout);

    /**
     * Runs {@code work} now, on this thread, as the handling of {@code message} alone, and returns its result. A job
     * handles a batch, whose messages may belong to different traces, so the job's own observation can only link to
     * them; inside this call the runtime's job observer (Sluice's Spring Boot support with Micrometer) continues
     * {@code message}'s trace (its W3C {@code traceparent} header) as a child of it, so what {@code work} records is
     * traced under that message. Without an observer it only runs {@code work}. What {@code work} throws is thrown
     * on unchanged.
     */
    default <T> T observe(Message<?, ?> message, Supplier<T> work) {
        return work.get();
    }

    /** As {@link #observe(Message, Supplier)}, for work without a result. */
    default void observe(Message<?, ?> message, Runnable work) {
        observe(message, () -> {
            work.run();
            return null;
        });
    }

    /**
     * Runs {@code block} inside one Kafka transaction that also commits this batch's offsets (its next offset, as
     * {@link Batch#nextOffset()} gives it, lowered to a {@link #seek} or {@link #pause} cursor asked for before the
     * block returns): {@code read_committed} readers see what the block sent exactly when the group's committed
     * offset moves past the batch. A {@link MessageFailedException} thrown from the block aborts the transaction, and
     * the messages before the one it names are run again (their outputs were aborted with it). Only on a topic declared with {@code kafkaTransactions()}, at most once per call of
     * {@link Consumer#consume}.
     *
     * <p>The job never touches the Kafka consumer: when the block is done, the runtime's listener hands over the
     * consumer's current group metadata only while this job's assignment of the partition is still current;
     * otherwise, or when the broker refuses the metadata (a newer generation or member epoch), the transaction is
     * aborted. The producer comes from the runtime's pool of transactional producers; a fenced or timed-out one is
     * replaced.
     *
     * @throws TransactionAbortedException when the transaction was aborted (nothing sent is visible, nothing is
     *         committed); if the consumer catches it, the job fails anyway
     * @throws IllegalStateException when the topic is not declared with {@code kafkaTransactions()}, or on a second
     *         call in one job
     */
    default void transaction(java.util.function.Consumer<KafkaTransaction> block) {
        throw new IllegalStateException("topic '" + topicPartition().topic() + "' is not declared with"
                + " kafkaTransactions(); declare it to send in Kafka transactions");
    }

    /**
     * The virtual partition this job's batch belongs to, when the topic has virtual partitions; empty for a job of
     * a whole partition. Within a virtual partition, {@link #markAsConsumed(long)} marks only that virtual
     * partition, and {@link #seek}/{@link #pause} throw {@link IllegalStateException} (the position belongs to the
     * whole partition).
     */
    default java.util.OptionalInt virtualPartition() {
        return java.util.OptionalInt.empty();
    }

    /** The mapping ({@link VirtualPartitions#mapping()}) this job's virtual partition belongs to, when it has one. */
    default java.util.Optional<String> virtualMapping() {
        return java.util.Optional.empty();
    }
}
