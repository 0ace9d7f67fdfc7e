package io.sluice.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Message;
import io.sluice.dsl.MessageFailedException;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.TopicBuilder;
import io.sluice.dsl.Topology;
import io.sluice.testing.TestDriver;
import io.sluice.testing.TestDriverExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code ConsumerContext.attempt()} and the answer of {@code markAsConsumed}. */
@ExtendWith(TestDriverExtension.class)
class AttemptAndMarkDriverTest {

    private static final String T = "attempts";
    private static final String DLQ = "attempts.dlq";

    /** One call: the offsets handed out and the attempt the context reported. */
    record Call(List<Long> offsets, int attempt) {
    }

    private static Topology topology(io.sluice.dsl.Consumer<String, String> consumer,
                                     UnaryOperator<TopicBuilder<String, String>> settings) {
        return settings.apply(Sluice.topology().topic(T)
                .deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> consumer)).build();
    }

    @Test
    void theAttemptCountsTheNamedFailingMessagesRetriesAndMatchesTheDeadLettersCount(TestDriver driver) {
        List<Call> calls = new ArrayList<>();
        driver.start(topology((batch, ctx) -> {
            calls.add(new Call(batch.stream().map(Message::offset).toList(), ctx.attempt()));
            for (Message<String, String> m : batch) {
                if (m.value().equals("bad")) {
                    throw new MessageFailedException(m, new IllegalStateException("no"));
                }
            }
        }, t -> t.deadLetterQueue(DLQ, 2)));
        driver.send(T, 0, "k", "ok").send(T, 0, "k", "bad").send(T, 0, "k", "ok");
        driver.assign(T, 0).runUntilIdle();
        for (int i = 0; i < 5 && driver.deadLetters().isEmpty(); i++) {
            driver.advanceAndRun(Duration.ofSeconds(30));
        }
        assertEquals(List.of(new Call(List.of(0L, 1L, 2L), 1), new Call(List.of(1L), 2), new Call(List.of(1L), 3),
                new Call(List.of(2L), 1)), calls, "the retries of message 1 are attempts 2 and 3; the next is new");
        assertEquals("3", new String(driver.deadLetters().get(0).headers()
                .lastHeader(DeadLetterHeaders.ATTEMPTS).value(), StandardCharsets.UTF_8));
    }

    @Test
    void duringNarrowingTheAttemptIsThatOfTheSingleMessageRetried(TestDriver driver) {
        List<Call> calls = new ArrayList<>();
        int[] failuresOfTwo = {3};
        driver.start(topology((batch, ctx) -> {
            calls.add(new Call(batch.stream().map(Message::offset).toList(), ctx.attempt()));
            for (Message<String, String> m : batch) {
                if (m.offset() == 2 && failuresOfTwo[0]-- > 0) {
                    throw new IllegalStateException("unnamed failure");
                }
            }
        }, t -> t));
        for (int i = 0; i < 4; i++) {
            driver.send(T, 0, "k", "v" + i);
        }
        driver.assign(T, 0).runUntilIdle();
        for (int i = 0; i < 6; i++) {
            driver.advanceAndRun(Duration.ofSeconds(30));
        }
        // the batch failure names no message: narrowing hands out 0, 1 (innocent, attempt 1), then 2 fails alone
        // and its retries count: 2, then 3 (it succeeds), then 3 is new
        assertEquals(List.of(new Call(List.of(0L, 1L, 2L, 3L), 1), new Call(List.of(0L), 1), new Call(List.of(1L), 1),
                new Call(List.of(2L), 1), new Call(List.of(2L), 2), new Call(List.of(2L), 3), new Call(List.of(3L), 1)),
                calls);
        assertEquals(List.of(0L, 1L, 2L, 3L), driver.consumedOffsets(T, 0));
    }

    @Test
    void aMarkIsTakenWhileThePartitionIsOursAndRefusedOnceItIsRevoked(TestDriver driver) {
        List<Boolean> answers = new ArrayList<>();
        List<Boolean> revokedWhenMarking = new ArrayList<>();
        driver.start(topology((batch, ctx) -> {
            revokedWhenMarking.add(ctx.revoked());
            answers.add(ctx.markAsConsumed(batch.get(batch.size() - 1)));
        }, t -> t.manualMarking()));
        driver.send(T, 0, "k", "a").send(T, 0, "k", "b");
        driver.assign(T, 0).runUntilIdle();
        assertEquals(List.of(true), answers);
        assertEquals(2, driver.marked(T, 0));

        driver.send(T, 0, "k", "c");
        driver.step(); // the job for offset 2 is queued, in flight
        assertEquals(1, driver.pendingJobs());
        driver.revoke(T, 0).step(); // the revocation's grace runs the job: it marks while revoked
        assertEquals(List.of(false, true), revokedWhenMarking);
        assertEquals(List.of(true, false), answers, "a mark after the revocation is refused");
        assertEquals(OptionalLong.of(2), driver.committed(T, 0), "the refused mark was not committed");
        assertTrue(driver.state(T, 0).isEmpty());
    }

    @Test
    void automaticMarksOfAJobEndingWithinTheGraceStillCount(TestDriver driver) {
        List<Boolean> answers = new ArrayList<>();
        driver.start(topology((batch, ctx) -> answers.add(ctx.markAsConsumed(batch.get(0))), t -> t));
        driver.send(T, 0, "k", "a").send(T, 0, "k", "b");
        driver.assign(T, 0).step();
        driver.revoke(T, 0).step();
        assertEquals(List.of(false), answers, "the consumer's own mark was refused");
        assertEquals(OptionalLong.of(2), driver.committed(T, 0),
                "the runtime's automatic mark of the finished job went into the revocation commit");
    }
}
