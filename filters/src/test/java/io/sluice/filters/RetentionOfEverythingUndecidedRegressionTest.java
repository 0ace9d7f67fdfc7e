package io.sluice.filters;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.OffsetOutOfRangePolicy;
import io.sluice.dsl.Sluice;
import io.sluice.testing.TestDriver;
import io.sluice.testing.TestDriverExtension;
import java.time.Duration;
import java.util.OptionalLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jooq.SQLDialect;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Found by {@code model.PartitionModelTest} with {@code -Dsluice.model.rowAtLogEnd=true
 * -Dsluice.model.retentionPastTheRow=true} (seed 6669733820435142443, shrunk to: produce [bad], run until idle,
 * retention up to 1.0 of the log): an offset-managed partition backs off on a failing message at its row (0) when
 * retention removes everything up to the log end (1). Kafka's position is reset to the log start, but nothing is
 * ever fetched there, so the out-of-range policy ({@code RESET_TO_LOG_START}) never reaches the row: it stays at 0,
 * outside the log, while the runtime reports the partition caught up. Expected: the row follows the policy to the
 * log start (1), or the runtime does not report caught up while the row lies outside the log.
 */
@ExtendWith(TestDriverExtension.class)
class RetentionOfEverythingUndecidedRegressionTest {

    private static final String T = "orders";
    private static final TopicPartition TP = new TopicPartition(T, 0);
    private static final String GROUP = "sluice-test"; // the TestDriver's group

    @Test
    void retentionOfAFailingRowMovesTheRowToTheLogStart(TestDriver driver) {
        PartitionOffsets offsets = PartitionOffsets.create(Databases.h2(), SQLDialect.H2);
        offsets.createTableIfMissing();
        driver.start(Sluice.topology().topic(T)
                .deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> (batch, ctx) -> offsets.consume(ctx, batch, (tx, messages) -> {
                    throw new IllegalStateException("cannot apply (injected)");
                }))
                .filter(OffsetManager.using(offsets))
                .deadLetterQueue("orders.dlq", 2)
                .onOffsetOutOfRange(OffsetOutOfRangePolicy.RESET_TO_LOG_START)
                .build());
        driver.send(T, 0, "k", "bad").assign(T, 0).runUntilIdle();  // 0 fails: the row is at 0, backing off
        driver.log().truncateBefore(TP, 1);                          // retention removes it
        for (int i = 0; i < 20; i++) {
            driver.advanceAndRun(Duration.ofSeconds(2));
        }
        assertAll(
                () -> assertEquals(1, driver.position(T, 0), "position"),
                () -> assertTrue(driver.caughtUp(), "caught up"),
                () -> assertEquals(OptionalLong.of(1), offsets.nextOffset(GROUP, TP), "row at the log start"));
    }
}
