package io.sluice.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.DeadLetterQueue;
import io.sluice.dsl.Message;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.TopicBuilder;
import io.sluice.dsl.Topology;
import io.sluice.runtime.metrics.SluiceMetrics;
import io.sluice.testing.TestDriver;
import io.sluice.testing.TestDriverExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The dead-letter options: headers and their limits, no error details, discarding, marking after dispatch. */
@ExtendWith(TestDriverExtension.class)
class DeadLetterOptionsDriverTest {

    private static final String T = "orders";
    private static final String DLQ = "orders.dlq";

    /** Fails every message whose value starts with "bad" with {@code error}; records what it consumed. */
    static final class FailsBad implements io.sluice.dsl.Consumer<String, String> {
        final List<Long> consumed = new ArrayList<>();
        final RuntimeException error;

        FailsBad(RuntimeException error) {
            this.error = error;
        }

        @Override
        public void consume(io.sluice.dsl.Batch<String, String> batch, io.sluice.dsl.ConsumerContext ctx) {
            for (Message<String, String> m : batch) {
                if (m.value().startsWith("bad")) {
                    throw new io.sluice.dsl.MessageFailedException(m, error);
                }
                consumed.add(m.offset());
            }
        }
    }

    private static Topology topology(io.sluice.dsl.Consumer<String, String> consumer,
                                     UnaryOperator<TopicBuilder<String, String>> settings) {
        return settings.apply(Sluice.topology().topic(T)
                .deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> consumer)).build();
    }

    private static String text(ProducerRecord<byte[], byte[]> record, String header) {
        Header h = record.headers().lastHeader(header);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static void runUntilDeadLettered(TestDriver driver) {
        driver.assign(T, 0).runUntilIdle();
        for (int i = 0; i < 5; i++) {
            driver.advanceAndRun(Duration.ofSeconds(30));
        }
    }

    @Test
    void aDeadLetterNamesTheGroupAndTimestampTypeAndCarriesBoundedErrorDetails(TestDriver driver) {
        String longMessage = "x".repeat(3000) + "\u00e9".repeat(3000); // two-byte characters at the cut
        FailsBad consumer = new FailsBad(new IllegalStateException(longMessage));
        driver.groupId("billing").start(topology(consumer, t -> t.deadLetterQueue(DLQ, 0)));
        driver.send(T, 0, "k", "ok").send(T, 0, "k", "bad").send(T, 0, "k", "ok");
        runUntilDeadLettered(driver);

        assertEquals(1, driver.deadLetters().size());
        ProducerRecord<byte[], byte[]> letter = driver.deadLetters().get(0);
        assertEquals("billing", text(letter, DeadLetterHeaders.CONSUMER_GROUP));
        assertEquals("CreateTime", text(letter, DeadLetterHeaders.TIMESTAMP_TYPE));
        byte[] message = letter.headers().lastHeader(DeadLetterHeaders.EXCEPTION_MESSAGE).value();
        assertTrue(message.length <= 1024 && message.length > 1000, "cut to at most 1 KiB: " + message.length);
        String messageText = new String(message, StandardCharsets.UTF_8);
        assertTrue(messageText.endsWith("\u2026") && messageText.startsWith("xxx"), "ends with an ellipsis");
        assertFalse(messageText.contains("\ufffd"), "never cut inside a character");
        byte[] stack = letter.headers().lastHeader(DeadLetterHeaders.EXCEPTION_STACK_TRACE).value();
        assertTrue(stack.length <= 8 * 1024 && stack.length > 8000, "cut to at most 8 KiB: " + stack.length);
        String stackText = new String(stack, StandardCharsets.UTF_8);
        assertTrue(stackText.startsWith(IllegalStateException.class.getName() + ": xxx"), stackText.substring(0, 80));
        assertFalse(stackText.contains("\ufffd"), "never cut inside a character");
        assertEquals(List.of(0L, 2L), consumer.consumed);
    }

    @Test
    void aShortStackTraceIsCarriedWhole(TestDriver driver) {
        IllegalArgumentException error = new IllegalArgumentException("card declined");
        error.setStackTrace(new StackTraceElement[] {
            new StackTraceElement("shop.Payments", "charge", "Payments.java", 42)});
        FailsBad consumer = new FailsBad(error);
        driver.start(topology(consumer, t -> t.deadLetterQueue(DLQ, 0)));
        driver.send(T, 0, "k", "bad");
        runUntilDeadLettered(driver);

        ProducerRecord<byte[], byte[]> letter = driver.deadLetters().get(0);
        assertEquals("card declined", text(letter, DeadLetterHeaders.EXCEPTION_MESSAGE));
        String nl = System.lineSeparator();
        assertEquals(IllegalArgumentException.class.getName() + ": card declined" + nl
                + "\tat shop.Payments.charge(Payments.java:42)" + nl,
                text(letter, DeadLetterHeaders.EXCEPTION_STACK_TRACE));
    }

    @Test
    void withoutErrorDetailsADeadLetterCarriesNeitherMessageNorStackTrace(TestDriver driver) {
        FailsBad consumer = new FailsBad(new IllegalStateException("password=hunter2"));
        driver.start(topology(consumer, t -> t.deadLetterQueue(DeadLetterQueue.to(DLQ, 0).withoutErrorDetails())));
        driver.send(T, 0, "k", "bad");
        runUntilDeadLettered(driver);

        ProducerRecord<byte[], byte[]> letter = driver.deadLetters().get(0);
        assertEquals(IllegalStateException.class.getName(), text(letter, DeadLetterHeaders.EXCEPTION_CLASS));
        assertNull(letter.headers().lastHeader(DeadLetterHeaders.EXCEPTION_MESSAGE));
        assertNull(letter.headers().lastHeader(DeadLetterHeaders.EXCEPTION_STACK_TRACE));
        for (Header h : letter.headers()) {
            assertFalse(new String(h.value(), StandardCharsets.UTF_8).contains("hunter2"), h.key());
        }
    }

    @Test
    void discardDropsTheMessageAfterItsRetriesMarksItAndPublishesNothing(TestDriver driver) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SluiceMetrics metrics = SluiceMetrics.over(driver::partitions, java.util.List.of());
        metrics.bindTo(registry);
        FailsBad consumer = new FailsBad(new IllegalStateException("no"));
        driver.listener(metrics).start(topology(consumer, t -> t.deadLetterQueue(DeadLetterQueue.discard(1))));
        driver.send(T, 0, "k", "ok").send(T, 0, "k", "bad").send(T, 0, "k", "ok");
        runUntilDeadLettered(driver);

        assertTrue(driver.deadLetters().isEmpty(), "nothing published");
        assertEquals(List.of(0L, 2L), consumer.consumed);
        assertEquals(3, driver.marked(T, 0), "the discarded message is marked");
        List<SluiceEvent.Discarded> discarded = driver.events(SluiceEvent.Discarded.class);
        assertEquals(1, discarded.size());
        assertEquals(1, discarded.get(0).offset());
        assertEquals(2, discarded.get(0).attempts(), "the first attempt and one retry");
        assertTrue(driver.events(SluiceEvent.DeadLettered.class).isEmpty());
        assertEquals(1, driver.counters().get("discarded"));
        assertEquals(0, driver.counters().get("deadLettered"));
        assertNotNull(registry.find(SluiceMetrics.DISCARDED).counter());
        assertEquals(1.0, registry.find(SluiceMetrics.DISCARDED).counter().count());
    }

    @Test
    void markAfterDispatchOffUnderAutomaticMarkingMovesPastTheDeadLetterWithoutMarkingIt(TestDriver driver) {
        FailsBad consumer = new FailsBad(new IllegalStateException("no"));
        driver.start(topology(consumer, t -> t.deadLetterQueue(DeadLetterQueue.to(DLQ, 0).markAfterDispatch(false))));
        driver.send(T, 0, "k", "ok").send(T, 0, "k", "bad");
        runUntilDeadLettered(driver);

        assertEquals(1, driver.deadLetters().size());
        assertEquals(1, driver.marked(T, 0), "the message before it is marked, the dead letter is not");
        assertEquals(2, driver.position(T, 0), "the position moved past the dead letter");
        driver.send(T, 0, "k", "ok").runUntilIdle();
        assertEquals(List.of(0L, 2L), consumer.consumed, "the dead letter is not handed out again");
        assertEquals(3, driver.marked(T, 0), "the next mark covers it");
    }

    @Test
    void markAfterDispatchOnUnderManualMarkingMarksTheDeadLetter(TestDriver driver) {
        List<Long> consumed = new ArrayList<>();
        io.sluice.dsl.Consumer<String, String> marking = (batch, ctx) -> {
            for (Message<String, String> m : batch) {
                if (m.value().equals("bad")) {
                    throw new io.sluice.dsl.MessageFailedException(m, new IllegalStateException("no"));
                }
                consumed.add(m.offset());
                ctx.markAsConsumed(m);
            }
        };
        driver.start(topology(marking, t -> t.manualMarking()
                .deadLetterQueue(DeadLetterQueue.to(DLQ, 0).markAfterDispatch(true))));
        driver.send(T, 0, "k", "ok").send(T, 0, "k", "bad");
        runUntilDeadLettered(driver);

        assertEquals(1, driver.deadLetters().size());
        assertEquals(List.of(0L), consumed);
        assertEquals(2, driver.marked(T, 0), "the runtime marked past the dead letter under manual marking");
    }

    @Test
    void byDefaultManualMarkingLeavesTheDeadLetterUnmarked(TestDriver driver) {
        io.sluice.dsl.Consumer<String, String> marking = (batch, ctx) -> {
            for (Message<String, String> m : batch) {
                if (m.value().equals("bad")) {
                    throw new io.sluice.dsl.MessageFailedException(m, new IllegalStateException("no"));
                }
                ctx.markAsConsumed(m);
            }
        };
        driver.start(topology(marking, t -> t.manualMarking().deadLetterQueue(DLQ, 0)));
        driver.send(T, 0, "k", "ok").send(T, 0, "k", "bad");
        runUntilDeadLettered(driver);

        assertEquals(1, driver.deadLetters().size());
        assertEquals(1, driver.marked(T, 0));
    }
}
