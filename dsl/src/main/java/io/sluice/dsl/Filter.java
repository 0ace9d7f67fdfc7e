package io.sluice.dsl;

/**
 * One step of a partition's filter chain. A fresh instance is made per partition assignment (through its
 * {@link FilterFactory}), so a filter may keep state about its partition; it runs on one worker thread at a
 * time and needs no synchronisation of its own.
 *
 * <p>Contract: {@link #apply} sees the batch as the filters before it left it, may remove messages (never add),
 * and returns a {@link Verdict}, never {@code null}. A filter that removed anything must return an applied
 * verdict. Throwing is a <em>filter failure</em>: the runtime retries the batch with backoff indefinitely and
 * never dead-letters because of it (an outage must not dead-letter live traffic).
 *
 * @param <K> the key type it can read
 * @param <V> the value type it can read
 */
@FunctionalInterface
public interface Filter<K, V> {

    /**
     * Filters {@code batch} in place and says what should happen after it.
     *
     * @param batch   the batch left by the filters before this one; never {@code null}, may be empty
     * @param context the partition's runtime context; never {@code null}
     * @return the verdict, never {@code null}
     * @throws Exception when the filter cannot decide (a database down, a lock timeout); the batch is retried
     */
    Verdict apply(Batch<? extends K, ? extends V> batch, FilterContext context) throws Exception;
}
