package io.sluice.filters;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.testing.TestDriver;
import io.sluice.testing.TestDriverExtension;
import java.time.Duration;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Found by {@code model.PartitionModelTest} (seed 6244607336158223870, shrunk to: gap of 1, step, run all jobs, step,
 * produce [ok], retention up to 1.0 of the log, run until idle): an offset-managed partition with an idle advance
 * pending over the gap (to 1) is placed anew at the log start (2) when retention passes its position; the stale
 * pending advance (1, below everything decided) was never launched nor forgotten, so the partition never counted as
 * caught up. A new placement now drops it.
 */
@ExtendWith(TestDriverExtension.class)
class ResetOverAPendingIdleAdvanceRegressionTest {

    private static final String T = "orders";
    private static final TopicPartition TP = new TopicPartition(T, 0);

    @Test
    void aPartitionPlacedAnewForgetsTheIdleAdvanceItHadPending(TestDriver driver) {
        PartitionOffsets offsets = OffsetManagedDriver.start(driver, T);
        driver.log().skip(TP, 1);                     // offset 0 without a record
        driver.assign(T, 0).step().runJobs();          // enforcement: nothing stored
        driver.step();                                 // placed at 0, then the fetch steps over the gap to 1
        driver.send(T, 0, "k", "ok");                  // 1
        driver.log().truncateBefore(TP, 2);            // retention passes everything
        driver.runUntilIdle();
        for (int i = 0; i < 5; i++) {
            driver.advanceAndRun(Duration.ofSeconds(10));
        }
        assertAll(
                () -> assertEquals(2, driver.position(T, 0), "placed at the log start"),
                () -> assertTrue(driver.caughtUp(), "caught up"));
    }
}
