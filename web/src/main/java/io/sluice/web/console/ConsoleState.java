package io.sluice.web.console;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeSet;

/**
 * What the console knows of every process, assembled from reports and error reports in the order they were read.
 * Thread-safe: the reading thread feeds it, page requests read it.
 *
 * <p>A process is <b>live</b> while its newest report is at most three of its intervals old, <b>gone</b> once it
 * sent a final report or was silent for the TTL, <b>stale</b> in between; a gone process stays listed for one more
 * TTL (a report dated after the console's clock counts as sent when it arrived). Each partition of a group is
 * shown once, from the newest report of a process that is not gone that holds it.
 * A partition is <b>stuck</b> when it has lag and its marked offset has not moved for {@code stuckAfter}.
 */
final class ConsoleState {

    enum Status { LIVE, STALE, GONE }

    /** One process as the overview shows it. */
    record ProcessView(String process, String host, String version, String group, Status status, Instant lastSeen,
                       List<String> instances, int partitions, long lag, Map<String, Long> counters) {
    }

    /** One partition of a group as the partitions table shows it. */
    record PartitionView(String group, PartitionReport report, String process, OptionalLong drift,
                         String driftLevel, boolean stuck) {
    }

    private record PartitionKey(String group, String topic, int partition) {
    }

    private record Progress(long marked, Instant since) {
    }

    private final Clock clock;
    private final Duration ttl;
    private final Duration stuckAfter;
    private final long driftAmberAbove;
    private final int maxErrors;
    private final Map<String, ProcessReport> latest = new LinkedHashMap<>();
    private final Map<String, Instant> goneSince = new HashMap<>();
    private final Map<String, List<ProcessReport>> pieces = new HashMap<>();
    private final Map<PartitionKey, Progress> progress = new HashMap<>();
    private final Deque<ErrorReport> errors = new ArrayDeque<>();
    private final Map<String, String> refused = new java.util.TreeMap<>();

    ConsoleState(Clock clock, Duration ttl, Duration stuckAfter, long driftAmberAbove, int maxErrors) {
        this.clock = clock;
        this.ttl = ttl;
        this.stuckAfter = stuckAfter;
        this.driftAmberAbove = driftAmberAbove;
        this.maxErrors = maxErrors;
    }

    /** Takes a report or a piece of one; a split report counts once all its pieces arrived. */
    synchronized void report(ProcessReport piece) {
        ProcessReport whole = piece;
        if (piece.parts() > 1) {
            List<ProcessReport> got = pieces.computeIfAbsent(piece.process(), p -> new ArrayList<>());
            if (!got.isEmpty() && !got.get(0).sentAt().equals(piece.sentAt())) {
                got.clear(); // an incomplete older report: a newer one replaces it
            }
            got.add(piece);
            if (got.size() < piece.parts()) {
                return;
            }
            List<PartitionReport> all = new ArrayList<>();
            got.stream().sorted(Comparator.comparingInt(ProcessReport::part))
                    .forEach(p -> all.addAll(p.partitions()));
            pieces.remove(piece.process());
            whole = piece.piece(1, 1, all);
        }
        Instant now = clock.instant();
        if (whole.sentAt().isAfter(now)) {
            // a sender's clock ahead of ours: taken as sent now, so it neither lives past its silence nor makes the
            // sender's later reports look older than it
            whole = new ProcessReport(whole.process(), whole.host(), whole.version(), whole.group(), now,
                    whole.interval(), whole.last(), whole.part(), whole.parts(), whole.instances(),
                    whole.partitions(), whole.counters());
        }
        ProcessReport before = latest.get(whole.process());
        if (before != null && before.sentAt().isAfter(whole.sentAt())) {
            return;
        }
        latest.put(whole.process(), whole);
        if (whole.last()) {
            goneSince.put(whole.process(), clock.instant());
        } else {
            goneSince.remove(whole.process());
        }
        for (PartitionReport p : whole.partitions()) {
            PartitionKey key = new PartitionKey(whole.group(), p.topic(), p.partition());
            Progress was = progress.get(key);
            if (was == null || was.marked() != p.marked()) {
                progress.put(key, new Progress(p.marked(), clock.instant()));
            }
        }
    }

    /** Records that reports of {@code process} cannot be read, and why (a newer major format). */
    synchronized void refused(String process, String why) {
        refused.put(process, why);
        while (refused.size() > 100) {
            refused.remove(refused.keySet().iterator().next());
        }
    }

