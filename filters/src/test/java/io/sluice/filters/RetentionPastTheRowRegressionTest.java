package io.sluice.filters;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.dsl.Message;
import io.sluice.dsl.OffsetOutOfRangePolicy;
import io.sluice.dsl.Sluice;
import io.sluice.testing.TestDriver;
import io.sluice.testing.TestDriverExtension;
import java.sql.SQLException;
import java.util.List;
import java.util.OptionalLong;
import javax.sql.DataSource;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jooq.SQLDialect;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Found by {@code model.PartitionModelTest}: retention passes an offset-managed partition's row, the policy is
 * {@code RESET_TO_LOG_START}. Enforcement (fresh log bounds) sees the row outside the log and seeks to the log start,
 * leaving the row for the offset manager to move. Before the fix a job's {@code FilterContext.logStartOffset()} was
 * always empty, so the offset manager took the row as inside the log and sought back to it, Kafka found it out of
 * range, enforcement sought to the log start again: a livelock, nothing applied, the row never moved. A job's
 * context now carries the log start read at enforcement.
 */
@ExtendWith(TestDriverExtension.class)
class RetentionPastTheRowRegressionTest {

    private static final String T = "orders";
    private static final TopicPartition TP = new TopicPartition(T, 0);
    private static final String GROUP = "sluice-test"; // the TestDriver's group

    @Test
    void retentionPastTheRowResetsToTheLogStartUnderResetToLogStart(TestDriver driver) throws SQLException {
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
        for (int i = 0; i < 10; i++) {
            driver.send(T, 0, "k", "ok");
        }
        offsets.locked(GROUP, TP, 3, row -> null);         // applied up to 2: the row is at 3
        driver.log().truncateBefore(TP, 8);                // retention passes it: 3..7 are gone
        driver.assign(T, 0);
        for (int i = 0; i < 200; i++) {                    // bounded: it livelocked before the fix
            driver.step().runJobs();
        }
        List<Long> applied = AppliedTable.offsets(database);
        assertAll(
                () -> assertEquals(List.of(8L, 9L), applied, "applied from the log start"),
                () -> assertEquals(OptionalLong.of(10), offsets.nextOffset(GROUP, TP), "row"),
                () -> assertEquals(true, driver.caughtUp(), "caught up"));
    }
}
