package io.sluice.web;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.OptionalLong;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;

/**
 * How a {@link SluiceDashboard} serves. Immutable; start from {@link #defaults()} and change what you need with the
 * {@code with...} methods.
 *
 * @param address         the address to bind; never {@code null}
 * @param port            the port, {@code 0} for a free one
 * @param databaseOffsets where the dashboard reads the database offset of a partition whose topic keeps its offsets
 *                        outside Kafka (the offset manager), e.g. {@code tp -> offsets.read(tp)}; called for those
 *                        topics only, on every refresh; an empty result or an exception shows as no value
 * @param refreshInterval how often the page polls for new state
 * @param recentErrors    how many recent failures the dashboard keeps and shows
 * @param clock           stamps recent errors and verdicts
 * @param publicHosts     host names the dashboard answers for besides the loopback names and its bound address
 *                        (any other {@code Host} gets 421, which stops DNS rebinding)
 */
public record DashboardSettings(InetAddress address, int port,
                                Function<TopicPartition, OptionalLong> databaseOffsets, Duration refreshInterval,
                                int recentErrors, Clock clock, Set<String> publicHosts) {

    /** Validates every field. */
    public DashboardSettings {
        Objects.requireNonNull(address, "address");
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be within 0..65535, was " + port);
        }
        Objects.requireNonNull(databaseOffsets, "databaseOffsets");
        Objects.requireNonNull(refreshInterval, "refreshInterval");
        if (refreshInterval.toMillis() < 100) {
            throw new IllegalArgumentException("refreshInterval must be at least 100 ms, was " + refreshInterval);
        }
        if (recentErrors < 1) {
            throw new IllegalArgumentException("recentErrors must be >= 1, was " + recentErrors);
        }
        Objects.requireNonNull(clock, "clock");
        publicHosts = Set.copyOf(publicHosts);
    }

    /** 127.0.0.1, a free port, no database offsets, a refresh every 2 s, the last 50 errors, the system clock. */
    public static DashboardSettings defaults() {
        return new DashboardSettings(loopback(), 0, tp -> OptionalLong.empty(), Duration.ofSeconds(2), 50,
                Clock.systemUTC(), Set.of());
    }

    /** A copy bound to {@code value}. */
    public DashboardSettings withAddress(InetAddress value) {
        return new DashboardSettings(value, port, databaseOffsets, refreshInterval, recentErrors, clock, publicHosts);
    }

    /** A copy on port {@code value} ({@code 0}: a free one). */
    public DashboardSettings withPort(int value) {
        return new DashboardSettings(address, value, databaseOffsets, refreshInterval, recentErrors, clock,
                publicHosts);
    }

    /** A copy that reads database offsets with {@code value}. */
    public DashboardSettings withDatabaseOffsets(Function<TopicPartition, OptionalLong> value) {
        return new DashboardSettings(address, port, value, refreshInterval, recentErrors, clock, publicHosts);
    }

    /** A copy that refreshes every {@code value}. */
    public DashboardSettings withRefreshInterval(Duration value) {
        return new DashboardSettings(address, port, databaseOffsets, value, recentErrors, clock, publicHosts);
    }

    /** A copy that keeps {@code value} recent errors. */
    public DashboardSettings withRecentErrors(int value) {
        return new DashboardSettings(address, port, databaseOffsets, refreshInterval, value, clock, publicHosts);
    }

    /** A copy with another clock. */
    public DashboardSettings withClock(Clock value) {
        return new DashboardSettings(address, port, databaseOffsets, refreshInterval, recentErrors, value, publicHosts);
    }

    /** A copy that also answers requests for the host names {@code value} (e.g. behind a proxy). */
    public DashboardSettings withPublicHosts(Set<String> value) {
        return new DashboardSettings(address, port, databaseOffsets, refreshInterval, recentErrors, clock, value);
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new IllegalStateException("cannot happen: a 4-byte address is valid", e);
        }
    }
}
