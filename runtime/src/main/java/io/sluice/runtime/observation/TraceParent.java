package io.sluice.runtime.observation;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * A W3C trace context as a message's {@code traceparent} header carries it
 * ({@code 00-<32 hex trace id>-<16 hex parent span id>-<2 hex flags>}): what a job's span links to. Immutable.
 *
 * @param traceId  the trace id, 32 lowercase hex digits, not all zero
 * @param spanId   the id of the span that sent the message, 16 lowercase hex digits, not all zero
 * @param sampled  whether the sender sampled the trace
 */
public record TraceParent(String traceId, String spanId, boolean sampled) {

    /** The header W3C trace context propagation uses. */
    public static final String HEADER = "traceparent";

    private static final Pattern FORMAT = Pattern.compile("[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})");
    private static final Pattern ZEROS = Pattern.compile("0+");

    /** Validates the ids. */
    public TraceParent {
        Objects.requireNonNull(traceId, "traceId");
        Objects.requireNonNull(spanId, "spanId");
        if (traceId.length() != 32 || spanId.length() != 16 || ZEROS.matcher(traceId).matches()
                || ZEROS.matcher(spanId).matches()) {
            throw new IllegalArgumentException("not a W3C trace and span id: " + traceId + ", " + spanId);
        }
    }

    /** The trace context of {@code value}, a {@code traceparent} header's value; empty when it is not one. */
    public static Optional<TraceParent> parse(String value) {
        if (value == null) {
            return Optional.empty();
        }
        var m = FORMAT.matcher(value.trim());
        if (!m.matches() || m.group(0).startsWith("ff") || ZEROS.matcher(m.group(1)).matches()
                || ZEROS.matcher(m.group(2)).matches()) {
            return Optional.empty();
        }
        return Optional.of(new TraceParent(m.group(1), m.group(2),
                (Integer.parseInt(m.group(3), 16) & 1) == 1));
    }

    /** The trace context of a message's last {@code traceparent} header, if it has a valid one. */
    public static Optional<TraceParent> of(Headers headers) {
        Header h = headers.lastHeader(HEADER);
        return h == null || h.value() == null ? Optional.empty()
                : parse(new String(h.value(), StandardCharsets.UTF_8));
    }

    /** The header value, version 00. */
    @Override
    public String toString() {
        return "00-" + traceId + "-" + spanId + (sampled ? "-01" : "-00");
    }
}
