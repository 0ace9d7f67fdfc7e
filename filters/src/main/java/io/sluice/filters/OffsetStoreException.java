package io.sluice.filters;

import io.sluice.dsl.InfrastructureFailure;

/**
 * One of the offset store's own statements failed: connecting, beginning or committing its transaction, locking,
 * reading or writing the offset row, or finding its table in the expected format.
 *
 * <p>Guarantees: it is an {@link InfrastructureFailure}, so the runtime retries it with backoff and never counts it
 * against a message or dead-letters one; whatever the failed transaction wrote was rolled back (or, for a failed
 * commit, may have committed — the row stays the truth, and the next attempt is fenced by it). The user's own work
 * never fails with this type: its exceptions reach the caller unchanged. The set of subclasses is closed.
 */
public abstract sealed class OffsetStoreException extends InfrastructureFailure
        permits OffsetStoreUnavailableException, OffsetLockTimeoutException, OffsetTableException {

    private static final long serialVersionUID = 1L;

    OffsetStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
