package io.sluice.dsl;

/**
 * A Kafka transaction of {@link ConsumerContext#transaction} was aborted: nothing it sent became visible and the
 * batch's offsets were not committed. It is an {@link InfrastructureFailure}: the partition backs off and the
 * batch is retried (by this member, or by the partition's new owner when the abort happened because the job's
 * assignment was no longer current); it is never counted toward {@code maxRetries} nor dead-lettered.
 */
public class TransactionAbortedException extends InfrastructureFailure {

    private static final long serialVersionUID = 1L;

    /** An abort with its reason and, when there is one, the error behind it. */
    public TransactionAbortedException(String message, Throwable cause) {
        super(message, cause);
    }
}
