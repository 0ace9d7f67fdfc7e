package io.sluice.dsl;

import java.util.Objects;

/**
 * How a topic's partitions are split into virtual partitions: after the filter chain, a fetched batch is split by
 * {@link VirtualPartitioner} into {@code count} groups that run in parallel, each in offset order. Records of one
 * virtual partition (with the default partitioner: of one key) keep their order; records of different virtual
 * partitions do not. See {@code docs/architecture.md}, "Virtual partitions".
 *
 * @param count               the number of virtual partitions per partition, 1..{@value #MAX_COUNT}
 * @param partitioner         maps a record to its virtual partition
 * @param maxInFlightMessages how many fetched messages of one partition may wait for or be in a group job before
 *                            the partition stops fetching (backpressure), at least 1
 */
public record VirtualPartitions(int count, VirtualPartitioner partitioner, int maxInFlightMessages) {

    /** The largest number of virtual partitions a partition may have. */
    public static final int MAX_COUNT = 1024;
    /** The default bound on a partition's messages in groups not yet finished. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 10_000;

    /** Validates the values. */
    public VirtualPartitions {
        if (count < 1 || count > MAX_COUNT) {
            throw new IllegalArgumentException("virtual partitions must be 1.." + MAX_COUNT + ", was " + count);
        }
        VirtualPartitioner.require(partitioner);
        if (maxInFlightMessages < 1) {
            throw new IllegalArgumentException("maxInFlightMessages must be >= 1, was " + maxInFlightMessages);
        }
    }

    /** {@code count} virtual partitions with the default partitioner and in-flight bound. */
    public static VirtualPartitions of(int count) {
        return new VirtualPartitions(count, VirtualPartitioner.murmur2(), DEFAULT_MAX_IN_FLIGHT);
    }

    /** A copy with another partitioner. */
    public VirtualPartitions withPartitioner(VirtualPartitioner value) {
        return new VirtualPartitions(count, value, maxInFlightMessages);
    }

    /** A copy with another in-flight bound. */
    public VirtualPartitions withMaxInFlightMessages(int value) {
        return new VirtualPartitions(count, partitioner, value);
    }

    /** The virtual partition of a record, checked to lie in {@code [0, count)}. */
    public int of(byte[] key, byte[] value, long offset) {
        int v = partitioner.virtualPartition(key, value, offset, count);
        if (v < 0 || v >= count) {
            throw new IllegalStateException("virtual partitioner '" + partitioner.id() + "' returned " + v
                    + " for offset " + offset + "; it must lie in [0, " + count + ")");
        }
        return v;
    }

    /** The stored form of the mapping: the count and the partitioner's id. */
    public String mapping() {
        return count + ":" + partitioner.id();
    }

    /** Holds the partitioner by identity of its id only. */
    @Override
    public boolean equals(Object o) {
        return o instanceof VirtualPartitions v && v.count == count && v.maxInFlightMessages == maxInFlightMessages
                && Objects.equals(v.partitioner.id(), partitioner.id());
    }

    @Override
    public int hashCode() {
        return Objects.hash(count, partitioner.id(), maxInFlightMessages);
    }
}
