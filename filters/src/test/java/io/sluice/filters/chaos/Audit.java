package io.sluice.filters.chaos;

import io.sluice.dsl.VirtualPartitioner;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jooq.DSLContext;

/**
 * The end-of-run accounting of the chaos matrix: the effects against the run's expected set, the ranges' tiling,
 * and scans of the final log.
 */
final class Audit {

    private Audit() {
    }

    /** What the effects table says against the expected set. */
    record Effects(long rows, long duplicates, long lost, long unexpected, List<String> firstLost,
                   List<String> firstUnexpected) {
    }

    /** What the ranges say: overlaps, holes, and holes that cover an expected message. */
    record Tiling(int overlaps, int holes, int badHoles, List<String> firstProblems) {

        boolean tiled() {
            return overlaps == 0 && badHoles == 0;
        }
    }

    /**
     * @param expected  the messages that must have exactly one effect
     * @param acked     every acknowledged message: an effect of anything else was never produced
     * @param forbidden messages that must have no effect (of aborted transactions)
     */
    static Effects effects(DSLContext db, String topic, Set<Long> expected, Set<Long> acked, Set<Long> forbidden) {
        Map<Long, Integer> applied = new HashMap<>();
        db.select(io.sluice.filters.chaos.Effects.PARTITION, io.sluice.filters.chaos.Effects.MSG_OFFSET)
                .from(io.sluice.filters.chaos.Effects.TABLE)
                .where(io.sluice.filters.chaos.Effects.TOPIC.eq(topic))
                .forEach(r -> applied.merge(PacedProducer.id(r.value1(), r.value2()), 1, Integer::sum));
        long rows = applied.values().stream().mapToLong(Integer::longValue).sum();
        long duplicates = rows - applied.size();
        List<String> lost = new ArrayList<>();
        long lostCount = 0;
        for (long id : expected) {
            if (!applied.containsKey(id)) {
                lostCount++;
                if (lost.size() < 10) {
                    lost.add(name(id));
                }
            }
        }
        List<String> unexpected = new ArrayList<>();
        long unexpectedCount = 0;
        for (long id : applied.keySet()) {
            if (!acked.contains(id) || forbidden.contains(id)) {
                unexpectedCount++;
                if (unexpected.size() < 10) {
                    unexpected.add(name(id) + (forbidden.contains(id) ? " (aborted)" : " (never acknowledged)"));
                }
            }
        }
        return new Effects(rows, duplicates, lostCount, unexpectedCount, lost, unexpected);
    }

    /**
     * Whether the committed ranges tile {@code [0, logEnd)} of every partition: no overlap, and holes (the row moved
     * without a consume transaction) only over offsets holding no expected message.
     */
    static Tiling tiling(DSLContext db, String topic, Map<Integer, Long> logEnds, Set<Long> expected) {
        Map<Integer, List<Ranges.Range>> all = Ranges.read(db, topic);
        int overlaps = 0;
        int holes = 0;
        int badHoles = 0;
        List<String> problems = new ArrayList<>();
        for (Map.Entry<Integer, Long> end : logEnds.entrySet()) {
            int partition = end.getKey();
            long cursor = 0;
            List<Ranges.Range> ranges = new ArrayList<>(all.getOrDefault(partition, List.of()));
            ranges.add(new Ranges.Range(end.getValue(), end.getValue(), "log end"));
            for (Ranges.Range range : ranges) {
                if (range.from() < cursor) {
                    overlaps++;
                    note(problems, "p" + partition + ": [" + range.from() + ", " + range.to() + ") of "
                            + range.member() + " overlaps what ends at " + cursor);
                } else if (range.from() > cursor) {
                    holes++;
                    long covered = covered(expected, partition, cursor, range.from());
                    if (covered > 0) {
                        badHoles++;
                        note(problems, "p" + partition + ": hole [" + cursor + ", " + range.from() + ") skips "
                                + covered + " expected message(s)");
                    }
                }
                cursor = Math.max(cursor, range.to());
            }
        }
        return new Tiling(overlaps, holes, badHoles, problems);
    }

