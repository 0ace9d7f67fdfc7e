package io.sluice.web.console;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One assigned partition as a runtime reported it. Offsets Kafka has not given yet are empty.
 *
 * @param topic          the topic
 * @param partition      the partition number
 * @param instance       the consumer instance of the process that owns it
 * @param state          the partition machine's state, e.g. {@code RUNNING} or {@code PAUSED}
 * @param position       the next offset to fetch, or -1 when not known yet
 * @param committed      the offset last committed to Kafka, or -1
 * @param marked         the offset marked as consumed, or -1
 * @param database       the offset stored in the database row, as last read or written under the row lock, with
 *                       the time of that read or write; empty for a partition without an offset manager
 * @param logEnd         the log end offset last seen
 * @param lag            the log end minus the committed offset (or the position when nothing is committed)
 * @param lastVerdict    the filter chain's last verdict, e.g. {@code SKIP}
 */
public record PartitionReport(String topic, int partition, String instance, String state, long position,
                              long committed, long marked, Optional<DatabaseOffset> database, OptionalLong logEnd,
                              OptionalLong lag, String lastVerdict) {

    /**
     * The database row's offset and when the runtime last read or wrote it.
     *
     * @param offset the row's {@code next_offset}
     * @param at     when it was read or written under the row lock
     */
    public record DatabaseOffset(long offset, Instant at) {

        /** Checks for nulls. */
        public DatabaseOffset {
            Objects.requireNonNull(at, "at");
        }
    }

    /** Checks for nulls. */
    public PartitionReport {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(logEnd, "logEnd");
        Objects.requireNonNull(lag, "lag");
        Objects.requireNonNull(lastVerdict, "lastVerdict");
    }

    /**
     * The database offset minus Kafka's committed offset: positive when the database is ahead (Kafka's commit
     * trails, which is normal between commits), negative when Kafka is ahead of the database, which an offset
     * manager never causes and the console always shows red. Empty without a database offset or a commit.
     */
    public OptionalLong drift() {
        if (database.isEmpty() || committed < 0) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(database.get().offset() - committed);
    }
}
