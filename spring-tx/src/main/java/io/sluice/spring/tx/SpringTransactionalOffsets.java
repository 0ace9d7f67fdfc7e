package io.sluice.spring.tx;

import io.sluice.dsl.Batch;
import io.sluice.dsl.ConsumerContext;
import io.sluice.filters.JoinedBatch;
import io.sluice.filters.OffsetLockTimeoutException;
import io.sluice.filters.OffsetStoreException;
import io.sluice.filters.PartitionOffsets;
import io.sluice.filters.PartitionRevokedException;
import java.lang.reflect.UndeclaredThrowableException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.jta.JtaTransactionManager;
import org.springframework.transaction.support.ResourceTransactionManager;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionSynchronizationUtils;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Applies batches exactly once inside the transaction Spring manages on this thread: the work done with the
 * application's own {@code JdbcTemplate}, {@code JdbcClient} or JPA and the partition's stored offset commit
 * together, or not at all, and Kafka is marked only after the commit.
 *
 * <pre>{@code
 * SpringTransactionalOffsets offsets = SpringTransactionalOffsets.create(partitionOffsets, dataSource);
 * // in the consumer, inside @Transactional or transactionTemplate.executeWithoutResult(status -> ...):
 * offsets.consume(ctx, batch, messages -> messages.forEach(m -> jdbcClient.sql("INSERT ...")
 *         .param(m.value()).update()));
 * }</pre>
 *
 * <p>Guarantees, for each {@link #consume}:
 * <ul>
 *   <li>It refuses to run (with {@link IllegalStateException}, before touching anything) unless a real transaction
 *       is active on this thread ({@code TransactionSynchronizationManager.isActualTransactionActive()}) and holds a
 *       connection of this data source with auto-commit off: on an auto-commit connection the row lock would be
 *       released at once and fencing with it. An instance made with a transaction manager
 *       ({@link #create(PartitionOffsets, DataSource, PlatformTransactionManager)}) instead begins a transaction of
 *       its own on that manager when none is active ({@code TransactionTemplate}, default definition), runs the
 *       batch in it and commits it (or rolls it back when the work throws) before returning. Such an instance,
 *       unless its manager is JTA's, also refuses (with {@link IllegalStateException}) when the active transaction,
 *       its own or the caller's, bound no connection of this data source, and {@code create} refuses a manager of
 *       another {@code DataSource}. Without a manager the auto-commit flag is the only check: a transaction of
 *       another data source's manager on a pool whose connections have auto-commit off is not detected, and the
 *       offset row would never commit.</li>
 *   <li>It uses the transaction's own connection ({@code DataSourceUtils.getConnection}) and never commits, rolls
 *       back or closes it: the transaction's owner does.</li>
 *   <li>The store's lock timeout applies to the row-lock statement only and is set back right after it; no
 *       idle timeout is set: the user's statements in the transaction run with the connection's own settings.</li>
 *   <li>Kafka is marked only after the transaction committed ({@code TransactionSynchronization.afterCommit}).
 *       After a rollback nothing is marked: the exception that rolled back fails the job; a rollback without an
 *       exception ({@code setRollbackOnly}) leaves the row where it was, and the partition's next batch is refused
 *       by the store and read again from the row, so nothing is lost.</li>
 *   <li>When the partition is revoked it throws {@link PartitionRevokedException} (unchecked, so Spring rolls
 *       back), applying nothing.</li>
 * </ul>
 * Everything else is as for {@link PartitionOffsets#consume}: fencing below the row's offset, the refuse rule,
 * {@link OffsetLockTimeoutException} and other {@link OffsetStoreException}s as infrastructure failures. Under
 * REPEATABLE READ or SERIALIZABLE a serialization failure or deadlock (PostgreSQL 40001/40P01, MariaDB 1213) is an
 * infrastructure failure too, retried by the runtime in a new transaction.
 *
 * <p>Build the {@link PartitionOffsets} on the same, plain {@link DataSource} the transaction manager uses (not a
 * {@code TransactionAwareDataSourceProxy}): the store creates a partition's row on first use in a short transaction
 * of its own, on another connection of the pool, so the pool needs one connection more than the workers then.
 * Immutable and thread-safe.
 */
public final class SpringTransactionalOffsets {

    private final PartitionOffsets offsets;
    private final DataSource dataSource;
    private final TransactionTemplate ownTransactions;

    private SpringTransactionalOffsets(PartitionOffsets offsets, DataSource dataSource,
                                       TransactionTemplate ownTransactions) {
        this.offsets = Objects.requireNonNull(offsets, "offsets");
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.ownTransactions = ownTransactions;
    }

    /**
     * Joins {@code offsets} to the Spring-managed transactions on {@code dataSource}.
     *
     * @param offsets    the offset store, built on {@code dataSource}
     * @param dataSource the data source the transaction manager manages
     */
    public static SpringTransactionalOffsets create(PartitionOffsets offsets, DataSource dataSource) {
        return new SpringTransactionalOffsets(offsets, dataSource, null);
    }

    /**
     * Joins {@code offsets} to the Spring-managed transactions on {@code dataSource} and, when {@link #consume} is
     * called with no transaction active, runs the batch in a new transaction of {@code transactionManager}.
     *
     * @param offsets            the offset store, built on {@code dataSource}
     * @param dataSource         the data source the transaction manager manages
     * @param transactionManager the manager of the transactions begun for a {@code consume} outside one
     * @throws IllegalArgumentException when {@code transactionManager} manages another {@link DataSource}: the
     *                                  offset row would be written on a connection that transaction never commits
     */
    public static SpringTransactionalOffsets create(PartitionOffsets offsets, DataSource dataSource,
                                                    PlatformTransactionManager transactionManager) {
        Objects.requireNonNull(transactionManager, "transactionManager");
        if (transactionManager instanceof ResourceTransactionManager rtm
                && rtm.getResourceFactory() instanceof DataSource managed
                && resourceKey(managed) != resourceKey(Objects.requireNonNull(dataSource, "dataSource"))) {
            throw new IllegalArgumentException("the transaction manager " + transactionManager + " manages the "
                    + "DataSource " + managed + ", not the offset store's DataSource " + dataSource + ": the offset "
                    + "row would be written on a connection its transactions never commit; give the store the "
                    + "transaction manager of its own DataSource");
        }
        return new SpringTransactionalOffsets(offsets, dataSource, new TransactionTemplate(transactionManager));
    }

    /** The key Spring binds a data source's connection under. */
    private static Object resourceKey(DataSource dataSource) {
        DataSource target = dataSource instanceof TransactionAwareDataSourceProxy proxy
                ? proxy.getTargetDataSource() : dataSource;
        return TransactionSynchronizationUtils.unwrapResourceIfNecessary(target);
    }

    /** The offset store. */
    public PartitionOffsets offsets() {
        return offsets;
    }

    /**
     * Applies {@code batch} exactly once in the current Spring transaction; see the class's guarantees. Call it from
     * {@code Consumer.consume} of an offset-managed topic, inside the transaction.
     *
     * @param context the consumer's context for the batch's partition
     * @param batch   the batch the consumer received
     * @param work    the consumer's database work, in the current transaction
     * @return how many messages {@code work} applied: 0 when all were applied before
     * @throws IllegalStateException      when no transaction is active (and this instance has no transaction
     *                                    manager to begin one), or it holds no connection of this data source
     * @throws PartitionRevokedException  when the partition was revoked: roll back
     * @throws OffsetLockTimeoutException when another transaction held the row lock past the lock timeout
     * @throws OffsetStoreException       when the table is unusable or the database fails
     * @throws IllegalArgumentException   when the batch is of another partition than the context
     */
    public <K, V> int consume(ConsumerContext context, Batch<K, V> batch, BatchWork<K, V> work) {
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(batch, "batch");
        Objects.requireNonNull(work, "work");
        if (ownTransactions != null && !TransactionSynchronizationManager.isActualTransactionActive()) {
            Integer applied = ownTransactions.execute(status -> consume(context, batch, work));
            return applied == null ? 0 : applied;
        }
        if (!TransactionSynchronizationManager.isActualTransactionActive()
                || !TransactionSynchronizationManager.isSynchronizationActive()) {
            throw new IllegalStateException("SpringTransactionalOffsets.consume needs an active Spring transaction"
                    + " (@Transactional, TransactionTemplate): without one the row lock would be released at once"
                    + " and fencing with it; nothing was applied to " + batch.topicPartition());
        }
        if (ownTransactions != null) {
            requireBoundConnection(batch);
        }
        Connection connection = DataSourceUtils.getConnection(dataSource);
        try {
            if (autoCommit(connection)) {
                throw new IllegalStateException("the active Spring transaction holds no connection of " + dataSource
                        + " (is it managed by another transaction manager or data source?); nothing was applied to "
                        + batch.topicPartition());
            }
            JoinedBatch joined = offsets.consumeJoined(connection, context, batch,
                    (c, messages) -> work.apply(messages));
            TransactionSynchronizationManager.registerSynchronization(new Outcome(joined));
            return joined.applied();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            // consumeJoined declares the checked exceptions of JDBC work; BatchWork throws none
            throw new UndeclaredThrowableException(e);
        } finally {
            DataSourceUtils.releaseConnection(connection, dataSource);
        }
    }

    /**
     * With a transaction manager that is not JTA's (which enlists a connection itself), the active transaction --
     * begun by this instance or by the caller -- must have bound a connection of the store's data source, or the
     * offset row would go to a connection of its own that is never committed (on a pool with auto-commit off,
     * silently), while Kafka is marked after the other transaction's commit.
     */
    private void requireBoundConnection(Batch<?, ?> batch) {
        PlatformTransactionManager manager = ownTransactions.getTransactionManager();
        if (!(manager instanceof JtaTransactionManager)
                && !TransactionSynchronizationManager.hasResource(resourceKey(dataSource))) {
            throw new IllegalStateException("the active Spring transaction holds no connection of " + dataSource
                    + " (is it managed by another transaction manager or data source?); nothing was applied to "
                    + batch.topicPartition());
        }
    }

    private static boolean autoCommit(Connection connection) {
        try {
            return connection.getAutoCommit();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot inspect the transaction's connection: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "SpringTransactionalOffsets[" + offsets + "]";
    }

    /** Marks Kafka after the commit; reports anything else as a rollback. */
    private static final class Outcome implements TransactionSynchronization {
        private final JoinedBatch joined;

        Outcome(JoinedBatch joined) {
            this.joined = joined;
        }

        @Override
        public void afterCommit() {
            joined.committed();
        }

        @Override
        public void afterCompletion(int status) {
            if (status != STATUS_COMMITTED) {
                joined.rolledBack();
            }
        }
    }
}
