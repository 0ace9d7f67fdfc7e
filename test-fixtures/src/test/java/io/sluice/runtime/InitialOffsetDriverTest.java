package io.sluice.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.InitialOffset;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.testing.AutoOffsetReset;
import io.sluice.testing.TestDriver;
import io.sluice.testing.TestDriverExtension;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A topic's own {@code initialOffset} wins over the consumer's {@code auto.offset.reset}. */
@ExtendWith(TestDriverExtension.class)
class InitialOffsetDriverTest {

    private static Topology twoTopics(java.util.function.UnaryOperator<io.sluice.dsl.TopologyBuilder> defaults) {
        return defaults.apply(Sluice.topology()).topic("history")
                .deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> (b, c) -> { }).initialOffset(InitialOffset.EARLIEST)
                .topic("live").deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> (b, c) -> { }).initialOffset(InitialOffset.LATEST)
                .topic("plain").deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> (b, c) -> { })
                .build();
    }

    @Test
    void eachTopicStartsWhereItsInitialOffsetSaysAndTheOthersFollowTheConsumersReset(TestDriver driver) {
        driver.autoOffsetReset(AutoOffsetReset.LATEST).start(twoTopics(b -> b));
        for (String topic : List.of("history", "live", "plain")) {
            driver.send(topic, 0, "k", "old-1").send(topic, 0, "k", "old-2");
        }
        driver.assign("history", 0).assign("live", 0).assign("plain", 0).runUntilIdle();
        for (String topic : List.of("history", "live", "plain")) {
            driver.send(topic, 0, "k", "new");
        }
        driver.runUntilIdle();

        assertEquals(List.of(0L, 1L, 2L), driver.consumedOffsets("history", 0), "EARLIEST: from the log start");
        assertEquals(List.of(2L), driver.consumedOffsets("live", 0), "LATEST: only what came after");
        assertEquals(List.of(2L), driver.consumedOffsets("plain", 0), "the consumer's auto.offset.reset=latest");
    }

    @Test
    void aTopicsInitialOffsetPlacesItEvenUnderResetNoneAndDefaultsApplyToEveryTopic(TestDriver driver) {
        driver.autoOffsetReset(AutoOffsetReset.NONE)
                .start(twoTopics(b -> b.defaults(d -> d.initialOffset(InitialOffset.EARLIEST))));
        for (String topic : List.of("history", "live", "plain")) {
            driver.send(topic, 0, "k", "old");
        }
        driver.assign("history", 0).assign("live", 0).assign("plain", 0).runUntilIdle();

        assertEquals(List.of(0L), driver.consumedOffsets("history", 0));
        assertEquals(List.of(), driver.consumedOffsets("live", 0), "its own LATEST wins over the defaults");
        assertEquals(List.of(0L), driver.consumedOffsets("plain", 0), "EARLIEST from the defaults, not none");
        assertTrue(driver.events(SluiceEvent.Blocked.class).isEmpty(), "nothing is left without a position");
    }

    @Test
    void aCommittedOffsetOutOfRangeIsResetByTheTopicsInitialOffset(TestDriver driver) {
        TopicPartition live = new TopicPartition("live", 0);
        driver.autoOffsetReset(AutoOffsetReset.EARLIEST).start(twoTopics(b -> b));
        for (int i = 0; i < 4; i++) {
            driver.send("live", 0, "k", "v" + i);
        }
        driver.log().commit(driver.groupId(), java.util.Map.of(live,
                new org.apache.kafka.clients.consumer.OffsetAndMetadata(1)));
        driver.log().truncateBefore(live, 3); // retention passed the committed offset
        driver.assign("live", 0).runUntilIdle();
        driver.send("live", 0, "k", "after");
        driver.runUntilIdle();

        assertEquals(List.of(4L), driver.consumedOffsets("live", 0),
                "reset to the log end (the topic's LATEST), not to the log start (the consumer's earliest)");
    }
}
