package io.sluice.runtime;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * The transactional producers of a runtime whose topology declares {@code kafkaTransactions()}. Immutable.
 *
 * <p>Each consumer group gets a pool of {@code producers} producers with the stable {@code transactional.id}s
 * {@code <transactionalIdPrefix>-<group>-<slot>} (slot 0 to {@code producers - 1}); each lends itself to one job at a
 * time, so a producer has at most one open transaction. The prefix must be unique among the running members of a
 * group and stable across restarts of one member (a pod's name, a host name): a restarted member then fences the
 * producers of its previous incarnation and aborts what they left open — each slot when it is first used (the pool
 * lends its slots in turn; what a slot never used again left open is aborted by the broker after
 * {@code transaction.timeout.ms}) — while two live members never fence each other.
 *
 * @param transactionalIdPrefix this member's prefix
 * @param producers             how many producers per consumer group (at most that many transactions at once)
 * @param maxJobDuration        the longest job: the longest a transaction may stay open from its begin (before the
 *                              consumer's block runs) to its commit. A transaction open longer is aborted by Sluice
 *                              before it commits (an infrastructure failure: the batch is retried), and
 *                              {@code transaction.timeout.ms} must exceed it plus the commit timeout, so the broker
 *                              never times out a transaction Sluice may still commit
 * @param producerProperties    the producers' own Kafka properties (e.g. {@code transaction.timeout.ms}); they
 *                              override the consumer's connection and security settings, which the producers
 *                              otherwise share. Serializers, {@code acks}, idempotence and the ids are Sluice's
 */
public record KafkaTransactionSettings(String transactionalIdPrefix, int producers, Duration maxJobDuration,
                                       Map<String, String> producerProperties) {

    /**
     * Validates and freezes.
     *
     * @throws IllegalArgumentException on a blank prefix, fewer than one producer, a {@code maxJobDuration} that is
     *                                  not positive, or a {@code transaction.timeout.ms} that is not a positive number
     */
    public KafkaTransactionSettings {
        Objects.requireNonNull(transactionalIdPrefix, "transactionalIdPrefix");
        if (transactionalIdPrefix.isBlank()) {
            throw new IllegalArgumentException("transactionalIdPrefix must not be blank");
        }
        if (producers < 1) {
            throw new IllegalArgumentException("producers must be >= 1, was " + producers);
        }
        Objects.requireNonNull(maxJobDuration, "maxJobDuration");
        if (maxJobDuration.isNegative() || maxJobDuration.isZero()) {
            throw new IllegalArgumentException("maxJobDuration must be positive, was " + maxJobDuration);
        }
        producerProperties = Map.copyOf(Objects.requireNonNull(producerProperties, "producerProperties"));
        String timeout = producerProperties.get(TRANSACTION_TIMEOUT);
        if (timeout != null) {
            long ms;
            try {
                ms = Long.parseLong(timeout.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(TRANSACTION_TIMEOUT + " must be a number of milliseconds, was '"
                        + timeout + "'", e);
            }
            if (ms <= 0) {
                throw new IllegalArgumentException(TRANSACTION_TIMEOUT + " must be positive, was " + ms);
            }
        }
    }

    private static final String TRANSACTION_TIMEOUT = "transaction.timeout.ms";

    /** {@code producers} producers with prefix {@code prefix}, jobs up to 30 s, Kafka's producer defaults. */
    public static KafkaTransactionSettings of(String prefix, int producers) {
        return new KafkaTransactionSettings(prefix, producers, Duration.ofSeconds(30), Map.of());
    }

    /** A copy with another longest job. */
    public KafkaTransactionSettings withMaxJobDuration(Duration value) {
        return new KafkaTransactionSettings(transactionalIdPrefix, producers, value, producerProperties);
    }

    /** A copy with other producer properties. */
    public KafkaTransactionSettings withProducerProperties(Map<String, String> value) {
        return new KafkaTransactionSettings(transactionalIdPrefix, producers, maxJobDuration, value);
    }

    /**
     * The {@code transaction.timeout.ms} the producers run with: their own property, else Kafka's default (60 s).
     */
    public Duration transactionTimeout() {
        String ms = producerProperties.get(TRANSACTION_TIMEOUT);
        return Duration.ofMillis(ms == null ? 60_000 : Long.parseLong(ms.trim()));
    }
}
