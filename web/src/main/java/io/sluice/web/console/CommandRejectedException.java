package io.sluice.web.console;

/** A record on the commands topic that is not turned into a command, and why. */
public final class CommandRejectedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Why a record was rejected. */
    public enum Reason {
        /** Not JSON, or not a command. */
        MALFORMED,
        /** No signature. */
        UNSIGNED,
        /** A signature that does not match the command under the shared key. */
        BAD_SIGNATURE,
        /** Issued longer ago than the expiry allows, or too far in the future. */
        EXPIRED,
        /** An id already seen. */
        REPLAYED
    }

    private final Reason reason;

    CommandRejectedException(Reason reason, String message) {
        super(reason + ": " + message);
        this.reason = reason;
    }

    /** Why it was rejected. */
    public Reason reason() {
        return reason;
    }
}
