package io.sluice.web;

import io.sluice.dsl.Topology;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.runtime.PartitionState;
import java.util.List;
import java.util.Map;

/** What the dashboard reads of a runtime; an interface so tests can show made-up states. */
interface RuntimeView {

    String name();

    boolean running();

    /** Whether the runtime was halted (a simulated crash) rather than closed. */
    boolean halted();

    Topology topology();

    /** Assigned partitions by consumer instance. */
    Map<String, List<PartitionState>> partitions();

    Map<String, Long> counters();

    /** The view of a real runtime. */
    static RuntimeView of(SluiceRuntime runtime) {
        return new RuntimeView() {
            @Override
            public String name() {
                return runtime.name();
            }

            @Override
            public boolean running() {
                return runtime.isRunning();
            }

            @Override
            public boolean halted() {
                return runtime.isHalted();
            }

            @Override
            public Topology topology() {
                return runtime.topology();
            }

            @Override
            public Map<String, List<PartitionState>> partitions() {
                return runtime.partitions();
            }

            @Override
            public Map<String, Long> counters() {
                return runtime.counters();
            }
        };
    }
}
