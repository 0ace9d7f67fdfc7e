package io.sluice.filters;

/**
 * The database could not run one of the offset store's own statements: no connection, a transaction that could
 * not begin or commit, a failed read or write of the offset row (including a PostgreSQL transaction ended by
 * {@code idle_in_transaction_session_timeout}, whose message then names that setting).
 *
 * <p>Guarantees: an {@link io.sluice.dsl.InfrastructureFailure}; the transaction was rolled back, or — when its
 * commit failed — its outcome is unknown and the stored row decides what happens next. Retrying later is safe.
 */
public final class OffsetStoreUnavailableException extends OffsetStoreException {

    private static final long serialVersionUID = 1L;

    OffsetStoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
