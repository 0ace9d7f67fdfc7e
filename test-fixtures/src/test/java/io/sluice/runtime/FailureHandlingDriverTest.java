package io.sluice.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Batch;
import io.sluice.dsl.ConsumerContext;
import io.sluice.dsl.FilterFactory;
import io.sluice.dsl.Message;
import io.sluice.dsl.MessageFailedException;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.dsl.TopologyBuilder;
import io.sluice.runtime.internal.DeadLetters;
import io.sluice.testing.TestDriver;
import io.sluice.testing.TestDriverExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The failure rules (docs/architecture.md, "Failure kinds" and "Dead letters"): backoff, narrowing, dead letters,
 * filter failures, poison messages.
 */
@ExtendWith(TestDriverExtension.class)
class FailureHandlingDriverTest {

    private static final String T = "payments";
    private static final String DLQ = "payments.dlq";

    /** A consumer that fails on chosen values a given number of times and records every call. */
    static final class Flaky implements io.sluice.dsl.Consumer<String, String> {
        final List<List<Long>> calls = new ArrayList<>();
        final String poisonValue;
        int failuresLeft;
        final boolean nameTheMessage;

        Flaky(String poisonValue, int failures, boolean nameTheMessage) {
            this.poisonValue = poisonValue;
            this.failuresLeft = failures;
            this.nameTheMessage = nameTheMessage;
        }

        @Override
        public void consume(Batch<String, String> batch, ConsumerContext context) {
            calls.add(batch.stream().map(Message::offset).toList());
            for (Message<String, String> m : batch) {
                if (m.value().equals(poisonValue) && failuresLeft != 0) {
                    failuresLeft--;
                    IllegalArgumentException cause = new IllegalArgumentException("cannot pay " + m.value());
                    if (nameTheMessage) {
                        throw new MessageFailedException(m, cause);
                    }
                    throw cause;
                }
            }
        }
    }

