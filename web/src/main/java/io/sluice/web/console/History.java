package io.sluice.web.console;

import io.sluice.web.internal.Json;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * Throughput and lag per topic over the last 24 hours, in one-minute buckets, built from the reports the console
 * reads. A report counts in the minute the console's clock shows when it arrives.
 *
 * <p><b>Throughput</b> of a minute is the sum, over the topic's partitions, of how far their marked offsets moved
 * forward since the previous report of the same partition, whichever process sent it, so a partition moving to
 * another process is neither lost nor counted twice; a backward move (a rewind) counts nothing and sets the new
 * baseline. <b>Lag</b> of a minute is the sum of each partition's latest reported lag in it.
 *
 * <p>Closed minutes are handed out once by {@link #closedMinutes()} for the console to write to its compacted
 * metrics topic under {@link #key(Aggregate)}: one key per group, topic and minute of the day, so the topic holds
 * at most 1,440 records per topic and a restarted console rebuilds the day with one read through
 * {@link #load(Aggregate)}. Not thread-safe: one thread feeds and reads it.
 */
public final class History {

    /** The history kept. */
    public static final Duration KEPT = Duration.ofHours(24);

    /**
     * One closed minute of one topic.
     *
     * @param group    the consumer group
     * @param topic    the topic
     * @param minute   the minute's start
     * @param consumed messages consumed in it
     * @param lag      the lag at its end, or -1 when no partition reported one
     */
    public record Aggregate(String group, String topic, Instant minute, long consumed, long lag) {

        /** Checks for nulls. */
        public Aggregate {
            Objects.requireNonNull(group, "group");
            Objects.requireNonNull(topic, "topic");
            Objects.requireNonNull(minute, "minute");
        }
    }

    /**
     * One minute of a series.
     *
     * @param minute   the minute's start
     * @param consumed messages consumed in it (0 without reports)
     * @param lag      the lag at its end, empty without reports
     */
    public record Point(Instant minute, long consumed, OptionalLong lag) {
    }

    private record Series(String group, String topic) {
    }

    private record Partition(String group, String topic, int partition) {
    }

    private static final class Bucket {
        long consumed;
        final Map<Integer, Long> lags = new HashMap<>();
        long loadedLag = -1;
        boolean published;

        long lag() {
            if (lags.isEmpty()) {
                return loadedLag;
            }
            return lags.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private final Clock clock;
    private final Map<Series, TreeMap<Instant, Bucket>> buckets = new HashMap<>();
    private final Map<Partition, Long> lastMarked = new HashMap<>();

    /** A history reading time from {@code clock}. */
    public History(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Counts a report (or a piece of one) in the current minute. */
    public void record(ProcessReport report) {
        Instant minute = minute(clock.instant());
        for (PartitionReport p : report.partitions()) {
            Bucket bucket = bucket(new Series(report.group(), p.topic()), minute);
            if (p.marked() >= 0) {
                Long before = lastMarked.put(new Partition(report.group(), p.topic(), p.partition()), p.marked());
                if (before != null && p.marked() > before) {
                    bucket.consumed += p.marked() - before;
                }
            }
            if (p.lag().isPresent()) {
                bucket.lags.put(p.partition(), p.lag().getAsLong());
            }
        }
        forgetOld();
    }

    /** Restores a minute written earlier, unless it is older than {@link #KEPT}. */
    public void load(Aggregate aggregate) {
        if (!aggregate.minute().isAfter(minute(clock.instant()).minus(KEPT))) {
            return;
        }
        Bucket bucket = bucket(new Series(aggregate.group(), aggregate.topic()), minute(aggregate.minute()));
        bucket.consumed = aggregate.consumed();
        bucket.loadedLag = aggregate.lag();
        bucket.published = true;
    }

    /** The minutes that ended since the last call (or since they were counted), each handed out once. */
    public List<Aggregate> closedMinutes() {
        Instant current = minute(clock.instant());
        List<Aggregate> closed = new ArrayList<>();
        buckets.forEach((series, minutes) -> minutes.headMap(current, false).forEach((minute, bucket) -> {
            if (!bucket.published) {
                bucket.published = true;
                closed.add(new Aggregate(series.group(), series.topic(), minute, bucket.consumed, bucket.lag()));
            }
        }));
        closed.sort(Comparator.comparing(Aggregate::minute).thenComparing(Aggregate::topic));
        return closed;
    }

    /**
     * One point per minute of the {@code window} ending with the current minute, oldest first.
     *
     * @throws IllegalArgumentException when the window is not between one minute and {@link #KEPT}
     */
    public List<Point> series(String group, String topic, Duration window) {
        if (window.compareTo(Duration.ofMinutes(1)) < 0 || window.compareTo(KEPT) > 0) {
            throw new IllegalArgumentException("a window from 1 minute to 24 hours, not " + window);
        }
        Instant current = minute(clock.instant());
        TreeMap<Instant, Bucket> minutes = buckets.getOrDefault(new Series(group, topic), new TreeMap<>());
        long count = window.toMinutes();
        List<Point> points = new ArrayList<>();
        for (long i = count - 1; i >= 0; i--) {
            Instant minute = current.minus(i, ChronoUnit.MINUTES);
            Bucket bucket = minutes.get(minute);
            long lag = bucket == null ? -1 : bucket.lag();
            points.add(new Point(minute, bucket == null ? 0 : bucket.consumed,
                    lag < 0 ? OptionalLong.empty() : OptionalLong.of(lag)));
        }
        return points;
    }

    /** The compacted metrics topic's key of an aggregate: its group, topic and minute of the day. */
    public static String key(Aggregate aggregate) {
        long minuteOfDay = (aggregate.minute().getEpochSecond() / 60) % (24 * 60);
        return Json.write(List.of(aggregate.group(), aggregate.topic(), minuteOfDay));
    }

    /** The JSON value of an aggregate. */
    public static String write(Aggregate aggregate) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("group", aggregate.group());
        map.put("topic", aggregate.topic());
        map.put("minute", aggregate.minute().toEpochMilli());
        map.put("consumed", aggregate.consumed());
        map.put("lag", aggregate.lag());
        return Json.write(map);
    }

    /**
     * Reads an aggregate written by {@link #write(Aggregate)}.
     *
     * @throws IllegalArgumentException when the text is not one
     */
    public static Aggregate read(String json) {
        if (Json.read(json) instanceof Map<?, ?> m && m.get("group") instanceof String group
                && m.get("topic") instanceof String topic && m.get("minute") instanceof Long minute
                && m.get("consumed") instanceof Long consumed && m.get("lag") instanceof Long lag) {
            return new Aggregate(group, topic, Instant.ofEpochMilli(minute), consumed, lag);
        }
        throw new IllegalArgumentException("not a history aggregate: " + json);
    }

    private Bucket bucket(Series series, Instant minute) {
        return buckets.computeIfAbsent(series, s -> new TreeMap<>()).computeIfAbsent(minute, m -> new Bucket());
    }

    private void forgetOld() {
        Instant oldest = minute(clock.instant()).minus(KEPT);
        buckets.values().forEach(minutes -> minutes.headMap(oldest, true).clear());
    }

    private static Instant minute(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MINUTES);
    }
}
