package io.sluice.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Sluice;
import io.sluice.dsl.TopicBuilder;
import io.sluice.testing.AutoOffsetReset;
import io.sluice.testing.TestDriver;
import io.sluice.testing.TestDriverExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A hostile review of the v2 runtime core, on the test driver (no offset store). Each test fails today; its
 * one-line comment says what breaks and where.
 */
@ExtendWith(TestDriverExtension.class)
class HostileReviewDriverTest {

    private static final String T = "payments";
    private static final TopicPartition TP = new TopicPartition(T, 0);
    private static final String DLQ = "payments.dlq";

    private static io.sluice.dsl.Topology topology(Supplier<io.sluice.dsl.Consumer<String, String>> consumers,
                                                 UnaryOperator<TopicBuilder<String, String>> settings) {
        return settings.apply(Sluice.topology().topic(T)
                .deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(consumers)).build();
    }

    // LOSS: a partition whose consumer factory failed once is set up again with committed=UNKNOWN, but
    // ListenerLoop.create (line 817-820) puts ResetPosition(true) and then executes the machine's own
    // ResetPosition(false), which overwrites it: the group's committed offset 2 is ignored and auto.offset.reset=latest
    // puts the partition at the log end, silently skipping 2..5 (with earliest it re-consumes 0..1: duplicates)
    @Test
    void aPartitionSetUpAgainAfterItsFactoryFailedResumesAtTheGroupsCommittedOffset(TestDriver driver) {
        AtomicInteger built = new AtomicInteger();
        driver.autoOffsetReset(AutoOffsetReset.LATEST).start(topology(() -> {
            if (built.getAndIncrement() == 0) {
                throw new IllegalStateException("downstream client not ready yet");
            }
            return (batch, ctx) -> { };
        }, t -> t));
        for (int i = 0; i < 6; i++) {
            driver.send(T, 0, "k", "v" + i);
        }
        driver.log().commit("sluice-test", Map.of(TP, new OffsetAndMetadata(2)));
        driver.assign(T, 0).runUntilIdle();             // the factory throws: the partition waits, paused
        driver.advanceAndRun(Duration.ofSeconds(6));     // set up again
        assertEquals(List.of(2L, 3L, 4L, 5L), driver.consumedOffsets(T, 0),
                "consumed from the group's committed offset 2");
    }

    // LOSS: under manual marking (no offset store) a dead letter must not be marked (PartitionMachine.reported,
    // line 310), but a DeadLettered report applied while its partition is being revoked goes through
    // ListenerLoop.apply's revoking branch (line 313-316, markWhileRevoking), which marks offset + 1 anyway: the
    // revocation commits 3 although the consumer never marked 0 and 1, so the next owner never sees them. (The
    // driver reaches it through the report set aside while p1's revocation waits; in production it is any dead
    // letter whose broker confirmation arrives after the revocation started.)
    @Test
    void aDeadLetterFinishedDuringRevocationDoesNotCommitPastUnmarkedMessagesUnderManualMarking(TestDriver driver) {
        driver.start(topology(() -> (batch, ctx) -> {
            // marks nothing yet (e.g. it marks after a periodic flush); fails on "bad"
            if (batch.stream().anyMatch(m -> m.value().equals("bad"))) {
                throw new IllegalArgumentException("cannot pay");
            }
        }, t -> t.manualMarking().deadLetterQueue(DLQ, 0)));
        driver.send(T, 0, "k", "ok").send(T, 0, "k", "ok").send(T, 0, "k", "bad");
        driver.assign(T, 0, 1).runUntilIdle();          // [0..2] fails; narrowing
        for (int i = 0; i < 20 && !deadLettering(driver); i++) {
            driver.advance(Duration.ofSeconds(30));
            for (int j = 0; j < 20 && !deadLettering(driver); j++) {
                driver.step();
                if (!deadLettering(driver)) {
                    driver.runJobs();
                }
            }
        }
        assertTrue(deadLettering(driver), "2 is on its way to the dead-letter topic (its job queued, not run)");
        driver.send(T, 1, "k", "ok").step();             // p1 has a job in flight too, queued after it
        driver.revoke(T, 1).revoke(T, 0).step();         // both revoked in one poll; the jobs finish in the grace
        assertEquals(1, driver.deadLetters().size(), "published");
        assertEquals(OptionalLong.empty(), driver.committed(T, 0),
                "the consumer marked nothing on p0: nothing may be committed, 0 and 1 are not done");
    }

    // WRONG DOC (and a commit ahead of what is decided): ConsumerContext.seek/pause promise "no mark of this job
    // covers offset or anything above it", but only the runtime's own mark is clamped (Job line 145-155); the
    // consumer's own markAsConsumed is reported unclamped (PartitionContext.markAsConsumed, Job line 184 jobMark()),
    // so a consumer that marked its batch and then seeks back to 1 commits 3 while 1 and 2 are fetched again
    @Test
    void aConsumersSeekBoundsItsOwnMarksAsTheJavadocSays(TestDriver driver) {
        java.util.concurrent.atomic.AtomicBoolean first = new java.util.concurrent.atomic.AtomicBoolean(true);
        driver.start(topology(() -> (batch, ctx) -> {
            ctx.markAsConsumed(batch.nextOffset());
            if (first.getAndSet(false)) {
                ctx.seek(1);                              // 1 and 2 must be handled again later
            }
        }, t -> t.manualMarking()));
        driver.send(T, 0, "k", "a").send(T, 0, "k", "b").send(T, 0, "k", "c");
        driver.assign(T, 0).step().runJobs();
        driver.step();                                    // the report: seek to 1
        assertTrue(driver.marked(T, 0) <= 1, "marked " + driver.marked(T, 0) + " covers the cursor 1");
    }

    private static boolean deadLettering(TestDriver driver) {
        return driver.state(T, 0).map(s -> s.state().equals("DEAD_LETTERING")).orElse(false);
    }
}
