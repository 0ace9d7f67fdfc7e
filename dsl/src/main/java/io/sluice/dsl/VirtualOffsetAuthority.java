package io.sluice.dsl;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.kafka.common.TopicPartition;

/**
 * An {@link OffsetAuthority} that also keeps virtual partitions exactly once: besides the partition's row — the
 * watermark W, below which every message is decided — it keeps a row per virtual partition v whose next offset r_v
 * says that every message of v below it is applied, and the mapping (count and partitioner id) the rows belong to.
 * See {@code docs/architecture.md}, "Virtual partitions".
 *
 * <p>The runtime reads the rows at assignment and seeks to {@link Stored#start(int)}; only a worker job of the
 * current owner moves W, as {@code W := max(W, L)}, before Kafka is marked at L; group transactions move only their
 * own row (see the store's {@code consume}).
 */
public interface VirtualOffsetAuthority extends OffsetAuthority {

    /**
     * What is stored for a partition, read without locks or creating anything.
     *
     * @param watermark the partition row's next offset W, empty when there is no row
     * @param mapping   the mapping the virtual-partition rows belong to ({@link VirtualPartitions#mapping()}), empty
     *                  when there are none
     * @param rows      r_v by virtual partition
     */
    record Stored(OptionalLong watermark, Optional<String> mapping, Map<Integer, Long> rows) {
        /** Rejects nulls and freezes the rows. */
        public Stored {
            Objects.requireNonNull(watermark, "watermark");
            Objects.requireNonNull(mapping, "mapping");
            rows = Map.copyOf(rows);
        }

        /**
         * Where the partition resumes: {@code max(W, min over all count virtual partitions of r_v)}, a virtual
         * partition without a row counting as having applied nothing; empty when nothing at all is stored.
         */
        public OptionalLong start(int count) {
            long min = Long.MAX_VALUE;
            for (int v = 0; v < count; v++) {
                Long r = rows.get(v);
                min = Math.min(min, r == null ? -1 : r);
            }
            long w = watermark.orElse(-1);
            long s = Math.max(w, count == 0 ? -1 : min);
            return s < 0 ? OptionalLong.empty() : OptionalLong.of(s);
        }
    }

    /** The stored rows of {@code topicPartition} for {@code consumerGroup}; remembers the epoch it saw. */
    Stored readVirtual(String consumerGroup, TopicPartition topicPartition) throws Exception;

    /**
     * In one transaction that locks W, then (when it replaces them) every virtual-partition row in ascending order:
     * {@code W := max(W, watermark)} (creating the partition row at {@code watermark} when missing). When
     * {@code drained} and the stored mapping is not {@code mapping}, and every stored r_v is at most the new W, it
     * replaces the rows by {@code count} rows of {@code mapping} at W. Returns the mapping stored afterwards.
     *
     * @throws OffsetRefusedException when the partition row's epoch is not the one this process observed
     */
    Optional<String> advanceWatermark(String consumerGroup, TopicPartition topicPartition, long watermark,
                                      String mapping, int count, boolean drained) throws Exception;

    /**
     * Moves r_v up to {@code nextOffset} (a dead letter of virtual partition {@code virtualPartition}) in a
     * transaction locking only that row; refuses with {@link OffsetRefusedException} when the row is missing or
     * belongs to another mapping.
     */
    void advanceVirtual(String consumerGroup, TopicPartition topicPartition, int virtualPartition, String mapping,
                        long nextOffset) throws Exception;
}
