package io.sluice.testing.proof;

import java.util.Locale;

/**
 * The database {@link ExactlyOnceProof} provisions for a run: its own server, started for the run and deleted
 * after it, shared by every member JVM.
 */
public enum ProofDatabase {

    /** An H2 TCP server ({@link io.sluice.testing.H2Server}); needs {@code com.h2database:h2} on the class path. */
    H2,

    /**
     * A PostgreSQL server from the binaries installed on the machine ({@link io.sluice.testing.PostgresServer});
     * needs {@code org.postgresql:postgresql} on the class path. Where no binaries are installed the run is
     * skipped as a failed JUnit assumption, saying what to install.
     */
    POSTGRESQL;

    /**
     * The database's name in the summary line.
     *
     * @return {@code h2} or {@code postgresql}
     */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
