package io.sluice.filters;

import io.sluice.dsl.Message;
import java.sql.Connection;
import java.util.List;

/**
 * A consumer's database work written with plain JDBC, for the messages of one batch it has not applied yet; run by
 * {@link PartitionOffsets#consumeJdbc} in the same transaction that moves the partition's stored offset.
 *
 * <p>Whatever the work writes through {@code connection} commits together with the offset or not at all. Throwing
 * rolls both back; the exception reaches the caller of {@code consumeJdbc} unchanged.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
@FunctionalInterface
public interface JdbcWork<K, V> {

    /**
     * Applies {@code messages}.
     *
     * @param connection the connection of the transaction holding the partition's row lock; never {@code null}.
     *                   Do not commit, roll back, close it or change its auto-commit or isolation:
     *                   {@code consumeJdbc} does. Close the statements you open.
     * @param messages   the messages to apply, in offset order, never empty, unmodifiable
     * @throws Exception to roll back the work and the offset together
     */
    void apply(Connection connection, List<Message<K, V>> messages) throws Exception;
}
