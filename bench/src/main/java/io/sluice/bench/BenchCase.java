package io.sluice.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The end-to-end cases, each with the baseline its paired ratio is taken against. */
enum BenchCase {
    /** A bare {@code KafkaConsumer} poll loop on one thread, committing each poll synchronously. */
    RAW(false, 0.0),
    /** Sluice, one consumer instance, no filters, a consumer that counts. */
    SLUICE(false, 0.95),
    /** The same with three stateless filters that remove nothing. */
    SLUICE_FILTERS(false, 0.90),
    /** The offset manager with transactional consumption on H2 in file mode, no other database work. */
    SLUICE_TX_H2(false, 0.50),
    /** The same on PostgreSQL; skipped when its binaries are missing. */
    SLUICE_TX_PG(false, 0.30),
    /** The raw loop doing simulated blocking I/O per message, serially. */
    RAW_IO(true, 0.0),
    /** Sluice doing the same I/O with one worker per partition. */
    SLUICE_IO(true, 4.0),
    /** The raw I/O loop on the one-partition topic of the virtual-partition case. */
    RAW_VP(true, 0.0, true),
    /** Sluice on one partition split into 16 virtual partitions (one key each), 16 workers, the same I/O. */
    SLUICE_VP(true, 12.0, true),
    /**
     * The offset manager on PostgreSQL on the virtual-partition topic, the I/O wait inside each transaction, no
     * virtual partitions: the baseline of {@code sluice_vp_tx_pg}; skipped without PostgreSQL binaries.
     */
    SLUICE_TX_PG_SERIAL(true, 0.0, true),
    /** The same with {@value #TX_VIRTUAL_PARTITIONS} virtual partitions. */
    SLUICE_VP_TX_PG(true, 5.0, true);

    /** The virtual partitions of {@code sluice_vp_tx_pg}. */
    static final int TX_VIRTUAL_PARTITIONS = 8;

    /** The virtual partitions (and workers) of {@code sluice_vp}; its topic has one key per virtual partition. */
    static final int VIRTUAL_PARTITIONS = 16;

    private final boolean io;
    private final double target;
    private final boolean vp;

    BenchCase(boolean io, double target) {
        this(io, target, false);
    }

    BenchCase(boolean io, double target, boolean vp) {
        this.io = io;
        this.target = target;
        this.vp = vp;
    }

    /** Whether the case consumes the one-partition topic with one key per virtual partition. */
    boolean vp() {
        return vp;
    }

    /** The name used on the command line and in the output, e.g. {@code sluice_tx_h2}. */
    String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the case consumes the (smaller) I/O topic. */
    boolean io() {
        return io;
    }

    /** Whether this case is a baseline (its ratio is 1 by definition). */
    boolean baseline() {
        return this == RAW || this == RAW_IO || this == RAW_VP || this == SLUICE_TX_PG_SERIAL;
    }

    /** The baseline of this case's paired ratio. */
    BenchCase baselineCase() {
        if (this == SLUICE_VP_TX_PG) {
            return SLUICE_TX_PG_SERIAL;
        }
        return vp ? RAW_VP : io ? RAW_IO : RAW;
    }

    /** The target for the paired ratio; 0 for a baseline. */
    double target() {
        return target;
    }

    /** Parses a comma-separated list of keys. */
    static List<BenchCase> parseList(String keys) {
        List<BenchCase> cases = new ArrayList<>();
        for (String key : keys.split(",")) {
            String k = key.trim();
            if (k.isEmpty()) {
                continue;
            }
            try {
                cases.add(valueOf(k.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown case '" + k + "'; known: " + List.of(values()), e);
            }
        }
        return List.copyOf(cases);
    }

    @Override
    public String toString() {
        return key();
    }
}
