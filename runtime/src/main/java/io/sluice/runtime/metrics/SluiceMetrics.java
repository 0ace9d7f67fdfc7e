package io.sluice.runtime.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.sluice.dsl.Verdict;
import io.sluice.runtime.SluiceEvent;
import io.sluice.runtime.SluiceEventListener;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.runtime.PartitionState;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;

/**
 * Micrometer meters for a Sluice runtime: a counter or timer per {@link SluiceEvent} type and a lag gauge per
 * assigned partition. Micrometer is an optional dependency of {@code sluice-runtime}: add
 * {@code io.micrometer:micrometer-core} to use this class.
 *
 * <pre>{@code
 * SluiceRuntime runtime = SluiceRuntime.create(topology, props);
 * SluiceMetrics.register(runtime, Tags.of("service", "orders")).bindTo(registry);
 * runtime.start();
 * }</pre>
 *
 * <p>Meters (every one also carries the tags given at construction; per-partition meters carry {@code topic}
 * and {@code partition}):
 * <table>
 *   <caption>meters</caption>
 *   <tr><th>name</th><th>type</th><th>extra tags</th><th>counts</th></tr>
 *   <tr><td>{@value #ASSIGNED}, {@value #REVOKED}, {@value #LOST}</td><td>counter</td><td></td>
 *       <td>assignments, orderly revocations, losses</td></tr>
 *   <tr><td>{@value #CONSUMED}</td><td>counter</td><td></td><td>messages handed to a consumer that
 *       succeeded</td></tr>
 *   <tr><td>{@value #BATCH}</td><td>timer</td><td></td><td>how long consumers took per successful batch</td></tr>
 *   <tr><td>{@value #VERDICTS}</td><td>counter</td><td>{@code verdict}: skip, seek, pause</td><td>combined
 *       verdicts of filter chains that applied</td></tr>
 *   <tr><td>{@value #DROPPED}</td><td>counter</td><td></td><td>messages the filters removed</td></tr>
 *   <tr><td>{@value #SEEKS}</td><td>counter</td><td></td><td>seeks</td></tr>
 *   <tr><td>{@value #PAUSES}</td><td>counter</td><td>{@code reason}: filter, backoff</td><td>pauses</td></tr>
 *   <tr><td>{@value #RESUMES}</td><td>counter</td><td></td><td>pauses that ended</td></tr>
 *   <tr><td>{@value #FAILURES}</td><td>counter</td><td>{@code kind}: message, poison, infrastructure,
 *       filter</td><td>failed jobs</td></tr>
 *   <tr><td>{@value #REFUSALS}</td><td>counter</td><td></td><td>batches the offset store refused (fetched above
 *       the stored offset, or the stored offset beyond the log end): each is followed by enforcement</td></tr>
 *   <tr><td>{@value #BLOCKED}</td><td>counter</td><td>{@code kind}</td><td>partitions reported blocked</td></tr>
 *   <tr><td>{@value #RETRIES}</td><td>counter</td><td>{@code kind}</td><td>retries after a failure's
 *       backoff</td></tr>
 *   <tr><td>{@value #DEAD_LETTERED}</td><td>counter</td><td></td><td>messages sent to a dead-letter topic</td></tr>
 *   <tr><td>{@value #COMMITS}, {@value #COMMIT_FAILURES}</td><td>counter</td><td>(no topic or partition)</td>
 *       <td>offset commits that succeeded, that failed</td></tr>
 *   <tr><td>{@value #LAG}</td><td>gauge</td><td></td><td>the partition's log end minus its marked offset, as
 *       {@link PartitionState#lag()} defines it; registered while the partition is assigned, removed when no
 *       instance holds it</td></tr>
 * </table>
 *
 * <p>Guarantees: thread-safe (events arrive on listener and worker threads); may be bound to several registries;
 * events that arrive before the first {@link #bindTo(MeterRegistry)} are not counted; a registry that throws
 * breaks neither the runtime (its listener errors are logged) nor the other registries' counts of earlier events.
 */
public final class SluiceMetrics implements SluiceEventListener, MeterBinder {

