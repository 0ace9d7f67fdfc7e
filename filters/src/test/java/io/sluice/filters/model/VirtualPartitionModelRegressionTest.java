package io.sluice.filters.model;

import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Shrunk schedules with virtual partitions that the model test once failed, replayed as they were shrunk (the seed
 * draws the keys). Each names what was wrong.
 */
class VirtualPartitionModelRegressionTest {

    private static void passes(long seed, int partitions, int maxRetries, int maxPollRecords, int virtualPartitions,
                               ModelAction... actions) {
        Schedule s = new Schedule(seed, partitions, maxRetries, maxPollRecords, 1, List.of(actions),
                virtualPartitions);
        try (ModelStore store = new ModelStore()) {
            ModelRunner.Outcome o = new ModelRunner(store).run(s);
            assertNull(o, () -> s.describe() + o.error().getMessage());
        }
    }

    /** A throttle's resume seek moved every lane's start, so a lane without records since was refused. */
    @Test
    void aSeekAfterTheFirstSplitDoesNotMoveALanesStart() {
        passes(-3781088316457532130L, 2, 0, 500, 4,
                new ModelAction.Produce(0, List.of("ok", "ok", "ok")),
                new ModelAction.Produce(1, List.of("ok", "ok", "ok")),
                new ModelAction.Produce(0, List.of("flaky:1", "ok")));
    }

    /** A chain-level dead letter of a poison message moved W past messages still waiting in a lane. */
    @Test
    void aPoisonMessageIsDeadLetteredInItsLaneNotPastTheOthers() {
        passes(-7901504827951785023L, 1, 2, 500, 4,
                new ModelAction.Produce(0, List.of("flakyn:2")),
                new ModelAction.Produce(0, List.of("ok", "ok", "flaky:1", "ok")),
                new ModelAction.Produce(0, List.of("POISON")));
    }

    /** A swap of the mapping was retried without pause while a stored row lay above W: a livelock. */
    @Test
    void aSwapThatIsNotYetADrainPointIsRetriedLater() {
        passes(-8235357098612518081L, 1, 0, 500, 6,
                new ModelAction.Produce(0, List.of("ok")),
                new ModelAction.RunUntilIdle(),
                new ModelAction.Crash());
    }

    /** A dead letter ending its group moved r_v only past itself, so the lane's next group was refused. */
    @Test
    void aDeadLetterEndingItsGroupMovesTheRowToTheGroupsEnd() {
        passes(693396884615404884L, 1, 0, 500, 2,
                new ModelAction.Produce(0, List.of("ok", "bad")),
                new ModelAction.Produce(0, List.of("ok", "ok", "ok")));
    }

    /** A dead letter whose row advance failed was published again by the same owner. */
    @Test
    void aDeadLetterWhoseRowAdvanceFailedIsNotPublishedAgain() {
        passes(-9007961865783502701L, 1, 0, 500, 6,
                new ModelAction.Produce(0, List.of("flaky:1")),
                new ModelAction.FailDeadLetters(1),
                new ModelAction.RunUntilIdle(),
                new ModelAction.DatabaseDown(),
                new ModelAction.Advance(1000),
                new ModelAction.RunUntilIdle());
    }

    /** A record fenced below its lane's mark was skipped but stayed undecided, so L (and W) stopped there. */
    @Test
    void aRecordCoveredByItsLanesMarkIsDecided() {
        passes(6098419599025127627L, 1, 0, 3, 4,
                new ModelAction.Produce(0, List.of("ok", "ok", "ok")),
                new ModelAction.Produce(0, List.of("ok")),
                new ModelAction.RunUntilIdle(),
                new ModelAction.Lose(0));
    }

    /**
     * A seek back re-split an applied record into a group that was skipped as decided, moving no row; the lane's
     * next group started at that group's end, above its row, and was refused.
     */
    @Test
    void aGroupAfterASkippedRepeatStartsWhereItsRowIs() {
        passes(1620346126207392120L, 1, 1, 500, 3,
                new ModelAction.Produce(0, List.of("ok")),
                new ModelAction.Step(),
                new ModelAction.RunAllJobs(),
                new ModelAction.Step(),
                new ModelAction.RunAllJobs(),
                new ModelAction.ArmVerdict(false, 1),
                new ModelAction.Produce(0, List.of("ok", "ok", "flaky:1", "ok")),
                new ModelAction.RunUntilIdle());
    }
}
