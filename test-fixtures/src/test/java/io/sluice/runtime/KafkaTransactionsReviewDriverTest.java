package io.sluice.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.DeadLetterQueue;
import io.sluice.dsl.Message;
import io.sluice.dsl.MessageFailedException;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.TopicBuilder;
import io.sluice.dsl.Topology;
import io.sluice.testing.InMemoryTransactions;
import io.sluice.testing.TestDriver;
import io.sluice.testing.TestDriverExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A hostile review of {@code kafkaTransactions()}: each test is a duplicate or a loss of a consume → produce pipeline
 * that the transactions are meant to make exactly once.
 */
@ExtendWith(TestDriverExtension.class)
class KafkaTransactionsReviewDriverTest {

    private static final String T = "rtx.in";
    private static final String OUT = "rtx.out";
    private static final String DLQ = "rtx.dlq";

    private static Topology topology(io.sluice.dsl.Consumer<String, String> consumer,
                                     UnaryOperator<TopicBuilder<String, String>> settings) {
        return settings.apply(Sluice.topology().topic(T)
                .deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> consumer).kafkaTransactions()).build();
    }

    private static byte[] upper(Message<String, String> m) {
        return m.value().toUpperCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8);
    }

    /** What committed transactions made visible on {@code topic}, in order. */
    private static List<String> visible(TestDriver driver, String topic) {
        return driver.transactions().ended().stream().filter(InMemoryTransactions.Ended::committed)
                .flatMap(t -> t.records().stream()).filter(r -> r.topic().equals(topic))
                .map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
    }

    /** The transactions that ended, in short: committed or aborted, the topics of their records, their offsets. */
    private static String summary(TestDriver driver) {
        return driver.transactions().ended().stream().map(t -> (t.committed() ? "committed" : "aborted")
                + t.records().stream().map(r -> r.topic() + ":" + (r.topic().equals(DLQ) ? "dead letter"
                : new String(r.value(), StandardCharsets.UTF_8))).toList() + t.offsets().values().stream()
                .map(o -> o.offset()).toList()).toList().toString();
    }

    private static void settle(TestDriver driver) {
        driver.runUntilIdle();
        for (int i = 0; i < 10; i++) {
            driver.advanceAndRun(Duration.ofSeconds(10));
        }
    }

    /**
     * The usual way to name a failing message: throw {@link MessageFailedException} from the block. The transaction
     * aborts, so the outputs of the messages before the failing one are not visible: they must be produced again, not
     * marked as handled (automatic marking's "the ones before it were handled" is false inside an aborted
     * transaction).
     */
    @Test
    void aMessageFailedInsideTheBlockDoesNotMarkTheMessagesBeforeItWhoseOutputsWereAborted(TestDriver driver) {
        driver.start(topology((batch, ctx) -> ctx.transaction(tx -> {
            for (Message<String, String> m : batch) {
                if (m.value().equals("bad")) {
                    throw new MessageFailedException(m, new IllegalArgumentException("cannot upper-case bad"));
                }
                tx.send(OUT, null, upper(m));
            }
        }), t -> t.deadLetterQueue(DeadLetterQueue.to(DLQ, 0))));
        driver.send(T, 0, "k", "a").send(T, 0, "k", "b").send(T, 0, "k", "bad").send(T, 0, "k", "d");
        driver.assign(T, 0);
        settle(driver);

        assertEquals(List.of("A", "B", "D"), visible(driver, OUT), "each output exactly once: "
                + summary(driver));
        assertEquals(1, visible(driver, DLQ).size(), "the bad one dead-lettered");
        assertEquals(java.util.OptionalLong.of(4), driver.committed(T, 0));
    }

    /**
     * The consumer's transaction committed the batch's outputs and offsets, then the consumer failed. Running the
     * batch again would commit its outputs a second time.
     */
    @Test
    void aConsumerThatFailsAfterItsTransactionCommittedIsNotRunAgainOnTheSameMessages(TestDriver driver) {
        boolean[] first = {true};
        driver.start(topology((batch, ctx) -> {
            ctx.transaction(tx -> batch.forEach(m -> tx.send(OUT, null, upper(m))));
            if (first[0]) {
                first[0] = false;
                throw new IllegalStateException("a metrics call failed after the transaction");
            }
        }, t -> t));
        driver.send(T, 0, "k", "a").send(T, 0, "k", "b");
        driver.assign(T, 0);
        settle(driver);

        assertEquals(List.of("A", "B"), visible(driver, OUT), "each output exactly once: "
                + summary(driver));
        assertEquals(java.util.OptionalLong.of(2), driver.committed(T, 0));
    }

    /**
     * As above, but the consumer names a message of the committed batch as failed: dead-lettering it commits the
     * offset past it — behind the transaction's — and the messages after it are produced twice.
     */
    @Test
    void aMessageNamedAsFailedAfterItsTransactionCommittedIsNeitherDeadLetteredNorRunAgain(TestDriver driver) {
        boolean[] first = {true};
        driver.start(topology((batch, ctx) -> {
            ctx.transaction(tx -> batch.forEach(m -> tx.send(OUT, null, upper(m))));
            if (first[0]) {
                first[0] = false;
                throw new MessageFailedException(batch.get(0), new IllegalStateException("too late"));
            }
        }, t -> t.deadLetterQueue(DeadLetterQueue.to(DLQ, 0))));
        driver.send(T, 0, "k", "a").send(T, 0, "k", "b").send(T, 0, "k", "c");
        driver.assign(T, 0);
        settle(driver);

        assertEquals(List.of("A", "B", "C"), visible(driver, OUT), "each output exactly once: "
                + summary(driver));
        assertEquals(java.util.OptionalLong.of(3), driver.committed(T, 0));
        long[] last = {-1};
        driver.transactions().ended().stream().filter(InMemoryTransactions.Ended::committed)
                .flatMap(t -> t.offsets().values().stream()).forEach(o -> {
                    assertTrue(o.offset() >= last[0], "the group's offset never moves back: "
                            + summary(driver));
                    last[0] = o.offset();
                });
    }

    /**
     * The consumer pauses at the first message it cannot handle yet, from inside the block: the transaction must not
     * commit past that cursor, or a member that loses the partition before the pause ends loses those messages.
     */
    @Test
    void aPauseAskedForInsideTheBlockBoundsTheOffsetTheTransactionCommits(TestDriver driver) {
        boolean[] first = {true};
        driver.start(topology((batch, ctx) -> ctx.transaction(tx -> {
            for (Message<String, String> m : batch) {
                if (first[0] && m.value().equals("c")) {
                    first[0] = false;
                    ctx.pause(m.offset(), Duration.ofMinutes(5));
                    return;
                }
                tx.send(OUT, null, upper(m));
            }
        }), t -> t));
        driver.send(T, 0, "k", "a").send(T, 0, "k", "b").send(T, 0, "k", "c").send(T, 0, "k", "d");
        driver.assign(T, 0).runUntilIdle();
        // the member loses the partition while it is paused; the next owner (here: the same member) starts from the
        // committed offset
        driver.lose(T, 0).runUntilIdle();
        driver.assign(T, 0);
        settle(driver);

        assertEquals(List.of("A", "B", "C", "D"), visible(driver, OUT), "nothing lost: "
                + summary(driver));
    }

    /**
     * A pause asked for after the transaction committed the batch cannot take the commit back: it is refused, loudly,
     * instead of leaving the group's offset past messages the member will only be handed again if it keeps the
     * partition.
     */
    @Test
    void aPauseBelowWhatTheTransactionAlreadyCommittedIsRefused(TestDriver driver) {
        List<Throwable> refused = new java.util.ArrayList<>();
        driver.start(topology((batch, ctx) -> {
            ctx.transaction(tx -> batch.forEach(m -> tx.send(OUT, null, upper(m))));
            refused.add(org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> ctx.pause(batch.get(0).offset(), Duration.ofMinutes(5))));
            ctx.pause(batch.nextOffset(), Duration.ofSeconds(1)); // at the committed offset: fine
        }, t -> t));
        driver.send(T, 0, "k", "a").send(T, 0, "k", "b");
        driver.assign(T, 0);
        settle(driver);

        assertEquals(1, refused.size());
        assertEquals(List.of("A", "B"), visible(driver, OUT), summary(driver));
        assertEquals(java.util.OptionalLong.of(2), driver.committed(T, 0));
    }

    /**
     * A consumer used to marking each message after handling it marks inside the block; the transaction then aborts
     * (here: its producer fenced at commit, an infrastructure failure that is retried). The marks must go down with
     * the transaction, or the retry starts past messages whose outputs were aborted.
     */
    @Test
    void marksMadeInATransactionThatAbortedAreNotTaken(TestDriver driver) {
        driver.start(topology((batch, ctx) -> ctx.transaction(tx -> {
            for (Message<String, String> m : batch) {
                tx.send(OUT, null, upper(m));
                ctx.markAsConsumed(m);
            }
        }), t -> t));
        driver.transactions().fenceNext(1);
        driver.send(T, 0, "k", "a").send(T, 0, "k", "b");
        driver.assign(T, 0);
        settle(driver);

        assertEquals(List.of("A", "B"), visible(driver, OUT), "nothing lost: " + summary(driver));
        assertEquals(java.util.OptionalLong.of(2), driver.committed(T, 0));
    }

    /** As above, with the marks made before the block and the transaction aborted because the block failed. */
    @Test
    void marksMadeBeforeATransactionThatAbortedAreNotTaken(TestDriver driver) {
        boolean[] first = {true};
        driver.start(topology((batch, ctx) -> {
            batch.forEach(ctx::markAsConsumed);
            ctx.transaction(tx -> {
                for (Message<String, String> m : batch) {
                    tx.send(OUT, null, upper(m));
                }
                if (first[0]) {
                    first[0] = false;
                    throw new IllegalStateException("transient");
                }
            });
        }, t -> t));
        driver.send(T, 0, "k", "a").send(T, 0, "k", "b");
        driver.assign(T, 0);
        settle(driver);

        assertEquals(List.of("A", "B"), visible(driver, OUT), "nothing lost: " + summary(driver));
        assertEquals(java.util.OptionalLong.of(2), driver.committed(T, 0));
    }

    /**
     * A consumer that names its first message as failed whatever went wrong — the abort of its transaction included
     * (here: a fenced producer). An abort is the runtime's infrastructure failure even when the consumer catches it:
     * the healthy message must not be dead-lettered.
     */
    @Test
    void anAbortTheConsumerRethrowsAsAMessageFailureIsStillInfrastructure(TestDriver driver) {
        driver.start(topology((batch, ctx) -> {
            try {
                ctx.transaction(tx -> batch.forEach(m -> tx.send(OUT, null, upper(m))));
            } catch (RuntimeException e) {
                throw new MessageFailedException(batch.get(0), e);
            }
        }, t -> t.deadLetterQueue(DeadLetterQueue.to(DLQ, 0))));
        driver.transactions().fenceNext(1);
        driver.send(T, 0, "k", "a");
        driver.assign(T, 0);
        settle(driver);

        assertEquals(List.of(), visible(driver, DLQ), "never dead-lettered: " + summary(driver));
        assertEquals(List.of("A"), visible(driver, OUT), summary(driver));
        assertTrue(driver.events(SluiceEvent.Failed.class).stream().allMatch(f -> f.kind() == FailureKind.INFRASTRUCTURE),
                driver.events(SluiceEvent.Failed.class).toString());
    }

    /** Sluice's own marks on a transactional topic are committed, in an offsets-only transaction, when it closes. */
    @Test
    void aFilterDropIsCommittedInATransactionOnShutdown(TestDriver driver) {
        driver.start(topology((batch, ctx) -> ctx.transaction(tx -> { }), t -> t.filter(tp -> (batch, ctx) -> {
            batch.removeIf(m -> true);
            return io.sluice.dsl.Verdict.skip();
        })));
        driver.send(T, 0, "k", "dropped");
        driver.assign(T, 0).runUntilIdle();
        driver.shutdown();

        assertEquals(java.util.OptionalLong.of(1), driver.committed(T, 0), summary(driver));
        assertEquals(List.of(), driver.consumer().commits());
    }

    /**
     * {@code commitTransaction()} timed out on the client, but the broker committed the transaction: its outcome is
     * unknown to the job. Retrying the batch in a new transaction would commit its outputs twice; the commit must be
     * retried on the same producer instead, as Kafka's producer allows.
     */
    @Test
    void aCommitThatTimedOutButCommittedIsNotRunAgain(TestDriver driver) {
        driver.start(topology((batch, ctx) -> ctx.transaction(tx -> batch.forEach(m -> tx.send(OUT, null,
                upper(m)))), t -> t));
        driver.transactions().timeOutNextCommits(1);
        driver.send(T, 0, "k", "a").send(T, 0, "k", "b");
        driver.assign(T, 0);
        settle(driver);

        assertEquals(List.of("A", "B"), visible(driver, OUT), "each output exactly once: " + summary(driver));
        assertEquals(java.util.OptionalLong.of(2), driver.committed(T, 0));
    }
}