    /** The processes whose reports this console cannot read, with why. */
    synchronized Map<String, String> refused() {
        return Map.copyOf(refused);
    }

    /** Takes an error report; the newest {@code maxErrors} are kept. */
    synchronized void error(ErrorReport error) {
        errors.addFirst(error);
        while (errors.size() > maxErrors) {
            errors.removeLast();
        }
    }

    /** Every listed process, by group then name. */
    synchronized List<ProcessView> processes() {
        forgetGone();
        List<ProcessView> views = new ArrayList<>();
        for (ProcessReport r : latest.values()) {
            long lag = r.partitions().stream().mapToLong(p -> p.lag().orElse(0)).sum();
            views.add(new ProcessView(r.process(), r.host(), r.version(), r.group(), status(r), r.sentAt(),
                    r.instances(), r.partitions().size(), lag, r.counters()));
        }
        views.sort(Comparator.comparing(ProcessView::group).thenComparing(ProcessView::process));
        return views;
    }

    /** The groups reported, sorted. */
    synchronized List<String> groups() {
        TreeSet<String> groups = new TreeSet<>();
        latest.values().forEach(r -> groups.add(r.group()));
        return List.copyOf(groups);
    }

    /** The topics {@code group}'s processes reported, sorted. */
    synchronized List<String> topics(String group) {
        TreeSet<String> topics = new TreeSet<>();
        latest.values().stream().filter(r -> r.group().equals(group))
                .forEach(r -> r.partitions().forEach(p -> topics.add(p.topic())));
        return List.copyOf(topics);
    }

    /** Each partition of {@code group} once, by topic and partition. */
    synchronized List<PartitionView> partitions(String group) {
        forgetGone();
        Map<PartitionKey, ProcessReport> owners = new HashMap<>();
        Map<PartitionKey, PartitionReport> rows = new HashMap<>();
        for (ProcessReport r : latest.values()) {
            if (!r.group().equals(group) || status(r) == Status.GONE) {
                continue;
            }
            for (PartitionReport p : r.partitions()) {
                PartitionKey key = new PartitionKey(group, p.topic(), p.partition());
                ProcessReport owner = owners.get(key);
                if (owner == null || r.sentAt().isAfter(owner.sentAt())) {
                    owners.put(key, r);
                    rows.put(key, p);
                }
            }
        }
        Instant now = clock.instant();
        List<PartitionView> views = new ArrayList<>();
        for (Map.Entry<PartitionKey, PartitionReport> e : rows.entrySet()) {
            PartitionReport p = e.getValue();
            OptionalLong drift = p.drift();
            String level = drift.isEmpty() ? "none" : drift.getAsLong() < 0 ? "red"
                    : drift.getAsLong() > driftAmberAbove ? "amber" : "ok";
            Progress since = progress.get(e.getKey());
            boolean stuck = p.lag().orElse(0) > 0 && since != null
                    && Duration.between(since.since(), now).compareTo(stuckAfter) >= 0;
            views.add(new PartitionView(group, p, owners.get(e.getKey()).process(), drift, level, stuck));
        }
        views.sort(Comparator.comparing((PartitionView v) -> v.report().topic())
                .thenComparingInt(v -> v.report().partition()));
        return views;
    }

    /** The errors kept, newest first, whose text, topic, process or kind contains {@code filter} (any case). */
    synchronized List<ErrorReport> errors(String filter) {
        String f = filter == null ? "" : filter.toLowerCase(Locale.ROOT);
        return errors.stream().filter(e -> f.isEmpty() || (e.error() + " " + e.topic() + "-" + e.partition() + " "
                + e.process() + " " + e.kind()).toLowerCase(Locale.ROOT).contains(f)).toList();
    }

    private Status status(ProcessReport r) {
        if (goneSince.containsKey(r.process())) {
            return Status.GONE;
        }
        Duration age = Duration.between(r.sentAt(), clock.instant());
        if (age.compareTo(ttl) > 0) {
            return Status.GONE;
        }
        return age.compareTo(r.interval().multipliedBy(3)) <= 0 ? Status.LIVE : Status.STALE;
    }

    private void forgetGone() {
        Instant now = clock.instant();
        latest.values().removeIf(r -> {
            Instant gone = goneSince.containsKey(r.process()) ? goneSince.get(r.process()) : r.sentAt().plus(ttl);
            return Duration.between(gone, now).compareTo(ttl) > 0;
        });
        goneSince.keySet().retainAll(latest.keySet());
    }
}
