package io.sluice.web.console;

import io.sluice.web.internal.Json;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The JSON form of a {@link ProcessReport}, versioned {@code major.minor}. A reader accepts every minor version of
 * its major (a newer minor only adds fields, which it ignores) and refuses a newer major with
 * {@link NewerReportFormatException}. Times are epoch milliseconds; unknown offsets are {@code null}.
 */
public final class ReportFormat {

    /** The major version written; a change that an older reader would misread raises it. */
    public static final int MAJOR = 1;
    /** The minor version written; raised when fields are added. */
    public static final int MINOR = 0;

    private static final String FORMAT = "sluice-report";

    private ReportFormat() {
    }

    /** The report as one JSON document. */
    public static String write(ProcessReport report) {
        return Json.write(document(report, parts(report.partitions())));
    }

    /**
     * The report as JSON documents of at most {@code maxBytes} UTF-8 bytes each, its partitions shared out in
     * order; one document when it fits.
     *
     * @throws IllegalArgumentException when even one partition with the process fields exceeds {@code maxBytes}
     */
    public static List<String> split(ProcessReport report, int maxBytes) {
        List<Map<String, Object>> all = parts(report.partitions());
        String whole = Json.write(document(report, all));
        if (bytes(whole) <= maxBytes) {
            return List.of(whole);
        }
        int header = bytes(Json.write(document(report.piece(1, 1, List.of()), List.of())));
        List<List<Map<String, Object>>> pieces = new ArrayList<>();
        List<Map<String, Object>> current = new ArrayList<>();
        int size = header;
        for (Map<String, Object> partition : all) {
            int one = bytes(Json.write(partition)) + 1;
            if (header + one > maxBytes) {
                throw new IllegalArgumentException("one partition of " + report.process() + " needs " + (header + one)
                        + " bytes, more than the cap of " + maxBytes);
            }
            if (size + one > maxBytes) {
                pieces.add(current);
                current = new ArrayList<>();
                size = header;
            }
            current.add(partition);
            size += one;
        }
        pieces.add(current);
        List<String> documents = new ArrayList<>();
        for (int i = 0; i < pieces.size(); i++) {
            Map<String, Object> document = document(report, pieces.get(i));
            document.put("part", (long) i + 1);
            document.put("parts", (long) pieces.size());
            documents.add(Json.write(document));
        }
        return documents;
    }

    /**
     * Reads a report.
     *
     * @throws NewerReportFormatException when its major version is newer than {@link #MAJOR}
     * @throws IllegalArgumentException   when the text is not a report
     */
    public static ProcessReport read(String json) {
        if (!(Json.read(json) instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("a report is a JSON object");
        }
        if (!FORMAT.equals(map.get("format"))) {
            throw new IllegalArgumentException("not a Sluice report: format is " + map.get("format"));
        }
        long major = number(map, "major");
        if (major > MAJOR) {
            throw new NewerReportFormatException("a report of format " + major + "." + map.get("minor")
                    + " from process '" + map.get("process") + "' is newer than this console, which reads "
                    + MAJOR + ".x: upgrade the console");
        }
        if (major < 1) {
            throw new IllegalArgumentException("no report format has major version " + major);
        }
        List<PartitionReport> partitions = new ArrayList<>();
        for (Object p : list(map, "partitions")) {
            if (!(p instanceof Map<?, ?> pm)) {
                throw new IllegalArgumentException("a partition is a JSON object");
            }
            Optional<PartitionReport.DatabaseOffset> database = pm.get("dbOffset") == null ? Optional.empty()
                    : Optional.of(new PartitionReport.DatabaseOffset(number(pm, "dbOffset"),
                    Instant.ofEpochMilli(number(pm, "dbAt"))));
            partitions.add(new PartitionReport(text(pm, "topic"), whole(pm, "partition"),
                    text(pm, "instance"), text(pm, "state"), number(pm, "position"), number(pm, "committed"),
                    number(pm, "marked"), database, optional(pm, "logEnd"), optional(pm, "lag"),
                    text(pm, "lastVerdict")));
        }
        Map<String, Long> counters = new LinkedHashMap<>();
        if (map.get("counters") instanceof Map<?, ?> cm) {
            cm.forEach((k, v) -> {
                if (v instanceof Long n) {
                    counters.put((String) k, n);
                }
            });
        }
        List<String> instances = new ArrayList<>();
        for (Object i : list(map, "instances")) {
            instances.add(String.valueOf(i));
        }
        return new ProcessReport(text(map, "process"), text(map, "host"), text(map, "version"), text(map, "group"),
                Instant.ofEpochMilli(number(map, "sentAt")), Duration.ofMillis(number(map, "intervalMs")),
                Boolean.TRUE.equals(map.get("last")), whole(map, "part"), whole(map, "parts"),
                instances, partitions, counters);
    }

    private static Map<String, Object> document(ProcessReport r, List<Map<String, Object>> partitions) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("format", FORMAT);
        d.put("major", MAJOR);
        d.put("minor", MINOR);
        d.put("process", r.process());
        d.put("host", r.host());
        d.put("version", r.version());
        d.put("group", r.group());
        d.put("sentAt", r.sentAt().toEpochMilli());
        d.put("intervalMs", r.interval().toMillis());
        d.put("last", r.last());
        d.put("part", (long) r.part());
        d.put("parts", (long) r.parts());
        d.put("instances", r.instances());
        d.put("partitions", partitions);
        d.put("counters", new LinkedHashMap<>(r.counters()));
        return d;
    }

    private static List<Map<String, Object>> parts(List<PartitionReport> partitions) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (PartitionReport p : partitions) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("topic", p.topic());
            row.put("partition", p.partition());
            row.put("instance", p.instance());
            row.put("state", p.state());
            row.put("position", p.position());
            row.put("committed", p.committed());
            row.put("marked", p.marked());
            row.put("dbOffset", p.database().map(d -> (Object) d.offset()).orElse(null));
            row.put("dbAt", p.database().map(d -> (Object) d.at().toEpochMilli()).orElse(null));
            row.put("logEnd", p.logEnd().isPresent() ? p.logEnd().getAsLong() : null);
            row.put("lag", p.lag().isPresent() ? p.lag().getAsLong() : null);
            row.put("lastVerdict", p.lastVerdict());
            rows.add(row);
        }
        return rows;
    }

    private static int bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static long number(Map<?, ?> map, String name) {
        if (map.get(name) instanceof Long n) {
            return n;
        }
        throw new IllegalArgumentException("the report's '" + name + "' is not a whole number: " + map.get(name));
    }

    private static int whole(Map<?, ?> map, String name) {
        long n = number(map, name);
        if (n < Integer.MIN_VALUE || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the report's '" + name + "' is out of range: " + n);
        }
        return (int) n;
    }

    private static OptionalLong optional(Map<?, ?> map, String name) {
        return map.get(name) == null ? OptionalLong.empty() : OptionalLong.of(number(map, name));
    }

    private static String text(Map<?, ?> map, String name) {
        if (map.get(name) instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException("the report's '" + name + "' is not a string: " + map.get(name));
    }

    private static List<?> list(Map<?, ?> map, String name) {
        if (map.get(name) instanceof List<?> l) {
            return l;
        }
        throw new IllegalArgumentException("the report's '" + name + "' is not a list: " + map.get(name));
    }
}
