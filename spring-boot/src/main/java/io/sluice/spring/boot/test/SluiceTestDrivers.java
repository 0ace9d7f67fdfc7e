package io.sluice.spring.boot.test;

import io.sluice.dsl.Topology;
import io.sluice.spring.boot.autoconfigure.SluiceConsumerConfig;
import io.sluice.spring.boot.autoconfigure.SluiceRuntimes;
import io.sluice.testing.TestDriver;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.beans.factory.DisposableBean;

/**
 * Starts {@link TestDriver}s on the context's {@code Topology} beans — as the runtimes would run them, with
 * {@code sluice.topics.*} applied and in the runtime's consumer group — for tests that drive a Spring application's
 * topologies by hand, with no broker. Every driver it started is closed with the context. Made by
 * {@link AutoConfigureSluiceTestDriver}.
 */
public final class SluiceTestDrivers implements DisposableBean {

    private final SluiceRuntimes runtimes;
    private final SluiceConsumerConfig consumerConfig;
    private final List<TestDriver> started = new CopyOnWriteArrayList<>();

    /**
     * The drivers of the context's runtimes.
     *
     * @param runtimes       the runtimes, for their topologies
     * @param consumerConfig the consumer properties, for each runtime's group id
     */
    public SluiceTestDrivers(SluiceRuntimes runtimes, SluiceConsumerConfig consumerConfig) {
        this.runtimes = Objects.requireNonNull(runtimes, "runtimes");
        this.consumerConfig = Objects.requireNonNull(consumerConfig, "consumerConfig");
    }

    /**
     * A new driver, started on the topology of the Topology bean {@code topologyBeanName}, in its runtime's group,
     * with each of the topology's topics created with {@code partitions} partitions. Nothing is assigned yet: call
     * {@link TestDriver#assign} as a test does.
     *
     * @throws IllegalArgumentException when there is no such Topology bean
     */
    public TestDriver start(String topologyBeanName, int partitions) {
        Topology topology = runtimes.topologies().get(topologyBeanName);
        if (topology == null) {
            throw new IllegalArgumentException("no Topology bean '" + topologyBeanName + "'; there are "
                    + runtimes.topologies().keySet());
        }
        TestDriver driver = TestDriver.create()
                .groupId(consumerConfig.consumerProperties(topologyBeanName).getProperty("group.id"));
        for (String topic : topology.topicNames()) {
            driver.createTopic(topic, partitions);
        }
        started.add(driver);
        return driver.start(topology);
    }

    @Override
    public void destroy() {
        started.forEach(TestDriver::close);
        started.clear();
    }
}
