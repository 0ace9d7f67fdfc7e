package io.sluice.spring.tx;

import io.sluice.dsl.Message;
import java.util.List;

/**
 * A consumer's database work for the messages of one batch it has not applied yet, run by
 * {@link SpringTransactionalOffsets#consume} inside the transaction Spring manages, with whatever the application
 * uses there ({@code JdbcTemplate}, {@code JdbcClient}, an {@code EntityManager}).
 *
 * <p>It throws no checked exception on purpose: Spring rolls back on unchecked exceptions by default, but commits
 * on checked ones, which would commit the offset with half the work. Wrap a checked exception in an unchecked one.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
@FunctionalInterface
public interface BatchWork<K, V> {

    /**
     * Applies {@code messages} in the current Spring transaction.
     *
     * @param messages the messages to apply, in offset order, never empty, unmodifiable
     * @throws RuntimeException to make the transaction's owner roll the work and the offset back together
     */
    void apply(List<Message<K, V>> messages);
}
