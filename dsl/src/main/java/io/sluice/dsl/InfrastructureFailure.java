package io.sluice.dsl;

/**
 * A failure of something the work depends on — a database, a lock, a downstream service — rather than of the
 * message being processed. Throw it (or a subclass) from a {@link Consumer} or {@link Filter} when the message is
 * fine but the work cannot be done now.
 *
 * <p>Guarantees: the runtime retries an infrastructure failure with the topic's backoff, from the first message
 * not yet decided, and by default forever; it never counts toward {@link DeadLetterQueue#maxRetries()}, never
 * narrows the batch and never dead-letters a message. A partition blocked by it longer than the runtime's
 * {@code blockedAlertAfter} is reported as blocked. A topic may cap the retries with
 * {@link TopicSettings#infrastructureRetryLimit()}, after which the failure counts as a message failure.
 *
 * <p>The runtime also classifies on its own, whatever the thrower's type: failures of the offset store's own
 * statements and {@code SQLException}s with a transient SQLState (connection, resources, serialization, lock
 * timeouts) are infrastructure failures; see {@code docs/architecture.md}, "Failure kinds".
 */
public class InfrastructureFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** @param message what failed; never {@code null} */
    public InfrastructureFailure(String message) {
        super(message);
    }

    /**
     * @param message what failed; never {@code null}
     * @param cause   the underlying failure
     */
    public InfrastructureFailure(String message, Throwable cause) {
        super(message, cause);
    }

    /** @param cause the underlying failure, never {@code null} */
    public InfrastructureFailure(Throwable cause) {
        super(cause);
    }
}
