package io.sluice.spring.boot.autoconfigure;

import io.sluice.runtime.PartitionState;
import io.sluice.runtime.SluiceRuntime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The health of the runtime of one Topology bean. DOWN only when a consumer instance died
 * ({@code SluiceEvent.InstanceFailed}, listed by {@link SluiceRuntime#failures()}): that instance consumes nothing
 * any more. A broker or database outage is not DOWN — the runtime retries by itself, and restarting the application
 * would not help — but its failing partitions (failed attempts, backoff) show in the details. Error texts are
 * never shown here: only the error's type. UP with {@code running=false} while the runtime is stopped.
 */
public final class SluiceHealthIndicator implements HealthIndicator {

    private final SluiceRuntimes runtimes;
    private final String topologyBeanName;

    /**
     * The indicator of the runtime of the Topology bean {@code topologyBeanName}.
     *
     * @param runtimes         the application's runtimes
     * @param topologyBeanName the Topology bean's name
     */
    public SluiceHealthIndicator(SluiceRuntimes runtimes, String topologyBeanName) {
        this.runtimes = runtimes;
        this.topologyBeanName = topologyBeanName;
    }

    @Override
    public Health health() {
        Optional<SluiceRuntime> current = runtimes.runtime(topologyBeanName);
        if (current.isEmpty()) {
            return Health.up().withDetail("running", false).build();
        }
        SluiceRuntime runtime = current.get();
        Map<String, Throwable> failures = runtime.failures();
        Map<String, Object> failing = new LinkedHashMap<>();
        int assigned = 0;
        for (Map.Entry<String, List<PartitionState>> e : runtime.partitions().entrySet()) {
            for (PartitionState p : e.getValue()) {
                assigned++;
                if (p.attempts() > 0 || p.filterFailures() > 0) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("instance", e.getKey());
                    row.put("state", p.state());
                    row.put("attempts", p.attempts());
                    row.put("failuresInARow", p.filterFailures());
                    p.pausedUntil().ifPresent(until -> row.put("retryAt", until.toString()));
                    failing.put(p.topicPartition().toString(), row);
                }
            }
        }
        Health.Builder health = failures.isEmpty() ? Health.up() : Health.down();
        health.withDetail("runtime", runtime.name()).withDetail("running", runtime.isRunning())
                .withDetail("assignedPartitions", assigned).withDetail("failingPartitions", failing);
        if (!failures.isEmpty()) {
            Map<String, String> died = new LinkedHashMap<>();
            failures.forEach((instance, error) -> died.put(instance, error.getClass().getName()));
            health.withDetail("failedInstances", died);
        }
        return health.build();
    }
}
