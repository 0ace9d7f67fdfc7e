package io.sluice.filters;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.dsl.Sluice;
import io.sluice.runtime.SluiceEvent;
import io.sluice.testing.TestDriver;
import io.sluice.testing.TestDriverExtension;
import java.util.List;
import java.util.OptionalLong;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Found by the chaos matrix's {@code aborted-tx} row (members fetching 16 KiB per partition from a transactional
 * producer that aborts one transaction in five): a poll that steps over an aborted transaction and its marker without
 * returning a record moves the position; when records arrive before the pending idle advance has moved the row (within
 * one commit interval), the batch was launched as fetched from the new position — above the row — and
 * {@code consume} refused it, every time, so the partition went through re-enforcement after every aborted
 * transaction, and after a seek back to the row it never left the loop (the next batch again claimed to be fetched
 * from above the gap, and the offset manager sought back again).
 *
 * <p>A poll that moved the position without records fetched nothing from the offsets it stepped over: the next batch
 * is fetched from where that record-less stretch began (docs/architecture.md, "The idle advance").
 */
@ExtendWith(TestDriverExtension.class)
class AbortedTransactionGapRegressionTest {

    private static final String T = "orders";
    private static final TopicPartition TP = new TopicPartition(T, 0);
    private static final String GROUP = "sluice-test"; // the TestDriver's group

    @Test
    void recordsAfterAnAbortedTransactionContinueFromTheRow(TestDriver driver) {
        PartitionOffsets offsets = OffsetManagedDriver.start(driver, T);
        driver.assign(T, 0).send(T, 0, "k", "a").send(T, 0, "k", "b").runUntilIdle();
        driver.log().skip(TP, 11);                 // ten aborted records and their marker
        driver.runUntilIdle();                     // a poll steps over them without a record
        driver.send(T, 0, "k", "c").send(T, 0, "k", "d").runUntilIdle(); // within the commit interval

        assertAll(
                () -> assertEquals(List.of(), driver.events(SluiceEvent.Failed.class), "no failure, no refusal"),
                () -> assertEquals(List.of(0L, 1L, 13L, 14L), driver.consumedOffsets(T, 0), "consumed once each"),
                () -> assertEquals(OptionalLong.of(15), offsets.nextOffset(GROUP, TP), "row at the log end"));
    }
}
