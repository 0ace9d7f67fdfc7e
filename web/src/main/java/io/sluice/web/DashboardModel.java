package io.sluice.web;

import io.sluice.dsl.FilterFactory;
import io.sluice.dsl.TopicDefinition;
import io.sluice.dsl.Verdict;
import io.sluice.runtime.PartitionState;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dashboard's state at one moment, as plain maps and lists: the JSON endpoint writes it as it is and the page
 * renders the same rows, so both always agree. Values are strings, numbers, lists of strings or {@code null}
 * (unknown or not applicable); offsets of {@code -1} become {@code null}.
 */
final class DashboardModel {

    private static final Logger LOG = LoggerFactory.getLogger(DashboardModel.class);
    private static final Comparator<Map<String, Object>> PARTITION_ORDER = Comparator
            .comparing((Map<String, Object> row) -> (String) row.get("topic"))
            .thenComparing(row -> (Integer) row.get("partition"))
            .thenComparing(row -> (String) row.get("instance"));

    private final RuntimeView view;
    private final EventLog events;
    private final DashboardSettings settings;
    private final String version;
    /** A topic's consumer class is known once one of its partitions was assigned; remembered from then on. */
    private final Map<String, String> consumerClasses = new ConcurrentHashMap<>();

    DashboardModel(RuntimeView view, EventLog events, DashboardSettings settings, String version) {
        this.view = view;
        this.events = events;
        this.settings = settings;
        this.version = version;
    }

    String version() {
        return version;
    }

    /** The state now. */
    Map<String, Object> snapshot() {
        Map<String, Object> state = new LinkedHashMap<>();
        List<Map<String, Object>> partitions = partitions();
        state.put("runtime", view.name());
        state.put("status", view.running() ? "running" : view.halted() ? "halted" : "stopped");
        state.put("version", version);
        state.put("generatedAt", time(settings.clock().instant()));
        state.put("partitions", partitions);
        state.put("topics", topics());
        state.put("counters", counters());
        state.put("errors", errors());
        return state;
    }

    private List<Map<String, Object>> partitions() {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Map.Entry<String, List<PartitionState>> e : view.partitions().entrySet()) {
            String instance = e.getKey();
            for (PartitionState s : e.getValue()) {
                TopicPartition tp = s.topicPartition();
                consumerClasses.put(tp.topic(), s.consumer());
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("instance", instance);
                row.put("topicPartition", tp.toString());
                row.put("topic", tp.topic());
                row.put("partition", tp.partition());
                row.put("generation", s.generation());
                row.put("state", s.state());
                row.put("position", offset(s.fetchPosition()));
                row.put("committed", offset(s.committed()));
                row.put("marked", offset(s.marked()));
                row.put("databaseOffset", databaseOffset(tp));
                row.put("logEnd", optional(s.latestLogEnd()));
                row.put("lag", optional(s.lag()));
                row.put("pausedUntil", s.pausedUntil().map(DashboardModel::time).orElse(null));
                row.put("lastVerdict", events.lastVerdict(instance, tp, s.generation())
                        .map(v -> verdict(v.verdict(), v.dropped())).orElse(null));
                row.put("attempts", s.attempts());
                row.put("filterFailures", s.filterFailures());
                rows.add(row);
            }
        }
        rows.sort(PARTITION_ORDER);
        return rows;
    }

    private Object databaseOffset(TopicPartition tp) {
        Optional<TopicDefinition<?, ?>> topic = view.topology().topic(tp.topic());
        if (topic.isEmpty() || topic.get().offsetAuthority().isEmpty()) {
            return null;
        }
        try {
            OptionalLong offset = settings.databaseOffsets().apply(tp);
            return offset == null ? null : optional(offset);
        } catch (RuntimeException e) {
            LOG.debug("reading the database offset of {} failed: {}", tp, e.toString());
            return "unavailable";
        }
    }

    private List<Map<String, Object>> topics() {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (TopicDefinition<?, ?> t : view.topology().topics()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("topic", t.name());
            row.put("consumer", consumerClasses.getOrDefault(t.name(), "(known once assigned)"));
            List<String> filters = new ArrayList<>();
            for (FilterFactory<?, ?> f : t.filters()) {
                filters.add(f.describe());
            }
            row.put("filters", filters);
            row.put("marking", t.settings().marking().name());
            row.put("deadLetterQueue", t.settings().deadLetterQueue()
                    .map(d -> (d.discards() ? "discard" : d.topic()) + " after " + d.maxRetries() + " retries")
                    .orElse(null));
            rows.add(row);
        }
        return rows;
    }

    private List<Map<String, Object>> counters() {
        List<Map<String, Object>> rows = new ArrayList<>();
        view.counters().forEach((name, value) -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", name);
            row.put("value", value);
            rows.add(row);
        });
        return rows;
    }

    private List<Map<String, Object>> errors() {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (EventLog.RecentError e : events.recentErrors()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("time", time(e.at()));
            row.put("instance", e.instance());
            row.put("topicPartition", e.topicPartition().toString());
            row.put("kind", e.kind());
            row.put("attempt", e.attempt());
            row.put("offset", optional(e.offset()));
            row.put("error", e.error());
            row.put("backoff", duration(e.backoff()));
            rows.add(row);
        }
        return rows;
    }

    /** A combined verdict as one line: {@code SEEK to 42 (marks 40), 3 dropped}. */
    static String verdict(Verdict v, int dropped) {
        StringBuilder s = new StringBuilder();
        if (v instanceof Verdict.Pause p) {
            s.append("PAUSE at ").append(p.cursor().offset()).append(" for ").append(duration(p.timeout()));
        } else if (v instanceof Verdict.Seek k) {
            s.append("SEEK to ").append(k.cursor().offset());
        } else if (v.applied()) {
            s.append("SKIP");
        } else {
            s.append("NOT APPLIED");
        }
        v.mark().ifPresent(m -> s.append(" (marks ").append(m).append(')'));
        if (dropped > 0) {
            s.append(", ").append(dropped).append(" dropped");
        }
        return s.toString();
    }

    /** {@code 250 ms}, {@code 1.5 s}, {@code 2 min 30 s}. */
    static String duration(Duration d) {
        long ms = d.toMillis();
        if (ms < 1_000) {
            return ms + " ms";
        }
        if (ms < 60_000) {
            return (ms % 1_000 == 0 ? Long.toString(ms / 1_000) : String.valueOf(ms / 1_000.0)) + " s";
        }
        long seconds = d.toSeconds();
        long minutes = seconds / 60;
        return seconds % 60 == 0 ? minutes + " min" : minutes + " min " + seconds % 60 + " s";
    }

    private static String time(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MILLIS).toString();
    }

    private static Long offset(long offset) {
        return offset < 0 ? null : offset;
    }

    private static Long optional(OptionalLong value) {
        return value.isPresent() ? value.getAsLong() : null;
    }
}
