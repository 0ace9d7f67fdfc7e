package io.sluice.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.testing.TestDriver;
import io.sluice.testing.TestDriverExtension;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** An operator's pause stops fetching, outlives rebalances and filter pauses, and only an operator's resume ends it. */
@ExtendWith(TestDriverExtension.class)
class OperatorPauseDriverTest {

    private static Topology orders() {
        return Sluice.topology().topic("orders").deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> (b, c) -> { })
                .build();
    }

    @Test
    void aPausedPartitionIsNotFetchedThroughARebalanceUntilResumedWhileOthersGoOn(TestDriver driver) {
        driver.start(orders());
        driver.send("orders", 0, "k", "a").send("orders", 1, "k", "a");
        driver.assign("orders", 0, 1).runUntilIdle();
        assertEquals(List.of(0L), driver.consumedOffsets("orders", 0));

        driver.pauseByOperator("orders", 0).step();
        driver.send("orders", 0, "k", "b").send("orders", 1, "k", "b");
        driver.runUntilIdle();
        assertEquals(List.of(0L), driver.consumedOffsets("orders", 0), "paused: nothing more fetched");
        assertEquals(List.of(0L, 1L), driver.consumedOffsets("orders", 1), "the other partition goes on");
        assertTrue(driver.state("orders", 0).orElseThrow().pauseReasons().contains("operator"),
                driver.state("orders", 0).orElseThrow().pauseReasons().toString());

        // moved away and back: the new assignment pauses it before fetching
        driver.revoke("orders", 0).runUntilIdle();
        driver.assign("orders", 0).runUntilIdle();
        driver.advance(Duration.ofMinutes(5)).runUntilIdle();
        assertEquals(List.of(0L), driver.consumedOffsets("orders", 0), "still paused after the rebalance");

        driver.resumeByOperator("orders", 0).runUntilIdle();
        assertEquals(List.of(0L, 1L), driver.consumedOffsets("orders", 0), "resumed where it stopped");
        assertTrue(driver.state("orders", 0).orElseThrow().pauseReasons().isEmpty());
    }
}
