package io.sluice.filters;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Message;
import io.sluice.dsl.OffsetOutOfRangePolicy;
import io.sluice.dsl.Sluice;
import io.sluice.testing.TestDriver;
import io.sluice.testing.TestDriverExtension;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import javax.sql.DataSource;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jooq.SQLDialect;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Found by {@code model.PartitionModelTest} with {@code -Dsluice.model.retentionPastTheRow=true} (seed
 * -1512271731865832626, shrunk to: produce [ok], run until idle, gap of 3, retention up to 0.6 of the log, produce
 * [ok]): on an assigned offset-managed partition under {@code RESET_TO_LOG_START}, the row (1) waits for its idle
 * advance over a gap (1..3) when retention moves the log start (2) past it. The next batch is fetched from 4, above
 * the row, so {@code PartitionOffsets.consume} refuses ("offsets 1..3 would be skipped") and the row is enforced
 * again; but the row now lies below the log start and the out-of-range policy is never applied to it (the offset
 * manager of this assignment has decided already; enforcement treats a stored offset outside the log as an
 * infrastructure failure): the partition backs off and is refused again forever, 4 is never applied.
 * Expected: the policy moves the row to the log start and everything from there is applied.
 */
@ExtendWith(TestDriverExtension.class)
class RetentionPastTheRowWhileAssignedRegressionTest {

    private static final String T = "orders";
    private static final TopicPartition TP = new TopicPartition(T, 0);
    private static final String GROUP = "sluice-test"; // the TestDriver's group

    @Test
    void retentionPastAnAssignedPartitionsRowResetsItToTheLogStart(TestDriver driver) throws SQLException {
        DataSource database = Databases.h2();
        PartitionOffsets offsets = PartitionOffsets.create(database, SQLDialect.H2);
        offsets.createTableIfMissing();
        AppliedTable.create(database);
        driver.start(Sluice.topology().topic(T)
                .deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> (batch, ctx) -> offsets.consume(ctx, batch, (tx, messages) -> {
                    for (Message<String, String> m : messages) {
                        tx.execute("INSERT INTO \"applied\" VALUES (?)", m.offset());
                    }
                }))
                .filter(OffsetManager.using(offsets))
                .onOffsetOutOfRange(OffsetOutOfRangePolicy.RESET_TO_LOG_START)
                .build());
        driver.send(T, 0, "k", "ok").assign(T, 0).runUntilIdle();   // 0 applied: the row is at 1
        driver.log().skip(TP, 3);                                    // 1..3 without records
        driver.runUntilIdle();                                       // (the row's idle advance waits)
        driver.log().truncateBefore(TP, 2);                          // retention passes the row
        driver.send(T, 0, "k", "ok");                                // 4
        for (int i = 0; i < 20; i++) {                               // bounded: today it never settles
            driver.advanceAndRun(Duration.ofSeconds(2));
        }
        List<Long> applied = AppliedTable.offsets(database);
        assertAll(
                () -> assertEquals(List.of(0L, 4L), applied, "applied"),
                () -> assertEquals(OptionalLong.of(5), offsets.nextOffset(GROUP, TP), "row"),
                () -> assertTrue(driver.caughtUp(), "caught up"));
    }
}
