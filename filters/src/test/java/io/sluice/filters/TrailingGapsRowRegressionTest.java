package io.sluice.filters;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.testing.TestDriver;
import io.sluice.testing.TestDriverExtension;
import java.time.Duration;
import java.util.OptionalLong;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Found by {@code model.PartitionModelTest} (seed 9214979244725073478, shrunk to: gap of 1, run until idle, gap of
 * 1, run until idle): an offset-managed partition whose position advances over offsets without records twice, the
 * second time before the first idle advance reached the row, leaves its row one short of the log end for good, and
 * the runtime never reports caught up.
 *
 * <p>The cause, in {@code PartitionMachine.advanced} (runtime/src/main/java/io/sluice/runtime/internal/
 * PartitionMachine.java:261, {@code if (next > old && decidedUpTo() >= old)}): a position advance starts or moves
 * the pending idle advance only when everything below the old position is decided. After the first gap the position
 * is 1 and the idle advance to 1 is pending (the row is still 0); at the second gap {@code decidedUpTo()} is 0 < 1, so
 * the pending target stays 1 instead of moving to 2. One commit interval later the row is advanced to 1, and no
 * later event moves it to 2 (the position is already at the log end). A pending idle advance covers its target, so
 * the condition should also hold when {@code idleAdvance >= old}.
 */
@ExtendWith(TestDriverExtension.class)
class TrailingGapsRowRegressionTest {

    private static final String T = "orders";
    private static final TopicPartition TP = new TopicPartition(T, 0);
    private static final String GROUP = "sluice-test"; // the TestDriver's group

    @Test
    void twoGapsBeforeTheFirstIdleAdvanceMoveTheRowToTheLogEnd(TestDriver driver) {
        PartitionOffsets offsets = OffsetManagedDriver.start(driver, T);
        driver.assign(T, 0).runUntilIdle();
        driver.log().skip(TP, 1);                          // a transaction marker, say
        driver.runUntilIdle();
        driver.log().skip(TP, 1);                          // another, before the row followed the first
        driver.runUntilIdle();
        for (int i = 0; i < 5; i++) {                      // well past the commit interval
            driver.advanceAndRun(Duration.ofSeconds(10));
        }
        assertAll(
                () -> assertEquals(2, driver.position(T, 0), "position"),
                () -> assertEquals(OptionalLong.of(2), offsets.nextOffset(GROUP, TP), "row at the log end"),
                () -> assertTrue(driver.caughtUp(), "caught up"));
    }
}
