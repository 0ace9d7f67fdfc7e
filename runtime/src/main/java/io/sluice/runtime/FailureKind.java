package io.sluice.runtime;

/**
 * What kind of failure a job met. The kind, not the place the failure was thrown, decides its fate; see
 * {@code docs/architecture.md}, "Failure kinds".
 */
public enum FailureKind {

    /**
     * The user's work failed on a message (any error that is not infrastructure): counted toward the topic's
     * {@code maxRetries}, narrowed to the failing message, dead-lettered once its attempts are spent.
     */
    MESSAGE,

    /** A message could not be deserialized: a message failure of that one message. */
    POISON,

    /**
     * Something the work depends on failed (the offset store, a transient SQL error, the user's
     * {@link io.sluice.dsl.InfrastructureFailure}, a dead-letter publication, the broker, a stored offset outside the
     * log under the policy {@code FAIL}, which waits for an operator): retried with backoff, never counted, never
     * dead-lettered.
     */
    INFRASTRUCTURE,

    /**
     * A filter of the chain failed with an error that is not infrastructure (a bug in a filter, a filter refusing
     * the batch): the batch cannot be decided, so it is retried with backoff and never dead-lettered; a partition
     * blocked by it is reported as blocked.
     */
    FILTER
}
