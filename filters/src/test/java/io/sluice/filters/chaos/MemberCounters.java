package io.sluice.filters.chaos;

import io.sluice.dsl.Batch;
import io.sluice.dsl.Filter;
import io.sluice.dsl.FilterFactory;
import io.sluice.dsl.OffsetAuthority;
import io.sluice.dsl.OffsetRefusedException;
import io.sluice.dsl.VirtualOffsetAuthority;
import io.sluice.filters.OffsetLockTimeoutException;
import io.sluice.runtime.SluiceEvent;
import io.sluice.runtime.SluiceEventListener;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.common.TopicPartition;

/**
 * What a chaos member owns and saw; it keeps the member's assignment file up to date, and its counters are what it saw, counted from the runtime's events and from around its own work, and written to the
 * {@link ControlDirectory} twice a second (and at an orderly exit), so the harness can check each row's bite and
 * assert the counters that must stay zero. A member killed by SIGKILL loses at most the last half second.
 *
 * <table>
 *   <caption>counters</caption>
 *   <tr><td>{@code batches}, {@code gaps}</td><td>batches handed to the consumer; those whose offsets do not tile
 *       {@code [fetchOffset, nextOffset)} (compaction, transaction markers, aborted records)</td></tr>
 *   <tr><td>{@code failed.consume}</td><td>{@code consume} threw (the database, a lock, a refusal)</td></tr>
 *   <tr><td>{@code failed.offset-manager}</td><td>the offset manager's filter or its store (read, advance)
 *       threw</td></tr>
 *   <tr><td>{@code failed.<KIND>}, {@code retried}</td><td>the runtime's {@code Failed} events by kind, and its
 *       retries</td></tr>
 *   <tr><td>{@code refusals}</td><td>failures caused by {@link OffsetRefusedException}</td></tr>
 *   <tr><td>{@code lock-timeouts.p<N>}, {@code first-lock-timeout-ms.p<N>}</td><td>failures caused by a row lock
 *       timeout on partition N, and the wall-clock time of the first</td></tr>
 *   <tr><td>{@code assigned}, {@code enforced}, {@code enforced.again}</td><td>assignments, enforcements, and
 *       enforcements beyond the first of an assignment (after a refusal or an invalid position)</td></tr>
 *   <tr><td>{@code enforced.no-kafka-offset}, {@code enforced.kafka-behind}, {@code enforced.kafka-ahead}</td>
 *       <td>enforcements that found no committed Kafka offset, or Kafka's behind or ahead of the row</td></tr>
 *   <tr><td>{@code blocked}, {@code dead-lettered}, {@code lost}, {@code commit-failed},
 *       {@code instance-failed}</td><td>the events of those names</td></tr>
 * </table>
 */
final class MemberCounters implements SluiceEventListener {