    /** Counter: partitions assigned. */
    public static final String ASSIGNED = "sluice.partitions.assigned";
    /** Counter: batches the offset store refused. */
    public static final String REFUSALS = "sluice.offset.refusals";
    /** Counter: partitions reported blocked. */
    public static final String BLOCKED = "sluice.partitions.blocked";
    /** Counter: partitions revoked. */
    public static final String REVOKED = "sluice.partitions.revoked";
    /** Counter: partitions lost. */
    public static final String LOST = "sluice.partitions.lost";
    /** Counter: messages consumed. */
    public static final String CONSUMED = "sluice.messages.consumed";
    /** Timer: the consumer's time per batch. */
    public static final String BATCH = "sluice.consumer.batch";
    /** Counter: combined filter verdicts, by {@code verdict}. */
    public static final String VERDICTS = "sluice.filter.verdicts";
    /** Counter: messages filters removed. */
    public static final String DROPPED = "sluice.messages.dropped";
    /** Counter: seeks. */
    public static final String SEEKS = "sluice.seeks";
    /** Counter: pauses, by {@code reason}. */
    public static final String PAUSES = "sluice.pauses";
    /** Counter: resumes. */
    public static final String RESUMES = "sluice.resumes";
    /** Counter: failed jobs, by {@code kind}. */
    public static final String FAILURES = "sluice.failures";
    /** Counter: retries after a backoff, by {@code kind}. */
    public static final String RETRIES = "sluice.retries";
    /** Counter: messages dead-lettered. */
    public static final String DEAD_LETTERED = "sluice.messages.dead.lettered";
    /** Counter: messages discarded after their retries (a dead-letter queue that discards). */
    public static final String DISCARDED = "sluice.messages.discarded";
    /** Counter: commits. */
    public static final String COMMITS = "sluice.commits";
    /** Counter: failed commits. */
    public static final String COMMIT_FAILURES = "sluice.commits.failed";
    /** Gauge: consumer lag per partition. */
    public static final String LAG = "sluice.partition.lag";

    private final Supplier<Map<String, List<PartitionState>>> partitions;
    private final Tags tags;
    private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();
    /** Which instances hold each partition; a lag gauge exists while the set is not empty. */
    private final Map<TopicPartition, Set<String>> owners = new HashMap<>();
    private final Map<TopicPartition, Map<MeterRegistry, Meter>> lagGauges = new HashMap<>();

    private SluiceMetrics(Supplier<Map<String, List<PartitionState>>> partitions, Iterable<Tag> tags) {
        this.partitions = Objects.requireNonNull(partitions, "partitions");
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
    }

    /**
     * Metrics of {@code runtime}, registered as its event listener (so call before {@code runtime.start()}); lag is
     * read from {@link SluiceRuntime#partitions()}.
     *
     * @param tags tags every meter carries, e.g. the service name; none is fine
     * @throws IllegalStateException when the runtime is already started
     */
    public static SluiceMetrics register(SluiceRuntime runtime, Tag... tags) {
        SluiceMetrics metrics = new SluiceMetrics(runtime::partitions, List.of(tags));
        runtime.listener(metrics);
        return metrics;
    }

    /**
     * Metrics fed by hand: the caller passes every event to {@link #on(SluiceEvent)}; lag is read from
     * {@code partitions} (by consumer instance, as {@link SluiceRuntime#partitions()} returns them).
     */
    public static SluiceMetrics over(Supplier<Map<String, List<PartitionState>>> partitions, Iterable<Tag> tags) {
        return new SluiceMetrics(partitions, tags);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        synchronized (this) {
            if (registries.contains(registry)) {
                return;
            }
            registries.add(registry);
            for (TopicPartition tp : owners.keySet()) {
                lagGauges.computeIfAbsent(tp, k -> new IdentityHashMap<>()).put(registry, lagGauge(registry, tp));
            }
        }
    }

