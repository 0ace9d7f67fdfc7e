package io.sluice.runtime;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link SluiceRuntime} runs: threads and timings. Immutable; start from {@link #defaults()} and change
 * what you need with the {@code with...} methods.
 *
 * @param consumerInstances how many Kafka consumers (each with its own listener thread) join the group
 * @param workerThreads     how many threads run jobs; partitions run in parallel up to this many
 * @param pollTimeout       the longest a poll blocks (shorter when a pause ends sooner)
 * @param commitInterval    how often marked offsets are committed
 * @param revocationGrace   how long revoked partitions' in-flight jobs get to finish; capped at
 *                          {@code max.poll.interval.ms / 2 - commitTimeout} when the runtime starts
 * @param commitTimeout     the timeout of synchronous commits and other blocking consumer calls
 * @param shutdownTimeout   how long {@code close()} waits for in-flight jobs before committing and closing
 * @param clock             the clock for pauses, backoff, the revocation grace, the commit interval and time-based
 *                          filters; it must move with real time (a fixed clock would make pauses and the grace
 *                          never end) — to drive time by hand, test with {@code TestDriver}; pause and backoff
 *                          deadlines are measured on the JVM's monotonic clock, so a step of this one never
 *                          stretches them
 * @param blockedAlertAfter how long a partition may keep failing without progress before a
 *                          {@link SluiceEvent.Blocked} event reports it (default 5 minutes)
 * @param consumerListener  told when an instance's Kafka consumer is created and closed (default
 *                          {@link ConsumerListener#NONE})
 */
public record RuntimeSettings(int consumerInstances, int workerThreads, Duration pollTimeout,
                              Duration commitInterval, Duration revocationGrace, Duration commitTimeout,
                              Duration shutdownTimeout, Clock clock, Duration blockedAlertAfter,
                              ConsumerListener consumerListener) {

    /** Validates every field. */
    public RuntimeSettings {
        if (consumerInstances < 1) {
            throw new IllegalArgumentException("consumerInstances must be >= 1, was " + consumerInstances);
        }
        if (workerThreads < 1) {
            throw new IllegalArgumentException("workerThreads must be >= 1, was " + workerThreads);
        }
        positive("pollTimeout", pollTimeout);
        positive("commitInterval", commitInterval);
        Objects.requireNonNull(revocationGrace, "revocationGrace");
        if (revocationGrace.isNegative()) {
            throw new IllegalArgumentException("revocationGrace must not be negative, was " + revocationGrace);
        }
        positive("commitTimeout", commitTimeout);
        positive("shutdownTimeout", shutdownTimeout);
        Objects.requireNonNull(clock, "clock");
        positive("blockedAlertAfter", blockedAlertAfter);
        Objects.requireNonNull(consumerListener, "consumerListener");
    }

    /** The settings of earlier versions, without a consumer listener. */
    public RuntimeSettings(int consumerInstances, int workerThreads, Duration pollTimeout, Duration commitInterval,
                           Duration revocationGrace, Duration commitTimeout, Duration shutdownTimeout, Clock clock,
                           Duration blockedAlertAfter) {
        this(consumerInstances, workerThreads, pollTimeout, commitInterval, revocationGrace, commitTimeout,
                shutdownTimeout, clock, blockedAlertAfter, ConsumerListener.NONE);
    }

    /** A copy with another consumer listener. */
    public RuntimeSettings withConsumerListener(ConsumerListener listener) {
        return new RuntimeSettings(consumerInstances, workerThreads, pollTimeout, commitInterval, revocationGrace,
                commitTimeout, shutdownTimeout, clock, blockedAlertAfter, listener);
    }

    /**
     * One consumer instance, {@code max(2, cores)} workers, 100 ms poll timeout, commits every 5 s, 10 s
     * revocation grace, 5 s commit timeout, 30 s shutdown, the system clock, a blocked alert after 5 minutes.
     */
    public static RuntimeSettings defaults() {
        return new RuntimeSettings(1, Math.max(2, Runtime.getRuntime().availableProcessors()),
                Duration.ofMillis(100), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(5),
                Duration.ofSeconds(30), Clock.systemUTC(), Duration.ofMinutes(5));
    }

    /** A copy with another threshold for the {@link SluiceEvent.Blocked} alert. */
    public RuntimeSettings withBlockedAlertAfter(Duration d) {
        return new RuntimeSettings(consumerInstances, workerThreads, pollTimeout, commitInterval, revocationGrace,
                commitTimeout, shutdownTimeout, clock, d, consumerListener);
    }

    /** A copy with {@code n} consumer instances. */
    public RuntimeSettings withConsumerInstances(int n) {
        return new RuntimeSettings(n, workerThreads, pollTimeout, commitInterval, revocationGrace, commitTimeout,
                shutdownTimeout, clock, blockedAlertAfter, consumerListener);
    }

    /** A copy with {@code n} worker threads. */
    public RuntimeSettings withWorkerThreads(int n) {
        return new RuntimeSettings(consumerInstances, n, pollTimeout, commitInterval, revocationGrace,
                commitTimeout, shutdownTimeout, clock, blockedAlertAfter, consumerListener);
    }

    /** A copy with another poll timeout. */
    public RuntimeSettings withPollTimeout(Duration d) {
        return new RuntimeSettings(consumerInstances, workerThreads, d, commitInterval, revocationGrace,
                commitTimeout, shutdownTimeout, clock, blockedAlertAfter, consumerListener);
    }

    /** A copy with another commit interval. */
    public RuntimeSettings withCommitInterval(Duration d) {
        return new RuntimeSettings(consumerInstances, workerThreads, pollTimeout, d, revocationGrace,
                commitTimeout, shutdownTimeout, clock, blockedAlertAfter, consumerListener);
    }

    /** A copy with another revocation grace period. */
    public RuntimeSettings withRevocationGrace(Duration d) {
        return new RuntimeSettings(consumerInstances, workerThreads, pollTimeout, commitInterval, d,
                commitTimeout, shutdownTimeout, clock, blockedAlertAfter, consumerListener);
    }

    /** A copy with another commit timeout. */
    public RuntimeSettings withCommitTimeout(Duration d) {
        return new RuntimeSettings(consumerInstances, workerThreads, pollTimeout, commitInterval, revocationGrace,
                d, shutdownTimeout, clock, blockedAlertAfter, consumerListener);
    }

    /** A copy with another shutdown timeout. */
    public RuntimeSettings withShutdownTimeout(Duration d) {
        return new RuntimeSettings(consumerInstances, workerThreads, pollTimeout, commitInterval, revocationGrace,
                commitTimeout, d, clock, blockedAlertAfter, consumerListener);
    }

    /** A copy with another clock. */
    public RuntimeSettings withClock(Clock c) {
        return new RuntimeSettings(consumerInstances, workerThreads, pollTimeout, commitInterval, revocationGrace,
                commitTimeout, shutdownTimeout, c, blockedAlertAfter, consumerListener);
    }

    /** The revocation grace actually used: capped at {@code maxPollInterval / 2 - commitTimeout}, at least 0. */
    public Duration effectiveRevocationGrace(Duration maxPollInterval) {
        Duration cap = maxPollInterval.dividedBy(2).minus(commitTimeout);
        if (cap.isNegative()) {
            cap = Duration.ZERO;
        }
        return revocationGrace.compareTo(cap) > 0 ? cap : revocationGrace;
    }

    private static void positive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + d);
        }
    }
}