    private static Topology topology(io.sluice.dsl.Consumer<String, String> consumer,
                                     UnaryOperator<io.sluice.dsl.TopicBuilder<String, String>> settings) {
        return settings.apply(Sluice.topology().topic(T)
                .deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> consumer)).build();
    }

    private static void sendValues(TestDriver driver, int count) {
        for (int i = 1; i <= count; i++) {
            driver.send(T, 0, "k" + i, "v" + i);
        }
    }

    @Test
    void backoffDoublesFromOneSecondUpToTheCap(TestDriver driver) {
        Flaky flaky = new Flaky("v1", -1, false);
        driver.start(topology(flaky, t -> t.backoff(Duration.ofSeconds(1), Duration.ofSeconds(4))));
        sendValues(driver, 1);
        driver.assign(T, 0).runUntilIdle();
        List<Duration> waits = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            SluiceEvent.Failed last = lastFailure(driver);
            waits.add(last.backoff());
            int calls = flaky.calls.size();
            driver.advanceAndRun(last.backoff().minusMillis(1));
            assertEquals(calls, flaky.calls.size(), "retried before its backoff ran out");
            driver.advanceAndRun(Duration.ofMillis(1));
            assertEquals(calls + 1, flaky.calls.size());
        }
        assertEquals(List.of(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4),
                Duration.ofSeconds(4), Duration.ofSeconds(4)), waits);
    }

    @Test
    void theAttemptCountResetsAfterASuccess(TestDriver driver) {
        Flaky flaky = new Flaky("v1", 2, false);
        driver.start(topology(flaky, t -> t));
        sendValues(driver, 1);
        driver.assign(T, 0).runUntilIdle().advanceAndRun(Duration.ofSeconds(1)).advanceAndRun(Duration.ofSeconds(2));
        assertEquals(List.of(0L), driver.consumedOffsets(T, 0));
        flaky.failuresLeft = 1;
        driver.send(T, 0, "k", "v1").runUntilIdle();
        assertEquals(1, lastFailure(driver).attempt(), "a new failure after a success starts again at 1");
        driver.advanceAndRun(Duration.ofSeconds(1));
        assertEquals(List.of(0L, 1L), driver.consumedOffsets(T, 0));
    }

    @Test
    void aFailingSeventhMessageOfTenIsDeadLetteredAloneAndTheOthersAreConsumedOnce(TestDriver driver) {
        Flaky flaky = new Flaky("v7", -1, false);
        driver.start(topology(flaky, t -> t.deadLetterQueue(DLQ, 3)));
        sendValues(driver, 10);
        driver.assign(T, 0).runUntilIdle();
        for (int i = 0; i < 10 && driver.deadLetters().isEmpty(); i++) {
            driver.advanceAndRun(Duration.ofSeconds(30));
        }
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 7L, 8L, 9L), driver.consumedOffsets(T, 0));
        assertEquals(1, driver.deadLetters().size());
        ProducerRecord<byte[], byte[]> letter = driver.deadLetters().get(0);
        assertEquals(DLQ, letter.topic());
        assertEquals("v7", new String(letter.value(), StandardCharsets.UTF_8));
        assertEquals("6", header(letter, io.sluice.runtime.DeadLetterHeaders.OFFSET));
        assertEquals(T, header(letter, io.sluice.runtime.DeadLetterHeaders.TOPIC));
        assertEquals("0", header(letter, io.sluice.runtime.DeadLetterHeaders.PARTITION));
        assertEquals(IllegalArgumentException.class.getName(), header(letter, io.sluice.runtime.DeadLetterHeaders.EXCEPTION_CLASS));
        assertEquals("cannot pay v7", header(letter, io.sluice.runtime.DeadLetterHeaders.EXCEPTION_MESSAGE));
        assertEquals("4", header(letter, io.sluice.runtime.DeadLetterHeaders.ATTEMPTS), "dead-lettered after maxRetries = 3 retries");
        long callsOfSeven = flaky.calls.stream().filter(c -> c.equals(List.of(6L))).count();
        assertEquals(4, callsOfSeven, "the 7th message alone: its first attempt and 3 retries");
        assertEquals(10, driver.marked(T, 0));
        assertTrue(driver.consumer().seeks().stream().noneMatch(s -> s.offset() >= 1 && s.offset() <= 5),
                "narrowing hands out the fetched records one by one without fetching them again: "
                        + driver.consumer().seeks());
        assertEquals(1, driver.log().records(new org.apache.kafka.common.TopicPartition(DLQ,
                Math.floorMod(java.util.Arrays.hashCode("k7".getBytes(StandardCharsets.UTF_8)), 4))).size());
    }

    @Test
    void aNamedFailingMessageCountsTheMessagesBeforeItAsConsumed(TestDriver driver) {
        Flaky flaky = new Flaky("v3", 1, true);
        driver.start(topology(flaky, t -> t.deadLetterQueue(DLQ, 3)));
        sendValues(driver, 5);
        driver.assign(T, 0).runUntilIdle();
        assertEquals(2, driver.marked(T, 0), "messages before the named one are marked");
        driver.advanceAndRun(Duration.ofSeconds(1));
        assertEquals(List.of(List.of(0L, 1L, 2L, 3L, 4L), List.of(2L), List.of(3L, 4L)), flaky.calls);
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), driver.consumedOffsets(T, 0));
        assertEquals(5, driver.counters().get("messagesConsumed"));
        assertEquals(5, driver.marked(T, 0));
        assertTrue(driver.deadLetters().isEmpty());
    }

    @Test
    void aNamedMessageIsDeadLetteredOnlyAfterTheUnmarkedMessagesBeforeItAreDone(TestDriver driver) {
        // a batch-atomic consumer under manual marking (like offsets.consume): a failure rolls the batch back,
        // so nothing before the named message is done and dead-lettering it at once would skip them
        List<Long> done = new ArrayList<>();
        io.sluice.dsl.Consumer<String, String> atomic = (batch, ctx) -> {
            List<Long> applied = new ArrayList<>();
            for (Message<String, String> m : batch) {
                if (m.value().equals("v3")) {
                    throw new MessageFailedException(m, new IllegalArgumentException("bad"));
                }
                applied.add(m.offset());
            }
            done.addAll(applied);
            ctx.markAsConsumed(batch.get(batch.size() - 1));
        };
        driver.start(topology(atomic, t -> t.manualMarking().deadLetterQueue(DLQ, 0)));
        sendValues(driver, 5);
        driver.assign(T, 0).runUntilIdle();
        for (int i = 0; i < 5 && driver.deadLetters().isEmpty(); i++) {
            driver.advanceAndRun(Duration.ofSeconds(30));
        }
        assertEquals(1, driver.deadLetters().size());
        assertEquals(List.of(0L, 1L, 3L, 4L), done, "0 and 1 were done before 2 was dead-lettered");
        assertEquals(5, driver.marked(T, 0));
    }

    @Test
    void aSeekPastAPoisonMessageIsCarriedOut(TestDriver driver) {
        // e.g. the offset manager: the database is already past the poison message, which was applied long ago
        java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
        FilterFactory<Object, Object> seekPast = tp -> (batch, ctx) ->
                once.getAndSet(true) ? io.sluice.dsl.Verdict.notApplied() : io.sluice.dsl.Verdict.seek(3);
        Flaky flaky = new Flaky("none", 0, false);
        driver.start(poisonTopology(flaky, t -> t.deadLetterQueue(DLQ, 0).filter(seekPast)));
        driver.send(T, 0, "k", "ok-0").send(T, 0, "k", "POISON").send(T, 0, "k", "ok-2").send(T, 0, "k", "ok-3");
        driver.assign(T, 0).runUntilIdle();
        assertEquals(List.of(0L, 3L), driver.consumedOffsets(T, 0));
        assertTrue(driver.deadLetters().isEmpty());
        assertTrue(driver.events(SluiceEvent.Failed.class).isEmpty());
    }

    @Test
    void nonRetryableExceptionsGoStraightToTheDeadLetterQueue(TestDriver driver) {
        Flaky flaky = new Flaky("v2", -1, true);
        driver.start(topology(flaky, t -> t.deadLetterQueue(DLQ, 5)
                .nonRetryable(List.of(IllegalArgumentException.class))));
        sendValues(driver, 3);
        driver.assign(T, 0).runUntilIdle();
        assertEquals(1, driver.deadLetters().size());
        assertEquals("1", header(driver.deadLetters().get(0), io.sluice.runtime.DeadLetterHeaders.ATTEMPTS));
        assertEquals(List.of(0L, 2L), driver.consumedOffsets(T, 0));
    }

    @Test
    void aFailedDeadLetterPublicationMarksNothingAndIsRetried(TestDriver driver) {
        Flaky flaky = new Flaky("v1", -1, false);
        driver.maxPollRecords(1).failNextDeadLetters(2).start(topology(flaky, t -> t.deadLetterQueue(DLQ, 0)));
        sendValues(driver, 2);
        driver.assign(T, 0).runUntilIdle();
        assertTrue(driver.deadLetters().isEmpty());
        assertEquals(-1, driver.marked(T, 0));
        driver.advanceAndRun(Duration.ofSeconds(1));
        assertTrue(driver.deadLetters().isEmpty());
        driver.advanceAndRun(Duration.ofSeconds(2));
        assertEquals(1, driver.deadLetters().size());
        assertEquals(List.of(List.of(0L), List.of(1L)), flaky.calls,
                "the consumer is not called again while the publication is retried");
        assertEquals(2, driver.marked(T, 0));
    }

    @Test
    void aFilterFailureRetriesForeverAndNeverDeadLetters(TestDriver driver) {
        int[] failures = {25};
        FilterFactory<Object, Object> databaseDown = tp -> (batch, ctx) -> {
            if (failures[0]-- > 0) {
                throw new java.sql.SQLTransientConnectionException("database down");
            }
            return io.sluice.dsl.Verdict.notApplied();
        };
        Flaky flaky = new Flaky("none", 0, false);
        driver.start(topology(flaky, t -> t.deadLetterQueue(DLQ, 1).filter(databaseDown)));
        sendValues(driver, 2);
        driver.assign(T, 0).runUntilIdle();
        for (int i = 0; i < 30; i++) {
            driver.advanceAndRun(Duration.ofSeconds(30));
        }
        assertTrue(driver.deadLetters().isEmpty());
        assertEquals(List.of(0L, 1L), driver.consumedOffsets(T, 0));
        assertEquals(25, driver.events(SluiceEvent.Failed.class).stream().filter(f -> f.kind() == io.sluice.runtime.FailureKind.INFRASTRUCTURE)
                .count());
    }

    @Test
    void aPoisonMessageEndsTheBatchBeforeItAndIsDeadLetteredWithItsRawBytes(TestDriver driver) {
        Flaky flaky = new Flaky("none", 0, false);
        driver.start(poisonTopology(flaky, t -> t.deadLetterQueue(DLQ, 0)));
        driver.send(T, 0, "k1", "ok-1").send(T, 0, "k2", "POISON").send(T, 0, "k3", "ok-3");
        driver.assign(T, 0).runUntilIdle();
        assertEquals(List.of(0L, 2L), driver.consumedOffsets(T, 0));
        assertEquals(1, driver.deadLetters().size());
        ProducerRecord<byte[], byte[]> letter = driver.deadLetters().get(0);
        assertEquals("POISON", new String(letter.value(), StandardCharsets.UTF_8));
        assertEquals("1", header(letter, io.sluice.runtime.DeadLetterHeaders.OFFSET));
        assertEquals(SerializationException.class.getName(), header(letter, io.sluice.runtime.DeadLetterHeaders.EXCEPTION_CLASS));
        assertEquals(3, driver.marked(T, 0));
    }

    @Test
    void withoutADeadLetterQueueAPoisonMessageBlocksItsPartitionAndLosesNothing(TestDriver driver) {
        Flaky flaky = new Flaky("none", 0, false);
        driver.start(poisonTopology(flaky, t -> t));
        driver.send(T, 0, "k1", "ok-1").send(T, 0, "k2", "POISON").send(T, 0, "k3", "ok-3");
        driver.assign(T, 0).runUntilIdle();
        for (int i = 0; i < 5; i++) {
            driver.advanceAndRun(Duration.ofSeconds(30));
        }
        assertEquals(List.of(0L), driver.consumedOffsets(T, 0));
        assertEquals(1, driver.marked(T, 0), "nothing past the poison message is marked");
        assertTrue(driver.events(SluiceEvent.Failed.class).stream().allMatch(f -> f.kind() == io.sluice.runtime.FailureKind.POISON
                && f.failedOffset().equals(OptionalLong.of(1))));
    }

    private static Topology poisonTopology(io.sluice.dsl.Consumer<String, String> consumer,
                                           UnaryOperator<io.sluice.dsl.TopicBuilder<String, String>> settings) {
        Deserializer<String> strict = (topic, data) -> {
            String s = new String(data, StandardCharsets.UTF_8);
            if (s.equals("POISON")) {
                throw new SerializationException("not a payment: " + s);
            }
            return s;
        };
        TopologyBuilder b = settings.apply(Sluice.topology().topic(T)
                .deserializers(new StringDeserializer(), strict)
                .consumer(() -> consumer));
        return b.build();
    }

    private static SluiceEvent.Failed lastFailure(TestDriver driver) {
        List<SluiceEvent.Failed> failures = driver.events(SluiceEvent.Failed.class);
        return failures.get(failures.size() - 1);
    }

    private static String header(ProducerRecord<byte[], byte[]> record, String key) {
        return new String(record.headers().lastHeader(key).value(), StandardCharsets.UTF_8);
    }
}
