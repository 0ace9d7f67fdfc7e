package io.sluice.dsl;

import java.sql.SQLException;
import java.util.Set;

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

    /** SQLStates that name a passing condition: a retry may succeed without anyone changing the data. */
    private static final Set<String> TRANSIENT_STATES = Set.of(
            "40001",  // serialization failure
            "40P01",  // PostgreSQL: deadlock detected
            "55P03",  // PostgreSQL: lock not available (lock_timeout)
            "HYT00",  // H2 and others: lock or statement timeout
            "25P03",  // PostgreSQL: idle-in-transaction session timeout
            "57P01", "57P02", "57P03"); // PostgreSQL: admin/crash shutdown, cannot connect now

    /** SQLState classes that are transient as a whole: connection exceptions, insufficient resources. */
    private static final Set<String> TRANSIENT_CLASSES = Set.of("08", "53");

    /** MariaDB and MySQL vendor codes: lock wait timeout, deadlock (their SQLState is too generic). */
    private static final Set<Integer> TRANSIENT_VENDOR_CODES = Set.of(1205, 1213);

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

    /**
     * Whether {@code error} is an infrastructure failure by its kind: it, or one of its causes, is an
     * {@code InfrastructureFailure}, a {@link java.sql.SQLTransientException} or
     * {@link java.sql.SQLRecoverableException}, or an {@link SQLException} whose SQLState is transient (class 08 connection
     * exceptions, class 53 insufficient resources, 57P01-57P03, 40001, 40P01, 55P03, HYT00, 25P03) or whose vendor
     * code is MariaDB's or MySQL's lock wait timeout (1205) or deadlock (1213). Every other error — a unique
     * violation, a bug, a bad message — is not.
     */
    public static boolean isInfrastructure(Throwable error) {
        int depth = 0;
        for (Throwable t = error; t != null && depth < 32; t = t.getCause() == t ? null : t.getCause(), depth++) {
            if (t instanceof InfrastructureFailure) {
                return true;
            }
            if (t instanceof java.sql.SQLTransientException || t instanceof java.sql.SQLRecoverableException) {
                return true;
            }
            if (t instanceof SQLException sql) {
                for (SQLException e = sql; e != null; e = e.getNextException()) {
                    if (isTransient(e)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static boolean isTransient(SQLException e) {
        String state = e.getSQLState();
        if (state != null && (TRANSIENT_STATES.contains(state)
                || (state.length() >= 2 && TRANSIENT_CLASSES.contains(state.substring(0, 2))))) {
            return true;
        }
        return TRANSIENT_VENDOR_CODES.contains(e.getErrorCode());
    }
}
