package io.sluice.testing.proof;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * What an {@link ExactlyOnceProof} run did and found, counted by the run's effects query over its final state,
 * after every member had stopped.
 *
 * <p>Every produced message has an id ({@code 1..messages}); {@code duplicates} is the number of effects beyond
 * the first of each id, {@code lost} the number of ids without any effect, and {@code unknown} the number of
 * effects whose id the run never produced (or that is not a number). The run proves exactly-once when all three
 * are 0.
 *
 * @param database        the database kind, as in the summary line ({@code h2}, {@code postgresql})
 * @param faults          the faults applied, in order
 * @param messages        how many messages were produced and acknowledged
 * @param kills           how many members were SIGKILLed
 * @param stops           how many members were SIGSTOPped
 * @param rebalances      how many membership changes the kit forced
 * @param effects         how many effects the query counted in all
 * @param duplicates      effects beyond the first of each id
 * @param lost            ids with no effect
 * @param unknown         effects of ids never produced
 * @param firstDuplicated up to 10 ids with more than one effect, for the failure message
 * @param firstLost       up to 10 ids with no effect, for the failure message
 * @param took            the run's wall time, from provisioning to the final count
 * @param logDirectory    where the members' logs are kept
 */
public record ProofResult(String database, List<Fault> faults, long messages, int kills, int stops, int rebalances,
                          long effects, long duplicates, long lost, long unknown, List<Long> firstDuplicated,
                          List<Long> firstLost, Duration took, Path logDirectory) {

    /** Copies the lists; checks that no component is {@code null}. */
    public ProofResult {
        Objects.requireNonNull(database, "database");
        faults = List.copyOf(faults);
        firstDuplicated = List.copyOf(firstDuplicated);
        firstLost = List.copyOf(firstLost);
        Objects.requireNonNull(took, "took");
        Objects.requireNonNull(logDirectory, "logDirectory");
    }

    /**
     * The summary line, in the format of the project's chaos test: {@code chaos: db=h2 fault=kill+freeze
     * messages=6000 kills=1 stops=1 rebalances=4 duplicates=0 lost=0}, the faults joined by {@code +}
     * ({@code none} without faults), and {@code unknown=<n>} appended when there were unknown effects.
     *
     * @return one line, never {@code null}
     */
    public String summary() {
        String faultNames = faults.isEmpty() ? "none"
                : faults.stream().map(Fault::label).collect(Collectors.joining("+"));
        return "chaos: db=" + database + " fault=" + faultNames + " messages=" + messages + " kills=" + kills
                + " stops=" + stops + " rebalances=" + rebalances + " duplicates=" + duplicates + " lost=" + lost
                + (unknown > 0 ? " unknown=" + unknown : "");
    }

    /**
     * Whether every produced message took effect exactly once.
     *
     * @return {@code true} when {@code duplicates}, {@code lost} and {@code unknown} are all 0
     */
    public boolean exactlyOnce() {
        return duplicates == 0 && lost == 0 && unknown == 0;
    }

    /**
     * Fails unless {@link #exactlyOnce()}.
     *
     * @throws AssertionError naming the summary line, the first duplicated and lost ids and the members' logs
     */
    public void assertExactlyOnce() {
        if (!exactlyOnce()) {
            throw new AssertionError("not exactly once: " + summary() + "; first duplicated ids " + firstDuplicated
                    + ", first lost ids " + firstLost + "; member logs in " + logDirectory);
        }
    }
}
