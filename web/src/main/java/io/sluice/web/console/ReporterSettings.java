package io.sluice.web.console;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;

/**
 * How a {@link SluiceReporter} reports. Immutable; start from {@link #defaults()}.
 *
 * @param topics          the console's topics (their prefix)
 * @param interval        how often a report is sent; at least 100 ms
 * @param maxReportBytes  the largest record sent; a larger report is split ({@link ReportFormat#split})
 * @param errorThrottle   identical failures of one partition are sent at most once per this spell
 * @param databaseOffsets the database offset of an offset-managed partition as the offset manager last read or
 *                        wrote it under the row lock, with its time; must not query the database (it is called
 *                        for every partition of every report); empty for none
 * @param host            the host name reports carry
 * @param clock           stamps reports and paces the error throttle
 */
public record ReporterSettings(ConsoleTopics topics, Duration interval, int maxReportBytes, Duration errorThrottle,
                               Function<TopicPartition, Optional<PartitionReport.DatabaseOffset>> databaseOffsets,
                               String host, Clock clock) {

    /** Validates every field. */
    public ReporterSettings {
        Objects.requireNonNull(topics, "topics");
        if (interval.toMillis() < 100) {
            throw new IllegalArgumentException("the report interval must be at least 100 ms, was " + interval);
        }
        if (maxReportBytes < 1_024) {
            throw new IllegalArgumentException("maxReportBytes must be at least 1024, was " + maxReportBytes);
        }
        Objects.requireNonNull(errorThrottle, "errorThrottle");
        Objects.requireNonNull(databaseOffsets, "databaseOffsets");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(clock, "clock");
    }

    /**
     * Unprefixed topics, a report every 5 seconds, records of at most 512 KiB (below Kafka's default 1 MiB), one
     * identical error per partition per minute, no database offsets, this machine's host name, the system clock.
     */
    public static ReporterSettings defaults() {
        return new ReporterSettings(ConsoleTopics.standard(), Duration.ofSeconds(5), 512 * 1_024,
                Duration.ofMinutes(1), tp -> Optional.empty(), hostName(), Clock.systemUTC());
    }

    /** A copy with the topics of {@code value}. */
    public ReporterSettings withTopics(ConsoleTopics value) {
        return new ReporterSettings(value, interval, maxReportBytes, errorThrottle, databaseOffsets, host, clock);
    }

    /** A copy reporting every {@code value}. */
    public ReporterSettings withInterval(Duration value) {
        return new ReporterSettings(topics, value, maxReportBytes, errorThrottle, databaseOffsets, host, clock);
    }

    /** A copy splitting reports above {@code value} bytes. */
    public ReporterSettings withMaxReportBytes(int value) {
        return new ReporterSettings(topics, interval, value, errorThrottle, databaseOffsets, host, clock);
    }

    /** A copy sending identical errors of a partition at most once per {@code value}. */
    public ReporterSettings withErrorThrottle(Duration value) {
        return new ReporterSettings(topics, interval, maxReportBytes, value, databaseOffsets, host, clock);
    }

    /** A copy reporting database offsets from {@code value}. */
    public ReporterSettings withDatabaseOffsets(
            Function<TopicPartition, Optional<PartitionReport.DatabaseOffset>> value) {
        return new ReporterSettings(topics, interval, maxReportBytes, errorThrottle, value, host, clock);
    }

    /** A copy with {@code value} as the clock. */
    public ReporterSettings withClock(Clock value) {
        return new ReporterSettings(topics, interval, maxReportBytes, errorThrottle, databaseOffsets, host, value);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown";
        }
    }
}
