package io.sluice.dsl;

/**
 * The user's handler for one partition: it receives what the filter chain left of each batch. A new instance
 * is made per partition assignment, and it is called by one worker thread at a time, batches in offset order.
 *
 * <p>Throwing fails the batch: the runtime pauses the partition and retries with backoff from the first
 * unmarked message. Throw {@link MessageFailedException} to name the message that failed; otherwise the retry
 * narrows down to it one message at a time.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
@FunctionalInterface
public interface Consumer<K, V> {

    /**
     * Handles {@code batch}; never called with an empty batch.
     *
     * @param batch   the messages to handle, in offset order
     * @param context the partition's context: marking, revocation, seeking
     * @throws Exception to fail the batch
     */
    void consume(Batch<K, V> batch, ConsumerContext context) throws Exception;
}