    /**
     * Whether the group transactions' ranges tile every virtual partition's messages. A virtual partition's offsets
     * are not contiguous, so its ranges are judged by its own expected messages: the ranges of one lane (partition,
     * mapping, virtual partition) must not overlap, and every expected message must lie in exactly one range of the
     * lane its key maps it to under that range's mapping — none (a hole over it: skipped) or two (applied over twice
     * across a mapping change) is a failure. Gaps between a lane's ranges are counted as holes; they are legitimate
     * where they hold no message of that lane (the lane had nothing there, or another mapping was stored meanwhile).
     *
     * @param keys the key of every acknowledged message, by {@link PacedProducer#id(int, long)}
     */
    static Tiling virtualTiling(DSLContext db, String topic, Set<Long> expected, Map<Long, String> keys) {
        Map<Integer, List<Ranges.Range>> all = Ranges.read(db, topic);
        int overlaps = 0;
        int holes = 0;
        int badHoles = 0;
        List<String> problems = new ArrayList<>();
        // lanes: partition -> mapping -> vp -> ranges by from
        Map<Integer, Map<String, Map<Integer, TreeMap<Long, Ranges.Range>>>> lanes = new HashMap<>();
        for (Map.Entry<Integer, List<Ranges.Range>> e : all.entrySet()) {
            for (Ranges.Range range : e.getValue()) {
                if (range.vp() < 0) {
                    overlaps++;
                    note(problems, "p" + e.getKey() + ": a whole-partition range " + range + " in a run with"
                            + " virtual partitions");
                    continue;
                }
                TreeMap<Long, Ranges.Range> lane = lanes.computeIfAbsent(e.getKey(), p -> new HashMap<>())
                        .computeIfAbsent(range.mapping(), m -> new HashMap<>())
                        .computeIfAbsent(range.vp(), v -> new TreeMap<>());
                if (range.from() == range.to()) {
                    continue; // moved nothing (a fenced group that applied nothing new)
                }
                Ranges.Range same = lane.put(range.from(), range);
                if (same != null) {
                    overlaps++;
                    note(problems, "p" + e.getKey() + " " + range.mapping() + " vp" + range.vp() + ": " + range
                            + " and " + same + " start at the same offset");
                }
            }
        }
        for (var partition : lanes.entrySet()) {
            for (var mapping : partition.getValue().entrySet()) {
                for (var lane : mapping.getValue().entrySet()) {
                    long cursor = -1;
                    for (Ranges.Range range : lane.getValue().values()) {
                        if (cursor >= 0 && range.from() < cursor) {
                            overlaps++;
                            note(problems, "p" + partition.getKey() + " " + mapping.getKey() + " vp" + lane.getKey()
                                    + ": " + range + " overlaps what ends at " + cursor);
                        } else if (cursor >= 0 && range.from() > cursor) {
                            holes++;
                        }
                        cursor = Math.max(cursor, range.to());
                    }
                }
            }
        }
        for (long id : expected) {
            int partition = PacedProducer.partitionOf(id);
            long offset = PacedProducer.offsetOf(id);
            String key = keys.get(id);
            int covers = 0;
            for (var mapping : lanes.getOrDefault(partition, Map.of()).entrySet()) {
                int v = virtualPartition(key, offset, mapping.getKey());
                TreeMap<Long, Ranges.Range> lane = mapping.getValue().get(v);
                var floor = lane == null ? null : lane.floorEntry(offset);
                if (floor != null && offset < floor.getValue().to()) {
                    covers++;
                }
            }
            if (covers == 0) {
                badHoles++;
                note(problems, name(id) + " (key " + key + ") lies in no range of its virtual partition");
            } else if (covers > 1) {
                overlaps++;
                note(problems, name(id) + " (key " + key + ") lies in " + covers + " ranges, one per mapping");
            }
        }
        return new Tiling(overlaps, holes, badHoles, problems);
    }

    /** The virtual partition of a message under a stored mapping ({@code n:partitionerId}; murmur2 only). */
    static int virtualPartition(String key, long offset, String mapping) {
        int colon = mapping.indexOf(':');
        if (colon < 0 || !mapping.substring(colon + 1).equals(VirtualPartitioner.murmur2().id())) {
            throw new IllegalArgumentException("the audit knows the murmur2 mapping only, not " + mapping);
        }
        int count = Integer.parseInt(mapping.substring(0, colon));
        return VirtualPartitioner.murmur2().virtualPartition(key == null ? null
                : key.getBytes(StandardCharsets.UTF_8), null, offset, count);
    }

    private static long covered(Set<Long> expected, int partition, long from, long to) {
        long count = 0;
        for (long offset = from; offset < to; offset++) {
            if (expected.contains(PacedProducer.id(partition, offset))) {
                count++;
            }
        }
        return count;
    }

    private static void note(List<String> problems, String problem) {
        if (problems.size() < 10) {
            problems.add(problem);
        }
    }

    /** A record of the final log, as a scan saw it. */
    record Scanned(int partition, long offset, String value, int size) {
    }

    /**
     * Reads every partition of {@code topic} from the beginning to {@code logEnds} under {@code isolation}
     * ({@code read_committed} or {@code read_uncommitted}), with {@code assign()} and no group.
     */
    static List<Scanned> scan(Map<String, Object> consumerBase, String topic, Map<Integer, Long> logEnds,
                              String isolation) {
        Map<String, Object> props = new HashMap<>(consumerBase);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<Scanned> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new StringDeserializer())) {
            List<TopicPartition> partitions = logEnds.keySet().stream().map(p -> new TopicPartition(topic, p))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Set<TopicPartition> done = new HashSet<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (done.size() < partitions.size()) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("the scan of " + topic + " did not reach the log ends " + logEnds);
                }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    records.add(new Scanned(r.partition(), r.offset(), r.value(), r.serializedValueSize()));
                }
                for (TopicPartition tp : partitions) {
                    if (consumer.position(tp) >= logEnds.get(tp.partition())) {
                        done.add(tp);
                    }
                }
            }
        }
        return records;
    }

    static String name(long id) {
        return "p" + PacedProducer.partitionOf(id) + "@" + PacedProducer.offsetOf(id);
    }
}
