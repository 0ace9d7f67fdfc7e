package io.sluice.filters;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.dsl.OffsetMove;
import io.sluice.runtime.SluiceEvent;
import io.sluice.testing.TestDriver;
import io.sluice.testing.TestDriverExtension;
import java.util.List;
import java.util.OptionalLong;
import org.apache.kafka.common.TopicPartition;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An operator moves an offset-managed partition's row (the console's rewind and skip): only from the row they saw,
 * audited in the same transaction; the runtime voids its marks and consumes again from the row — the rewound range
 * exactly once more, a skipped range not at all.
 */
@ExtendWith(TestDriverExtension.class)
class OperatorMoveDriverTest {

    private static final String T = "orders";
    private static final TopicPartition TP = new TopicPartition(T, 0);
    private static final String GROUP = "sluice-test"; // the TestDriver's group

    private static OffsetMove move(long expected, long target) {
        return new OffsetMove(GROUP, TP, expected, target, "olga", "cmd-" + expected + "-" + target);
    }

    @Test
    void aRewindReappliesExactlyTheRewoundRangeAndAStaleExpectationChangesNothing(TestDriver driver) {
        javax.sql.DataSource database = Databases.h2();
        PartitionOffsets offsets = OffsetManagedDriver.start(driver, T, database);
        driver.assign(T, 0);
        for (int i = 0; i < 6; i++) {
            driver.send(T, 0, "k", "m" + i);
        }
        driver.runUntilIdle();
        assertEquals(OptionalLong.of(6), offsets.nextOffset(GROUP, TP));

        assertEquals(OffsetMove.Outcome.PREVENTED, offsets.move(move(5, 2)), "the row is not at 5");
        assertEquals(OptionalLong.of(6), offsets.nextOffset(GROUP, TP));

        assertEquals(OffsetMove.Outcome.MOVED, offsets.move(move(6, 2)));
        driver.enforceAfterOperatorMove(T, 0).runUntilIdle();

        assertAll(
                () -> assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 2L, 3L, 4L, 5L), driver.consumedOffsets(T, 0),
                        "2..5 once more, nothing else"),
                () -> assertEquals(OptionalLong.of(6), offsets.nextOffset(GROUP, TP)),
                () -> assertEquals(List.of(), driver.events(SluiceEvent.Failed.class), "no refusal, no failure"),
                () -> assertEquals(1, audit(database, offsets), "one audit row"));

        // a skip: the messages between are passed
        driver.send(T, 0, "k", "m6").send(T, 0, "k", "m7").send(T, 0, "k", "m8");
        assertEquals(OffsetMove.Outcome.MOVED, offsets.move(move(6, 8)));
        driver.enforceAfterOperatorMove(T, 0).runUntilIdle();
        assertEquals(List.of(8L), driver.consumedOffsets(T, 0).subList(10, driver.consumedOffsets(T, 0).size()),
                "6 and 7 skipped");
        assertEquals(OptionalLong.of(9), offsets.nextOffset(GROUP, TP));
        assertEquals(2, audit(database, offsets));
    }

    private static int audit(javax.sql.DataSource database, PartitionOffsets offsets) {
        return DSL.using(database, offsets.dialect()).fetchCount(DSL.table(DSL.name(offsets.movesTableName())));
    }
}
