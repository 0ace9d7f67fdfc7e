package io.sluice.runtime;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import java.util.Properties;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.internals.AutoOffsetResetStrategy;
import org.junit.jupiter.api.Test;

/**
 * A {@code .group(id)} whose id is the runtime's own {@code group.id} is the same Kafka group as the topology's
 * top-level topics: a topic both declare is subscribed to by two sets of consumer instances of one group, which split
 * its partitions between two declarations (two consumers, two offset managers on one row). build() cannot see it (it
 * does not know the runtime's group.id); create() must refuse it.
 */
class SubscriptionGroupOverlapTest {

    private static Properties props(String group) {
        Properties p = new Properties();
        p.put("bootstrap.servers", "localhost:9092");
        p.put("group.id", group);
        return p;
    }

    private static SluiceRuntime create(Topology topology, Properties props) {
        return SluiceRuntime.create(topology, props, RuntimeSettings.defaults(),
                p -> new MockConsumer<>(AutoOffsetResetStrategy.EARLIEST.name()));
    }

    @Test
    void anExplicitGroupNamedLikeTheRuntimesGroupMustNotDeclareTheSameTopicAgain() {
        Topology topology = Sluice.topology()
                .topic("orders").consumer(() -> (b, c) -> { })
                .group("billing", g -> g.topic("orders").consumer(() -> (b, c) -> { }))
                .build();
        assertDoesNotThrow(() -> create(topology, props("shipping")), "two groups each read all of orders");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> create(topology, props("billing")));
        assertTrue(e.getMessage().contains("'orders'") && e.getMessage().contains("billing"), e.getMessage());
    }

    @Test
    void norMatchATopicOfTheRuntimesGroupWithAPattern() {
        Topology topology = Sluice.topology()
                .topic("orders.eu").consumer(() -> (b, c) -> { })
                .group("billing", g -> g.topics(Pattern.compile("orders\\..*")).consumer(() -> (b, c) -> { }))
                .build();
        assertDoesNotThrow(() -> create(topology, props("shipping")));
        assertThrows(IllegalArgumentException.class, () -> create(topology, props("billing")));
    }
}
