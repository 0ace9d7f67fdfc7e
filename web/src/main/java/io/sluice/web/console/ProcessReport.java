package io.sluice.web.console;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What one Sluice process reported of itself at one moment: sent to the reports topic every interval by each
 * runtime with reporting on, and read by the console. A large report is sent in {@code parts} pieces sharing
 * {@code sentAt}; each piece repeats the process fields and carries a share of the partitions.
 *
 * @param process   the process's name (the runtime's name), unique within its group
 * @param host      the host it runs on
 * @param version   the Sluice version it runs
 * @param group     the consumer group
 * @param sentAt    when the report was made
 * @param interval  how often the process reports, so the console can tell live from stale
 * @param last      whether this is the final report of a process that is closing
 * @param part      this piece's number, from 1
 * @param parts     how many pieces the report has
 * @param instances the process's consumer instances
 * @param partitions its assigned partitions (this piece's share)
 * @param counters  its counters, e.g. {@code processed}
 */
public record ProcessReport(String process, String host, String version, String group, Instant sentAt,
                            Duration interval, boolean last, int part, int parts, List<String> instances,
                            List<PartitionReport> partitions, Map<String, Long> counters) {

    /** Checks the values and copies the collections. */
    public ProcessReport {
        Objects.requireNonNull(process, "process");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(sentAt, "sentAt");
        Objects.requireNonNull(interval, "interval");
        if (part < 1 || part > parts) {
            throw new IllegalArgumentException("part " + part + " of " + parts);
        }
        instances = List.copyOf(instances);
        partitions = List.copyOf(partitions);
        counters = Map.copyOf(counters);
    }

    /** This report with other partitions, as piece {@code part} of {@code parts}. */
    ProcessReport piece(int part, int parts, List<PartitionReport> partitions) {
        return new ProcessReport(process, host, version, group, sentAt, interval, last, part, parts, instances,
                partitions, counters);
    }
}
