package io.sluice.web;

import io.sluice.dsl.Topology;
import io.sluice.runtime.PartitionState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A runtime view whose partitions and counters a test sets by hand. */
final class FakeRuntime implements RuntimeView {

    private final String name;
    private final Topology topology;
    volatile boolean running = true;
    volatile boolean halted;
    volatile Map<String, List<PartitionState>> partitions = Map.of();
    volatile Map<String, Long> counters = new LinkedHashMap<>();

    FakeRuntime(String name, Topology topology) {
        this.name = name;
        this.topology = topology;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean running() {
        return running;
    }

    @Override
    public boolean halted() {
        return halted;
    }

    @Override
    public Topology topology() {
        return topology;
    }

    @Override
    public Map<String, List<PartitionState>> partitions() {
        return partitions;
    }

    @Override
    public Map<String, Long> counters() {
        return counters;
    }
}