    private final ControlDirectory control;
    private final String member;
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    private final Map<String, Long> firsts = new ConcurrentHashMap<>();
    private final Set<TopicPartition> enforcedOnce = ConcurrentHashMap.newKeySet();
    private final Set<TopicPartition> owned = new HashSet<>();
    private final ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "chaos-counters");
        t.setDaemon(true);
        return t;
    });

    MemberCounters(ControlDirectory control, String member) {
        this.control = control;
        this.member = member;
    }

    void startWriting() {
        writer.scheduleWithFixedDelay(this::write, 0, 500, TimeUnit.MILLISECONDS);
    }

    synchronized void write() {
        Map<String, Long> snapshot = new TreeMap<>();
        counts.forEach((k, v) -> snapshot.put(k, v.sum()));
        snapshot.putAll(firsts);
        control.counters(member, snapshot);
    }

    void batch(Batch<?, ?> batch) {
        add("batches");
        if (batch.nextOffset() - batch.fetchOffset() > batch.size() + batch.removedCount()) {
            add("gaps");
        }
    }

    void consumeFailed() {
        add("failed.consume");
    }

    @Override
    public void on(SluiceEvent event) {
        if (event instanceof SluiceEvent.Assigned a) {
            add("assigned");
            enforcedOnce.remove(a.topicPartition());
            owned(a.topicPartition(), true);
        } else if (event instanceof SluiceEvent.Revoked r) {
            owned(r.topicPartition(), false);
        } else if (event instanceof SluiceEvent.Enforced e) {
            add("enforced");
            if (!enforcedOnce.add(e.topicPartition())) {
                add("enforced.again");
            }
            if (e.kafkaPosition() < 0) {
                add("enforced.no-kafka-offset");
            } else if (e.stored().isPresent() && e.stored().getAsLong() > e.kafkaPosition()) {
                add("enforced.kafka-behind");
            } else if (e.stored().isPresent() && e.stored().getAsLong() < e.kafkaPosition()) {
                add("enforced.kafka-ahead");
            }
        } else if (event instanceof SluiceEvent.Failed f) {
            add("failed." + f.kind());
            if (causedBy(f.error(), OffsetRefusedException.class)) {
                add("refusals");
            }
            if (causedBy(f.error(), OffsetLockTimeoutException.class)) {
                String p = ".p" + f.topicPartition().partition();
                add("lock-timeouts" + p);
                firsts.putIfAbsent("first-lock-timeout-ms" + p, System.currentTimeMillis());
            }
        } else if (event instanceof SluiceEvent.Retried) {
            add("retried");
        } else if (event instanceof SluiceEvent.Blocked) {
            add("blocked");
        } else if (event instanceof SluiceEvent.DeadLettered) {
            add("dead-lettered");
        } else if (event instanceof SluiceEvent.Lost l) {
            add("lost");
            owned(l.topicPartition(), false);
        } else if (event instanceof SluiceEvent.CommitFailed) {
            add("commit-failed");
        } else if (event instanceof SluiceEvent.InstanceFailed) {
            add("instance-failed");
        }
    }

    /** {@code factory}, with every failure of its filters and of its offset authority counted. */
    <K, V> FilterFactory<K, V> counting(FilterFactory<K, V> factory) {
        return new FilterFactory<>() {
            @Override
            public Filter<K, V> create(TopicPartition topicPartition) {
                Filter<? super K, ? super V> filter = factory.create(topicPartition);
                return (batch, context) -> {
                    try {
                        return filter.apply(batch, context);
                    } catch (Exception e) {
                        add("failed.offset-manager");
                        throw e;
                    }
                };
            }

            @Override
            public boolean firstInChain() {
                return factory.firstInChain();
            }

            @Override
            public Optional<OffsetAuthority> offsetAuthority() {
                return factory.offsetAuthority().map(MemberCounters.this::counting);
            }

            @Override
            public String describe() {
                return "counting " + factory.describe();
            }
        };
    }

    private OffsetAuthority counting(OffsetAuthority authority) {
        if (authority instanceof VirtualOffsetAuthority virtual) {
            return countingVirtual(virtual);
        }
        return new OffsetAuthority() {
            @Override
            public OptionalLong read(String consumerGroup, TopicPartition topicPartition) throws Exception {
                try {
                    return authority.read(consumerGroup, topicPartition);
                } catch (Exception e) {
                    add("failed.offset-manager");
                    throw e;
                }
            }

            @Override
            public void advance(String consumerGroup, TopicPartition topicPartition, long nextOffset)
                    throws Exception {
                try {
                    authority.advance(consumerGroup, topicPartition, nextOffset);
                } catch (Exception e) {
                    add("failed.offset-manager");
                    throw e;
                }
            }
        };
    }

    /** {@link #counting(OffsetAuthority)} for a store that keeps virtual partitions: the same, for each call. */
    private VirtualOffsetAuthority countingVirtual(VirtualOffsetAuthority authority) {
        return new VirtualOffsetAuthority() {
            @Override
            public OptionalLong read(String consumerGroup, TopicPartition topicPartition) throws Exception {
                return counted(() -> authority.read(consumerGroup, topicPartition));
            }

            @Override
            public void advance(String consumerGroup, TopicPartition topicPartition, long nextOffset)
                    throws Exception {
                counted(() -> {
                    authority.advance(consumerGroup, topicPartition, nextOffset);
                    return null;
                });
            }

            @Override
            public Stored readVirtual(String consumerGroup, TopicPartition topicPartition) throws Exception {
                return counted(() -> authority.readVirtual(consumerGroup, topicPartition));
            }

            @Override
            public Optional<String> advanceWatermark(String consumerGroup, TopicPartition topicPartition,
                                                     long watermark, String mapping, int count, boolean drained)
                    throws Exception {
                return counted(() -> authority.advanceWatermark(consumerGroup, topicPartition, watermark, mapping,
                        count, drained));
            }

            @Override
            public void advanceVirtual(String consumerGroup, TopicPartition topicPartition, int virtualPartition,
                                       String mapping, long nextOffset) throws Exception {
                counted(() -> {
                    authority.advanceVirtual(consumerGroup, topicPartition, virtualPartition, mapping, nextOffset);
                    return null;
                });
            }
        };
    }

    private <T> T counted(java.util.concurrent.Callable<T> call) throws Exception {
        try {
            return call.call();
        } catch (Exception e) {
            add("failed.offset-manager");
            throw e;
        }
    }

    /** Keeps the member's assignment file true: the harness picks victims that own partitions. */
    private synchronized void owned(TopicPartition tp, boolean owns) {
        if (owns) {
            owned.add(tp);
        } else {
            owned.remove(tp);
        }
        control.assignment(member, owned);
    }

    private void add(String counter) {
        counts.computeIfAbsent(counter, k -> new LongAdder()).increment();
    }

    private static boolean causedBy(Throwable error, Class<? extends Throwable> type) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
