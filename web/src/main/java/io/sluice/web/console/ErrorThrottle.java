package io.sluice.web.console;

import io.sluice.runtime.SluiceEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;

/**
 * Turns a runtime's failures into error reports, identical ones of one partition (same kind and error text) at
 * most once per window: the next one after a quiet window says how many were left out before it. Not thread-safe.
 */
final class ErrorThrottle {

    private static final int MAX_ERROR_CHARS = 2_000;
    private static final int MAX_STACK_CHARS = 4_000;
    private static final int MAX_KEYS = 10_000;

    private record Key(TopicPartition topicPartition, String kind, String error) {
    }

    private static final class Spell {
        Instant lastSent;
        long suppressed;
    }

    private final String process;
    private final String host;
    private final String group;
    private final Duration window;
    private final Map<Key, Spell> spells = new HashMap<>();

    ErrorThrottle(String process, String host, String group, Duration window) {
        this.process = process;
        this.host = host;
        this.group = group;
        this.window = window;
    }

    /** The report of {@code failure} at {@code now}, unless an identical one was reported within the window. */
    Optional<ErrorReport> offer(SluiceEvent.Failed failure, Instant now) {
        String text = cap(failure.error().getClass().getName() + ": " + failure.error().getMessage(),
                MAX_ERROR_CHARS);
        Spell spell = spells.computeIfAbsent(new Key(failure.topicPartition(), failure.kind().name(), text),
                k -> new Spell());
        if (spell.lastSent != null && Duration.between(spell.lastSent, now).compareTo(window) < 0) {
            spell.suppressed++;
            return Optional.empty();
        }
        ErrorReport report = new ErrorReport(process, host, group, now, failure.instance(),
                failure.topicPartition().topic(), failure.topicPartition().partition(), failure.failedOffset(),
                failure.kind().name(), failure.attempt(), text, stack(failure.error()), spell.suppressed);
        spell.lastSent = now;
        spell.suppressed = 0;
        if (spells.size() > MAX_KEYS) {
            spells.values().removeIf(s -> s.suppressed == 0 && s.lastSent != null
                    && Duration.between(s.lastSent, now).compareTo(window) >= 0);
        }
        return Optional.of(report);
    }

    /** Counts a failure that was left out for another reason (a full queue) toward its partition's next report. */
    void leftOut(SluiceEvent.Failed failure) {
        String text = cap(failure.error().getClass().getName() + ": " + failure.error().getMessage(),
                MAX_ERROR_CHARS);
        Spell spell = spells.get(new Key(failure.topicPartition(), failure.kind().name(), text));
        if (spell != null) {
            spell.lastSent = null;
            spell.suppressed++;
        }
    }

    private static String stack(Throwable error) {
        StringBuilder out = new StringBuilder();
        for (Throwable t = error; t != null && out.length() < MAX_STACK_CHARS; t = t.getCause() == t ? null
                : t.getCause()) {
            if (t != error) {
                out.append("caused by ");
            }
            out.append(t.getClass().getName()).append(": ").append(t.getMessage()).append('\n');
            StackTraceElement[] frames = t.getStackTrace();
            for (int i = 0; i < Math.min(frames.length, 8); i++) {
                out.append("    at ").append(frames[i]).append('\n');
            }
        }
        return cap(out.toString(), MAX_STACK_CHARS);
    }

    private static String cap(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
