package io.sluice.testing.proof;

import java.util.Locale;

/**
 * A fault {@link ExactlyOnceProof} inflicts on the members of a run, once a given share of the messages has taken
 * effect. Each fault happens mid-stream: the messages are still being produced.
 *
 * <p>The kit counts, for the summary line, {@code kills} (SIGKILLs), {@code stops} (SIGSTOPs) and
 * {@code rebalances} (the membership changes it forced: every member killed, started, added, removed, dropped by
 * the group while frozen, and back).
 */
public enum Fault {

    /**
     * SIGKILL a member that owns partitions (a crash: no shutdown hook, no commit, a transaction cut short) and
     * start a new member in its place; the kit waits until the new member owns partitions.
     */
    KILL,

    /** Start one more member; the kit waits until it owns partitions (when there are enough partitions). */
    ADD,

    /**
     * SIGTERM a member that owns partitions: it closes its runtime in order and leaves the group (SIGKILL if it
     * has not exited within 30 s). When only one member is left, a new one is started first.
     */
    REMOVE,

    /**
     * SIGSTOP a member that owns partitions, keep it frozen until the group has dropped it (past the session
     * timeout: its partitions go to the others while it may hold a batch or a transaction), then SIGCONT it; the
     * kit waits until it has rejoined and owns partitions again.
     */
    FREEZE,

    /**
     * Stop the database the kit provisioned for at least {@value ExactlyOnceProof#OUTAGE_SECONDS} s (every open
     * connection fails, new ones are refused; committed data stays) and start it again on the same address. Never
     * applied to a database the kit did not start.
     */
    DB_OUTAGE;

    /**
     * The fault's name in the summary line.
     *
     * @return the lower-case name with {@code -} for {@code _}, e.g. {@code db-outage}; never {@code null}
     */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
