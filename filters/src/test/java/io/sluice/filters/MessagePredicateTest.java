package io.sluice.filters;

import static io.sluice.filters.Batches.offsets;
import static io.sluice.filters.StubFilterContext.TP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Batch;
import io.sluice.dsl.Filter;
import io.sluice.dsl.Message;
import io.sluice.dsl.Verdict;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class MessagePredicateTest {

    private final StubFilterContext context = new StubFilterContext();

    private Batch<String, Integer> numbers(int... values) {
        List<Message<String, Integer>> messages = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            messages.add(Message.of("t", 0, 100 + i, Instant.EPOCH.toEpochMilli(), "k", values[i]));
        }
        return Batch.of(messages);
    }

    private static List<Integer> values(Batch<String, Integer> batch) {
        return batch.stream().map(Message::value).toList();
    }

    @Test
    void keepIfKeepsTheMatchingMessagesAndMarksPastTheLastDropped() throws Exception {
        Filter<? super String, ? super Integer> even = MessagePredicate.<String, Integer>keepIf(m -> m.value() % 2 == 0).create(TP);
        Batch<String, Integer> batch = numbers(1, 2, 3, 4, 6);   // offsets 100..104

        Verdict verdict = even.apply(batch, context);

        assertEquals(List.of(2, 4, 6), values(batch));
        assertEquals(List.of(101L, 103L, 104L), offsets(batch));
        assertEquals(Verdict.skip().marking(103), verdict);
    }

    @Test
    void keepingEverythingIsNotApplied() throws Exception {
        Filter<? super String, ? super Integer> all = MessagePredicate.<String, Integer>keepIf(m -> true).create(TP);
        Batch<String, Integer> batch = numbers(1, 2);

        assertEquals(Verdict.notApplied(), all.apply(batch, context));
        assertEquals(List.of(1, 2), values(batch));
    }

    @Test
    void droppingEverythingEmptiesTheBatchAndMarksPastIt() throws Exception {
        Filter<? super String, ? super Integer> none = MessagePredicate.<String, Integer>keepIf(m -> false).create(TP);
        Batch<String, Integer> batch = numbers(1, 2, 3);

        Verdict verdict = none.apply(batch, context);

        assertTrue(batch.isEmpty());
        assertEquals(Verdict.skip().marking(103), verdict);
    }

    @Test
    void dropIfDropsTheMatchingMessages() throws Exception {
        Filter<? super String, ? super Integer> odd = MessagePredicate.<String, Integer>dropIf(m -> m.value() % 2 != 0).create(TP);
        Batch<String, Integer> batch = numbers(2, 3, 4, 5);

        Verdict verdict = odd.apply(batch, context);

        assertEquals(List.of(2, 4), values(batch));
        assertEquals(Verdict.skip().marking(104), verdict);
    }

    @Test
    void dropIfDroppingNothingIsNotApplied() throws Exception {
        Filter<? super String, ? super Integer> none = MessagePredicate.<String, Integer>dropIf(m -> false).create(TP);

        assertEquals(Verdict.notApplied(), none.apply(numbers(1, 2), context));
    }

    @Test
    void asksThePredicateOncePerMessageInOffsetOrder() throws Exception {
        List<Long> asked = new ArrayList<>();
        Filter<? super String, ? super Integer> filter = MessagePredicate.<String, Integer>keepIf(m -> {
            asked.add(m.offset());
            return m.value() > 1;
        }).create(TP);

        filter.apply(numbers(1, 2, 0, 3), context);

        assertEquals(List.of(100L, 101L, 102L, 103L), asked);
    }

    @Test
    void aPredicateOverAnyMessageFits() throws Exception {
        Predicate<Message<?, ?>> hasKey = m -> m.key() != null;
        Filter<? super String, ? super Integer> filter = MessagePredicate.<String, Integer>keepIf(hasKey).create(TP);
        Batch<String, Integer> batch = Batch.of(List.of(
                Message.<String, Integer>of("t", 0, 0, 0, null, 1),
                Message.of("t", 0, 1, 0, "k", 2)));

        Verdict verdict = filter.apply(batch, context);

        assertEquals(List.of(2), values(batch));
        assertEquals(Verdict.skip().marking(1), verdict);
    }

    @Test
    void describesItselfAsDeclared() {
        assertEquals("keepIf", MessagePredicate.keepIf(m -> true).describe());
        assertEquals("dropIf", MessagePredicate.dropIf(m -> true).describe());
    }

    @Test
    void rejectsAMissingPredicate() {
        IllegalArgumentException keep =
                assertThrows(IllegalArgumentException.class, () -> MessagePredicate.keepIf(null));
        assertEquals("keepIf predicate must be given, was null", keep.getMessage());
        IllegalArgumentException drop =
                assertThrows(IllegalArgumentException.class, () -> MessagePredicate.dropIf(null));
        assertEquals("dropIf predicate must be given, was null", drop.getMessage());
    }
}
