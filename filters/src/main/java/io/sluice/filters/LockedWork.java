package io.sluice.filters;

/**
 * A block run by {@link PartitionOffsets#locked} while it holds a partition's row lock.
 *
 * <p>The block may read and write the row through the {@link LockedRow} it is given, and do its own work on
 * {@link LockedRow#tx()}, which is the same transaction. Returning commits it all; throwing rolls it all back
 * and the exception reaches the caller of {@code locked} unchanged.
 *
 * @param <R> what the block returns
 * @param <E> the checked exception the block may throw ({@link RuntimeException} when none)
 */
@FunctionalInterface
public interface LockedWork<R, E extends Exception> {

    /**
     * Runs inside the row's transaction.
     *
     * @param row the locked row, never {@code null}; valid only until this method returns
     * @return the result handed back by {@code locked}; may be {@code null}
     * @throws E to roll the transaction back
     */
    R run(LockedRow row) throws E;
}
