package io.sluice.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

class ConsumerConfigsTest {

    private static Properties base() {
        Properties p = new Properties();
        p.put("bootstrap.servers", "localhost:9092");
        p.put("group.id", "g");
        return p;
    }

    @Test
    void classicGetsTheCooperativeStickyAssignorAndTheRuntimesOwnSettings() {
        Properties p = ConsumerConfigs.forInstance(base(), "c-0");
        assertEquals(CooperativeStickyAssignor.class.getName(), p.get("partition.assignment.strategy"));
        assertEquals("false", p.get("enable.auto.commit"));
        assertEquals(ByteArrayDeserializer.class.getName(), p.get("value.deserializer"));
        assertEquals("c-0", p.get("client.id"));
    }

    @Test
    void aStaticGroupInstanceIdGetsTheInstancesIndexAsSuffix() {
        Properties user = base();
        user.put("group.instance.id", "orders-host-a");
        assertEquals("orders-host-a-0", ConsumerConfigs.forInstance(user, "sluice-1-consumer-0", "0")
                .get("group.instance.id"));
        assertEquals("orders-host-a-1", ConsumerConfigs.forInstance(user, "sluice-7-consumer-1", "1")
                .get("group.instance.id"), "stable whatever the runtime's name in this JVM");
        assertEquals("orders-host-a", user.get("group.instance.id"), "the user's properties are not changed");
        assertFalse(ConsumerConfigs.forInstance(base(), "c", "1").containsKey("group.instance.id"),
                "dynamic membership unless asked for");
    }

    @Test
    void aUsersAssignorIsKept() {
        Properties user = base();
        user.put("partition.assignment.strategy", RangeAssignor.class.getName());
        assertEquals(RangeAssignor.class.getName(),
                ConsumerConfigs.forInstance(user, "c").get("partition.assignment.strategy"));
    }

    @Test
    void theConsumerProtocolGetsNoAssignorOrSessionSettings() {
        Properties user = base();
        user.put("group.protocol", "CONSUMER");
        Properties p = ConsumerConfigs.forInstance(user, "c");
        assertFalse(p.containsKey("partition.assignment.strategy"));
        assertFalse(p.containsKey("session.timeout.ms"));
        assertFalse(p.containsKey("heartbeat.interval.ms"));
    }

    @Test
    void missingBootstrapServersAndGroupIdFailTogetherWithAClearMessage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConsumerConfigs.forInstance(new Properties(), "c"));
        assertTrue(e.getMessage().contains("'bootstrap.servers' is missing"), e.getMessage());
        assertTrue(e.getMessage().contains("'group.id' is missing"), e.getMessage());
    }

    @Test
    void autoCommitIsRefused() {
        Properties user = base();
        user.put("enable.auto.commit", "true");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConsumerConfigs.forInstance(user, "c"));
        assertTrue(e.getMessage().contains("enable.auto.commit=true"), e.getMessage());
    }

    @Test
    void aUsersClientIdIsSuffixedPerInstance() {
        Properties user = base();
        user.put("client.id", "orders");
        assertEquals("orders-c-1", ConsumerConfigs.forInstance(user, "c-1").get("client.id"));
    }

    @Test
    void theRuntimeFailsFastOnMissingProperties() {
        io.sluice.dsl.Topology topology = io.sluice.dsl.Sluice.topology().topic("t").consumer(() -> (b, c) -> { })
                .build();
        assertThrows(IllegalArgumentException.class, () -> SluiceRuntime.create(topology, new Properties()));
    }

    @Test
    void theRevocationGraceIsCappedByHalfTheMaxPollIntervalMinusTheCommitTimeout() {
        RuntimeSettings s = RuntimeSettings.defaults(); // grace 10 s, commit timeout 5 s
        assertEquals(Duration.ofSeconds(10), s.effectiveRevocationGrace(Duration.ofMinutes(5)));
        assertEquals(Duration.ofSeconds(5), s.effectiveRevocationGrace(Duration.ofSeconds(20)));
        assertEquals(Duration.ZERO, s.effectiveRevocationGrace(Duration.ofSeconds(5)));
    }

    @Test
    void settingsRejectNonsense() {
        assertThrows(IllegalArgumentException.class, () -> RuntimeSettings.defaults().withConsumerInstances(0));
        assertThrows(IllegalArgumentException.class, () -> RuntimeSettings.defaults().withWorkerThreads(0));
        assertThrows(IllegalArgumentException.class,
                () -> RuntimeSettings.defaults().withCommitInterval(Duration.ZERO));
    }
}
