package io.sluice.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.DeadLetterQueue;
import io.sluice.dsl.Message;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.TopicBuilder;
import io.sluice.dsl.Topology;
import io.sluice.dsl.TopologyException;
import io.sluice.dsl.TransactionAbortedException;
import io.sluice.testing.InMemoryTransactions;
import io.sluice.testing.TestDriver;
import io.sluice.testing.TestDriverExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The rules of {@code kafkaTransactions()} on the test driver. */
@ExtendWith(TestDriverExtension.class)
class KafkaTransactionsDriverTest {

    private static final String T = "tx.in";
    private static final String OUT = "tx.out";
    private static final String DLQ = "tx.dlq";

    private static Topology topology(io.sluice.dsl.Consumer<String, String> consumer,
                                     UnaryOperator<TopicBuilder<String, String>> settings) {
        return settings.apply(Sluice.topology().topic(T)
                .deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> consumer).kafkaTransactions()).build();
    }

    /** Sends every message's value upper-cased to {@link #OUT}, in the batch's transaction. */
    private static final io.sluice.dsl.Consumer<String, String> UPPER = (batch, ctx) -> ctx.transaction(tx -> {
        for (Message<String, String> m : batch) {
            tx.send(OUT, null, m.value().toUpperCase(java.util.Locale.ROOT).getBytes(StandardCharsets.UTF_8));
        }
    });

    private static List<String> values(InMemoryTransactions.Ended t) {
        return t.records().stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
    }

    @Test
    void theOutputAndTheBatchsOffsetsCommitInOneTransactionAndNoPlainCommitIsMade(TestDriver driver) {
        driver.start(topology(UPPER, t -> t));
        driver.send(T, 0, "k", "a").send(T, 0, "k", "b");
        driver.assign(T, 0).runUntilIdle();
        driver.advanceAndRun(Duration.ofSeconds(10)); // commit intervals pass

        List<InMemoryTransactions.Ended> ended = driver.transactions().ended();
        assertEquals(1, ended.size(), ended.toString());
        assertTrue(ended.get(0).committed());
        assertEquals(List.of("A", "B"), values(ended.get(0)));
        assertEquals(Map.of(new TopicPartition(T, 0), new OffsetAndMetadata(2)), ended.get(0).offsets());
        assertEquals(OptionalLong.of(2), driver.committed(T, 0));
        assertEquals(List.of(), driver.consumer().commits(), "no commit outside a transaction on such a topic");
    }

    @Test
    void sluicesOwnMarksGoIntoAnOffsetsOnlyTransaction(TestDriver driver) {
        driver.start(topology(UPPER, t -> t.filter(tp -> (batch, ctx) -> {
            batch.removeIf(m -> m.value().startsWith("drop"));
            return io.sluice.dsl.Verdict.skip();
        })));
        driver.send(T, 0, "k", "drop-1").send(T, 0, "k", "drop-2");
        driver.assign(T, 0).runUntilIdle();
        driver.advanceAndRun(Duration.ofSeconds(10));

        List<InMemoryTransactions.Ended> ended = driver.transactions().ended();
        assertEquals(1, ended.size(), ended.toString());
        assertTrue(ended.get(0).committed() && ended.get(0).records().isEmpty(), "offsets only: " + ended);
        assertEquals(Map.of(new TopicPartition(T, 0), new OffsetAndMetadata(2)), ended.get(0).offsets());
        assertEquals(List.of(), driver.consumer().commits());
    }

    @Test
    void aDeadLetterIsSentInsideATransactionWithTheOffsetPastIt(TestDriver driver) {
        driver.start(topology((batch, ctx) -> {
            throw new IllegalStateException("bad");
        }, t -> t.deadLetterQueue(DeadLetterQueue.to(DLQ, 0))));
        driver.send(T, 0, "k", "poison");
        driver.assign(T, 0).runUntilIdle();
        driver.advanceAndRun(Duration.ofSeconds(10));

        List<InMemoryTransactions.Ended> ended = driver.transactions().ended();
        assertEquals(1, ended.size(), ended.toString());
        assertEquals(DLQ, ended.get(0).records().get(0).topic());
        assertEquals(Map.of(new TopicPartition(T, 0), new OffsetAndMetadata(1)), ended.get(0).offsets());
        assertTrue(driver.deadLetters().isEmpty(), "not through the plain dead-letter producer");
        assertEquals(List.of(), driver.consumer().commits());
    }

    @Test
    void aJobWhosePartitionWasRevokedGetsNoGroupMetadataAndItsTransactionAborts(TestDriver driver) {
        List<Throwable> seen = new ArrayList<>();
        driver.start(topology((batch, ctx) -> {
            try {
                UPPER.consume(batch, ctx);
            } catch (TransactionAbortedException e) {
                seen.add(e);
                // swallowed on purpose: the job must fail anyway
            }
        }, t -> t));
        driver.send(T, 0, "k", "a");
        driver.assign(T, 0).step(); // the job is queued
        driver.step();
        assertEquals(1, driver.pendingJobs());
        driver.revoke(T, 0).step(); // the grace runs the job while the partition is revoked

        assertEquals(1, seen.size(), "the transaction aborted");
        List<InMemoryTransactions.Ended> ended = driver.transactions().ended();
        assertEquals(1, ended.size());
        assertFalse(ended.get(0).committed(), "aborted: " + ended);
        assertEquals(List.of("A"), values(ended.get(0)));
        assertEquals(OptionalLong.empty(), driver.committed(T, 0), "nothing committed: the new owner redoes it");
    }

    @Test
    void aFencedProducerIsReplacedAndTheBatchRetriedAsAnInfrastructureFailure(TestDriver driver) {
        driver.start(topology(UPPER, t -> t.deadLetterQueue(DLQ, 0)));
        driver.transactions().fenceNext(1);
        driver.send(T, 0, "k", "a");
        driver.assign(T, 0).runUntilIdle();
        assertEquals(1, driver.transactions().replaced().size(), "the fenced producer was replaced");
        for (int i = 0; i < 5 && driver.committed(T, 0).isEmpty(); i++) {
            driver.advanceAndRun(Duration.ofSeconds(10));
        }
        assertEquals(OptionalLong.of(1), driver.committed(T, 0));
        assertTrue(driver.deadLetters().isEmpty() && driver.transactions().ended().stream()
                .allMatch(t -> t.records().stream().noneMatch(r -> r.topic().equals(DLQ))),
                "never dead-lettered: infrastructure");
        List<SluiceEvent.Failed> failures = driver.events(SluiceEvent.Failed.class);
        assertEquals(1, failures.size());
        assertEquals(FailureKind.INFRASTRUCTURE, failures.get(0).kind());
        assertEquals(1, driver.transactions().ended().stream().filter(InMemoryTransactions.Ended::committed)
                .count());
    }

    @Test
    void abortedTransactionsNeverCountTowardTheInfrastructureRetryLimitNorAreDeadLettered(TestDriver driver) {
        // the limit is for the user's own infrastructure failures; an abort is the runtime's (a fenced producer, a
        // zombie, a broker outage) and its Javadoc promises it is never dead-lettered
        driver.start(topology(UPPER, t -> t.infrastructureRetryLimit(1).deadLetterQueue(DLQ, 0)));
        driver.transactions().fenceNext(3);
        driver.send(T, 0, "k", "a");
        driver.assign(T, 0).runUntilIdle();
        for (int i = 0; i < 10 && driver.committed(T, 0).isEmpty(); i++) {
            driver.advanceAndRun(Duration.ofSeconds(10));
        }
        assertEquals(OptionalLong.of(1), driver.committed(T, 0));
        assertTrue(driver.deadLetters().isEmpty() && driver.transactions().ended().stream()
                .allMatch(t -> t.records().stream().noneMatch(r -> r.topic().equals(DLQ))),
                "never dead-lettered");
        List<SluiceEvent.Failed> failures = driver.events(SluiceEvent.Failed.class);
        assertEquals(3, failures.size(), failures.toString());
        assertTrue(failures.stream().allMatch(f -> f.kind() == FailureKind.INFRASTRUCTURE), failures.toString());
        assertEquals(List.of("A"), driver.transactions().ended().stream().filter(InMemoryTransactions.Ended::committed)
                .flatMap(t -> values(t).stream()).toList());
    }

    @Test
    void aTransactionOpenLongerThanTheLongestJobIsAbortedBeforeItCommits(TestDriver driver) {
        driver.kafkaTransactions(1, Duration.ofSeconds(5));
        boolean[] slow = {true};
        driver.start(topology((batch, ctx) -> ctx.transaction(tx -> {
            tx.send(OUT, null, new byte[] {1});
            if (slow[0]) {
                slow[0] = false;
                driver.clock().advance(Duration.ofSeconds(6));
            }
        }), t -> t));
        driver.send(T, 0, "k", "a");
        driver.assign(T, 0).runUntilIdle();
        for (int i = 0; i < 5 && driver.committed(T, 0).isEmpty(); i++) {
            driver.advanceAndRun(Duration.ofSeconds(10));
        }
        List<InMemoryTransactions.Ended> ended = driver.transactions().ended();
        assertFalse(ended.get(0).committed(), "the slow one aborted: " + ended);
        assertTrue(ended.get(1).committed(), "the retry committed: " + ended);
        assertEquals(OptionalLong.of(1), driver.committed(T, 0));
    }

    @Test
    void aSecondTransactionInOneJobAndATransactionOnAnotherTopicAreRefused(TestDriver driver) {
        List<Throwable> seen = new ArrayList<>();
        driver.start(topology((batch, ctx) -> {
            ctx.transaction(tx -> { });
            seen.add(assertThrows(IllegalStateException.class, () -> ctx.transaction(tx -> { })));
        }, t -> t));
        driver.send(T, 0, "k", "a");
        driver.assign(T, 0).runUntilIdle();
        assertEquals(1, seen.size());

        TestDriver plain = TestDriver.create();
        List<Throwable> refused = new ArrayList<>();
        plain.start(Sluice.topology().topic("plain").consumer(() -> (batch, ctx) ->
                refused.add(assertThrows(IllegalStateException.class, () -> ctx.transaction(tx -> { }))))
                .build());
        plain.send("plain", 0, "k", "a").assign("plain", 0).runUntilIdle();
        assertEquals(1, refused.size());
    }

    @Test
    void buildRejectsKafkaTransactionsWithAnOffsetManagerOrWithoutMarkingAfterDispatch() {
        io.sluice.dsl.OffsetAuthority authority = new io.sluice.dsl.OffsetAuthority() {
            @Override
            public OptionalLong read(String group, TopicPartition tp) {
                return OptionalLong.empty();
            }

            @Override
            public void advance(String group, TopicPartition tp, long nextOffset) {
            }
        };
        io.sluice.dsl.FilterFactory<Object, Object> manager = new io.sluice.dsl.FilterFactory<>() {
            @Override
            public io.sluice.dsl.Filter<Object, Object> create(TopicPartition tp) {
                return (batch, ctx) -> io.sluice.dsl.Verdict.notApplied();
            }

            @Override
            public java.util.Optional<io.sluice.dsl.OffsetAuthority> offsetAuthority() {
                return java.util.Optional.of(authority);
            }

            @Override
            public boolean firstInChain() {
                return true;
            }
        };
        TopologyException e = assertThrows(TopologyException.class, () -> Sluice.topology().topic(T)
                .consumer(() -> (b, c) -> { }).filter(manager).kafkaTransactions().build());
        assertTrue(e.getMessage().contains("kafkaTransactions() with an offset manager"), e.getMessage());
        TopologyException dlq = assertThrows(TopologyException.class, () -> Sluice.topology().topic(T)
                .consumer(() -> (b, c) -> { }).kafkaTransactions()
                .deadLetterQueue(DeadLetterQueue.to(DLQ, 1).markAfterDispatch(false)).build());
        assertTrue(dlq.getMessage().contains("markAfterDispatch(false) with kafkaTransactions()"), dlq.getMessage());
    }
}