    @Override
    public void on(SluiceEvent event) {
        if (event instanceof SluiceEvent.Assigned e) {
            owned(e.instance(), e.topicPartition(), true);
            count(ASSIGNED, e.topicPartition(), Tags.empty(), 1);
        } else if (event instanceof SluiceEvent.Revoked e) {
            owned(e.instance(), e.topicPartition(), false);
            count(REVOKED, e.topicPartition(), Tags.empty(), 1);
        } else if (event instanceof SluiceEvent.Lost e) {
            owned(e.instance(), e.topicPartition(), false);
            count(LOST, e.topicPartition(), Tags.empty(), 1);
        } else if (event instanceof SluiceEvent.Consumed e) {
            count(CONSUMED, e.topicPartition(), Tags.empty(), e.messages().size());
            for (MeterRegistry r : registries) {
                Timer.builder(BATCH).description("How long the consumer took per successful batch")
                        .tags(partitionTags(e.topicPartition())).register(r).record(e.duration());
            }
        } else if (event instanceof SluiceEvent.Filtered e) {
            count(VERDICTS, e.topicPartition(), Tags.of("verdict", verdictName(e.verdict())), 1);
            if (e.dropped() > 0) {
                count(DROPPED, e.topicPartition(), Tags.empty(), e.dropped());
            }
        } else if (event instanceof SluiceEvent.Sought e) {
            count(SEEKS, e.topicPartition(), Tags.empty(), 1);
        } else if (event instanceof SluiceEvent.Paused e) {
            count(PAUSES, e.topicPartition(), Tags.of("reason", e.reason()), 1);
        } else if (event instanceof SluiceEvent.Resumed e) {
            count(RESUMES, e.topicPartition(), Tags.empty(), 1);
        } else if (event instanceof SluiceEvent.Failed e) {
            count(FAILURES, e.topicPartition(), Tags.of("kind", e.kind().name().toLowerCase(Locale.ROOT)), 1);
            if (refused(e.error())) {
                count(REFUSALS, e.topicPartition(), Tags.empty(), 1);
            }
        } else if (event instanceof SluiceEvent.Blocked e) {
            count(BLOCKED, e.topicPartition(), Tags.of("kind", e.kind().name().toLowerCase(Locale.ROOT)), 1);
        } else if (event instanceof SluiceEvent.Retried e) {
            count(RETRIES, e.topicPartition(), Tags.of("kind", e.kind().name().toLowerCase(Locale.ROOT)), 1);
        } else if (event instanceof SluiceEvent.DeadLettered e) {
            count(DEAD_LETTERED, e.topicPartition(), Tags.empty(), 1);
        } else if (event instanceof SluiceEvent.Discarded e) {
            count(DISCARDED, e.topicPartition(), Tags.empty(), 1);
        } else if (event instanceof SluiceEvent.Committed) {
            for (MeterRegistry r : registries) {
                Counter.builder(COMMITS).description("Offset commits that succeeded").tags(tags).register(r)
                        .increment();
            }
        } else if (event instanceof SluiceEvent.CommitFailed) {
            for (MeterRegistry r : registries) {
                Counter.builder(COMMIT_FAILURES).description("Offset commits that failed").tags(tags).register(r)
                        .increment();
            }
        }
    }

    private static boolean refused(Throwable error) {
        int depth = 0;
        for (Throwable t = error; t != null && depth < 32; t = t.getCause() == t ? null : t.getCause(), depth++) {
            if (t instanceof io.sluice.dsl.OffsetRefusedException) {
                return true;
            }
        }
        return false;
    }

    /** The current lag of {@code tp}, or NaN when no instance reports one; what the lag gauge reads. */
    double lag(TopicPartition tp) {
        for (List<PartitionState> states : partitions.get().values()) {
            for (PartitionState s : states) {
                if (s.topicPartition().equals(tp) && s.lag().isPresent()) {
                    return s.lag().getAsLong();
                }
            }
        }
        return Double.NaN;
    }

    private synchronized void owned(String instance, TopicPartition tp, boolean assigned) {
        if (assigned) {
            Set<String> holders = owners.computeIfAbsent(tp, k -> new HashSet<>());
            if (holders.isEmpty()) {
                Map<MeterRegistry, Meter> gauges = new IdentityHashMap<>();
                for (MeterRegistry r : registries) {
                    gauges.put(r, lagGauge(r, tp));
                }
                lagGauges.put(tp, gauges);
            }
            holders.add(instance);
            return;
        }
        Set<String> holders = owners.get(tp);
        if (holders == null || !holders.remove(instance) || !holders.isEmpty()) {
            return;
        }
        owners.remove(tp);
        Map<MeterRegistry, Meter> gauges = lagGauges.remove(tp);
        if (gauges != null) {
            gauges.forEach(MeterRegistry::remove);
        }
    }

    private Meter lagGauge(MeterRegistry registry, TopicPartition tp) {
        return Gauge.builder(LAG, this, m -> m.lag(tp))
                .description("Messages in the log after the partition's marked offset")
                .tags(partitionTags(tp))
                .strongReference(true)
                .register(registry);
    }

    private void count(String name, TopicPartition tp, Tags extra, double amount) {
        for (MeterRegistry r : registries) {
            Counter.builder(name).tags(partitionTags(tp)).tags(extra).register(r).increment(amount);
        }
    }

    private Tags partitionTags(TopicPartition tp) {
        return tags.and("topic", tp.topic(), "partition", Integer.toString(tp.partition()));
    }

    private static String verdictName(Verdict verdict) {
        if (verdict instanceof Verdict.Pause) {
            return "pause";
        }
        if (verdict instanceof Verdict.Seek) {
            return "seek";
        }
        return verdict.applied() ? "skip" : "not_applied";
    }
}
