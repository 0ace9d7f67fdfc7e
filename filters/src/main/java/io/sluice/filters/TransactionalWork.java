package io.sluice.filters;

import io.sluice.dsl.Message;
import java.util.List;
import org.jooq.DSLContext;

/**
 * A consumer's database work for the messages of one batch that it has not applied yet, run by
 * {@link PartitionOffsets#consume} in the same transaction that moves the partition's stored offset.
 *
 * <p>Whatever the work writes through {@code tx} commits together with the offset or not at all. Throwing rolls
 * both back; the exception reaches the caller of {@code consume} unchanged.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
@FunctionalInterface
public interface TransactionalWork<K, V> {

    /**
     * Applies {@code messages}.
     *
     * @param tx       the transaction holding the partition's row lock; never {@code null}. Do not commit, roll
     *                 back or close it: {@code consume} does.
     * @param messages the messages to apply, in offset order, never empty, unmodifiable
     * @throws Exception to roll back the work and the offset together
     */
    void apply(DSLContext tx, List<Message<K, V>> messages) throws Exception;
}
