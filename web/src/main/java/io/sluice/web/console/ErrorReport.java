package io.sluice.web.console;

import io.sluice.web.internal.Json;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * One failure a runtime reported to the errors topic. Identical failures of one partition are throttled: the next
 * one sent after a quiet spell says how many were left out before it.
 *
 * @param process    the process's name
 * @param host       its host
 * @param group      its consumer group
 * @param at         when the failure happened
 * @param instance   the consumer instance
 * @param topic      the topic
 * @param partition  the partition
 * @param offset     the failing message's offset, when known
 * @param kind       the failure's kind, e.g. {@code INFRASTRUCTURE} or {@code MESSAGE}
 * @param attempt    the attempt that failed
 * @param error      the exception's class and message, capped
 * @param stack      the first frames of its stack trace and of its causes, capped
 * @param suppressed identical failures of the partition left out since the previous one sent
 */
public record ErrorReport(String process, String host, String group, Instant at, String instance, String topic,
                          int partition, OptionalLong offset, String kind, int attempt, String error, String stack,
                          long suppressed) {

    private static final String FORMAT = "sluice-error";

    /** Checks for nulls. */
    public ErrorReport {
        Objects.requireNonNull(process, "process");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(offset, "offset");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(error, "error");
        Objects.requireNonNull(stack, "stack");
    }

    /** The JSON form, of format {@code sluice-error} {@link ReportFormat#MAJOR}.{@link ReportFormat#MINOR}. */
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("major", ReportFormat.MAJOR);
        m.put("minor", ReportFormat.MINOR);
        m.put("process", process);
        m.put("host", host);
        m.put("group", group);
        m.put("at", at.toEpochMilli());
        m.put("instance", instance);
        m.put("topic", topic);
        m.put("partition", partition);
        m.put("offset", offset.isPresent() ? offset.getAsLong() : null);
        m.put("kind", kind);
        m.put("attempt", attempt);
        m.put("error", error);
        m.put("stack", stack);
        m.put("suppressed", suppressed);
        return Json.write(m);
    }

    /**
     * Reads the JSON form.
     *
     * @throws NewerReportFormatException when written in a newer major format
     * @throws IllegalArgumentException   when the text is not an error report
     */
    public static ErrorReport fromJson(String json) {
        if (!(Json.read(json) instanceof Map<?, ?> m) || !FORMAT.equals(m.get("format"))) {
            throw new IllegalArgumentException("not a Sluice error report");
        }
        if (m.get("major") instanceof Long major && major > ReportFormat.MAJOR) {
            throw new NewerReportFormatException("an error report of format " + major + "." + m.get("minor")
                    + " is newer than this console, which reads " + ReportFormat.MAJOR + ".x: upgrade the console");
        }
        try {
            return new ErrorReport((String) m.get("process"), (String) m.get("host"), (String) m.get("group"),
                    Instant.ofEpochMilli((Long) m.get("at")), (String) m.get("instance"), (String) m.get("topic"),
                    Math.toIntExact((Long) m.get("partition")),
                    m.get("offset") == null ? OptionalLong.empty() : OptionalLong.of((Long) m.get("offset")),
                    (String) m.get("kind"), Math.toIntExact((Long) m.get("attempt")), (String) m.get("error"),
                    (String) m.get("stack"), (Long) m.get("suppressed"));
        } catch (ClassCastException | NullPointerException e) {
            throw new IllegalArgumentException("an error report with a missing or mistyped field: " + e.getMessage(),
                    e);
        }
    }
}
