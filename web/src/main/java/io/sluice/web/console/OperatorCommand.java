package io.sluice.web.console;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * What an operator asks a runtime to do, sent signed through the commands topic (see {@link CommandSigner}). Every
 * command names its issuer, so the audit says who, and carries a unique id and its issue time, so a runtime can
 * drop replays and expired commands.
 */
public sealed interface OperatorCommand {

    /** The command's unique id; a runtime applies an id once. */
    UUID id();

    /** When the console issued it. */
    Instant issuedAt();

    /** The operator's name, from the token file. */
    String issuer();

    /** The consumer group the command is for. */
    String group();

    /** The topic of the partition it acts on. */
    String topic();

    /** The partition it acts on. */
    int partition();

    /**
     * Pause the partition until a {@link Resume}, across rebalances and restarts.
     *
     * @param id        the unique id
     * @param issuedAt  when it was issued
     * @param issuer    who issued it
     * @param group     the consumer group
     * @param topic     the topic
     * @param partition the partition
     */
    record Pause(UUID id, Instant issuedAt, String issuer, String group, String topic, int partition)
            implements OperatorCommand {

        /** Checks for nulls. */
        public Pause {
            check(id, issuedAt, issuer, group, topic, partition);
        }
    }

    /**
     * Resume a partition an operator paused.
     *
     * @param id        the unique id
     * @param issuedAt  when it was issued
     * @param issuer    who issued it
     * @param group     the consumer group
     * @param topic     the topic
     * @param partition the partition
     */
    record Resume(UUID id, Instant issuedAt, String issuer, String group, String topic, int partition)
            implements OperatorCommand {

        /** Checks for nulls. */
        public Resume {
            check(id, issuedAt, issuer, group, topic, partition);
        }
    }

    /**
     * Move an offset-managed partition's database row from {@code expected} to {@code target}: a rewind (target
     * below) re-applies messages, a skip (above) passes them. The owner applies it only while the row still equals
     * {@code expected} and the target lies within the log.
     *
     * @param id        the unique id
     * @param issuedAt  when it was issued
     * @param issuer    who issued it
     * @param group     the consumer group
     * @param topic     the topic
     * @param partition the partition
     * @param expected  the row's {@code next_offset} the operator saw
     * @param target    the offset to move it to
     */
    record MoveOffset(UUID id, Instant issuedAt, String issuer, String group, String topic, int partition,
                      long expected, long target) implements OperatorCommand {

        /** Checks the values. */
        public MoveOffset {
            check(id, issuedAt, issuer, group, topic, partition);
            if (expected < 0 || target < 0) {
                throw new IllegalArgumentException("offsets are not negative: expected " + expected + ", target "
                        + target);
            }
        }
    }

    private static void check(UUID id, Instant issuedAt, String issuer, String group, String topic,
                              int partition) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(issuedAt, "issuedAt");
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(topic, "topic");
        if (partition < 0) {
            throw new IllegalArgumentException("partition " + partition);
        }
    }
}
