package io.sluice.dsl;

import java.util.Objects;
import org.apache.kafka.common.utils.Utils;

/**
 * Maps a record of a partition to one of its virtual partitions. It must be a pure function of the record's bytes
 * as fetched (never of a deserialized object's {@code hashCode()}), so every member and every restart maps a record
 * the same way; {@link #id()} names the function, and a change of id counts as a change of mapping.
 *
 * <p>The default, {@link #murmur2()}, is Kafka's own partitioning hash over the key bytes (so records with one key
 * always share a virtual partition); a record without a key is placed by its offset.
 */
public interface VirtualPartitioner {

    /** A stable name for this mapping; stored with offset-managed rows, so changing it is a change of mapping. */
    String id();

    /**
     * The virtual partition of a record, in {@code [0, count)}.
     *
     * @param key    the key bytes as fetched, or null
     * @param value  the value bytes as fetched, or null
     * @param offset the record's offset (for records the bytes cannot place)
     * @param count  the number of virtual partitions, at least 1
     */
    int virtualPartition(byte[] key, byte[] value, long offset, int count);

    /** The default: murmur2 of the key bytes modulo the count; a null key by its offset modulo the count. */
    static VirtualPartitioner murmur2() {
        return Murmur2.INSTANCE;
    }

    /** The default mapping; see {@link VirtualPartitioner#murmur2()}. */
    final class Murmur2 implements VirtualPartitioner {
        static final Murmur2 INSTANCE = new Murmur2();

        private Murmur2() {
        }

        @Override
        public String id() {
            return "murmur2";
        }

        @Override
        public int virtualPartition(byte[] key, byte[] value, long offset, int count) {
            if (key == null) {
                return (int) Math.floorMod(offset, (long) count);
            }
            return Utils.toPositive(Utils.murmur2(key)) % count;
        }

        @Override
        public String toString() {
            return "murmur2";
        }
    }

    /** Checks that {@code partitioner} is usable: not null, with a non-blank id. */
    static VirtualPartitioner require(VirtualPartitioner partitioner) {
        Objects.requireNonNull(partitioner, "partitioner");
        if (partitioner.id() == null || partitioner.id().isBlank()) {
            throw new IllegalArgumentException("a virtual partitioner needs a non-blank id");
        }
        return partitioner;
    }
}
