package io.sluice.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.OptionalLong;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class BatchTest {

    private static final TopicPartition TP = new TopicPartition("orders", 3);

    @Test
    void knowsItsOffsetsAndMessagesInOrder() {
        Batch<String, String> batch = batch(10, 20, 10, 12, 15);

        assertEquals(TP, batch.topicPartition());
        assertEquals(10, batch.fetchOffset());
        assertEquals(20, batch.nextOffset());
        assertEquals(3, batch.size());
        assertFalse(batch.isEmpty());
        assertEquals(OptionalLong.of(10), batch.firstOffset());
        assertEquals(OptionalLong.of(15), batch.lastOffset());
        assertEquals(List.of(10L, 12L, 15L), offsets(batch));
        assertEquals(12, batch.get(1).offset());
        assertEquals(List.of(10L, 12L, 15L), batch.stream().map(Message::offset).toList());
        assertEquals("Batch[orders-3 fetched@10 next@20 size=3]", batch.toString());
    }

    @Test
    void removeIfRemovesMatchesAndCountsThem() {
        Batch<String, String> batch = batch(10, 16, 10, 11, 12, 13, 14, 15);

        assertEquals(3, batch.removeIf(m -> m.offset() % 2 == 1));
        assertEquals(0, batch.removeIf(m -> m.offset() > 100));

        assertEquals(List.of(10L, 12L, 14L), offsets(batch));
        assertEquals(3, batch.removedCount());
    }

    @Test
    void removeFromRemovesEveryMessageAtOrAboveTheOffset() {
        Batch<String, String> batch = batch(10, 20, 10, 12, 15, 17);

        assertEquals(2, batch.removeFrom(15));

        assertEquals(List.of(10L, 12L), offsets(batch));
        assertEquals(0, batch.removeFrom(13));
        assertEquals(2, batch.removeFrom(0));
        assertTrue(batch.isEmpty());
        assertEquals(4, batch.removedCount());
    }

    @Test
    void removeRemovesOneMessage() {
        Batch<String, String> batch = batch(10, 13, 10, 11, 12);
        Message<String, String> middle = batch.get(1);

        assertTrue(batch.remove(middle));
        assertFalse(batch.remove(middle));

        assertEquals(List.of(10L, 12L), offsets(batch));
        assertEquals(1, batch.removedCount());
    }

    @Test
    void clearRemovesEverythingAndKeepsTheFetchOffsets() {
        Batch<String, String> batch = batch(10, 25, 11, 14, 20);
        batch.removeIf(m -> m.offset() == 14);

        assertEquals(2, batch.clear());
        assertEquals(0, batch.clear());

        assertTrue(batch.isEmpty());
        assertEquals(0, batch.size());
        assertEquals(OptionalLong.empty(), batch.firstOffset());
        assertEquals(OptionalLong.empty(), batch.lastOffset());
        assertEquals(3, batch.removedCount());
        assertEquals(10, batch.fetchOffset());
        assertEquals(25, batch.nextOffset());
    }

    @Test
    void fetchAndNextOffsetsDoNotFollowTheMessagesLeft() {
        Batch<String, String> batch = batch(10, 20, 12, 13, 18);

        batch.removeIf(m -> m.offset() == 12 || m.offset() == 18);

        assertEquals(10, batch.fetchOffset());
        assertEquals(20, batch.nextOffset());
        assertEquals(OptionalLong.of(13), batch.firstOffset());
        assertEquals(OptionalLong.of(13), batch.lastOffset());
    }

    @Test
    void theMessagesViewAndIteratorCannotChangeTheBatch() {
        Batch<String, String> batch = batch(0, 2, 0, 1);

        assertThrows(UnsupportedOperationException.class, () -> batch.messages().clear());
        Iterator<Message<String, String>> it = batch.iterator();
        it.next();
        assertThrows(UnsupportedOperationException.class, it::remove);
        assertEquals(2, batch.size());
        assertEquals(0, batch.removedCount());
    }

    @Test
    void copiesTheListItWasMadeFrom() {
        List<Message<String, String>> messages = new ArrayList<>(List.of(message(0), message(1)));
        Batch<String, String> batch = Batch.of(TP, 0, 2, messages);

        messages.clear();

        assertEquals(2, batch.size());
    }

    @Test
    void anEmptyBatchNeedsItsOffsetsGiven() {
        Batch<String, String> empty = Batch.of(TP, 7, 9, List.of());

        assertTrue(empty.isEmpty());
        assertEquals(7, empty.fetchOffset());
        assertEquals(9, empty.nextOffset());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Batch.of(List.of()));
        assertEquals("an empty batch needs its topic partition and offsets", e.getMessage());
    }

    @Test
    void ofConsecutiveMessagesDerivesTheOffsets() {
        Batch<String, String> batch = Batch.of(List.of(message(4), message(5), message(6)));

        assertEquals(TP, batch.topicPartition());
        assertEquals(4, batch.fetchOffset());
        assertEquals(7, batch.nextOffset());
    }

    @Test
    void rejectsANegativeFetchOffset() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Batch.of(TP, -1, 0, List.<Message<String, String>>of()));
        assertEquals("fetchOffset must be >= 0, was -1", e.getMessage());
    }

    @Test
    void rejectsANextOffsetBelowTheFetchOffset() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Batch.of(TP, 5, 4, List.<Message<String, String>>of()));
        assertEquals("nextOffset 4 is below fetchOffset 5 for orders-3", e.getMessage());
    }

    @Test
    void rejectsMessagesOutOfOrderOrRepeated() {
        IllegalArgumentException descending = assertThrows(IllegalArgumentException.class,
                () -> batch(0, 10, 3, 2));
        assertEquals("offset 2 of orders-3 is out of order or outside [0, 10)", descending.getMessage());
        IllegalArgumentException repeated = assertThrows(IllegalArgumentException.class, () -> batch(0, 10, 3, 3));
        assertEquals("offset 3 of orders-3 is out of order or outside [0, 10)", repeated.getMessage());
    }

    @Test
    void rejectsMessagesOutsideTheFetchedRange() {
        IllegalArgumentException below = assertThrows(IllegalArgumentException.class, () -> batch(5, 10, 4));
        assertEquals("offset 4 of orders-3 is out of order or outside [5, 10)", below.getMessage());
        IllegalArgumentException atNext = assertThrows(IllegalArgumentException.class, () -> batch(5, 10, 5, 10));
        assertEquals("offset 10 of orders-3 is out of order or outside [5, 10)", atNext.getMessage());
    }

    @Test
    void rejectsMessagesOfAnotherPartitionOrTopic() {
        Message<String, String> otherPartition = Message.of("orders", 4, 0, 0L, "k", "v");
        Message<String, String> otherTopic = Message.of("payments", 3, 0, 0L, "k", "v");

        IllegalArgumentException partition = assertThrows(IllegalArgumentException.class,
                () -> Batch.of(TP, 0, 1, List.of(otherPartition)));
        assertEquals("message at orders-4@0 does not belong to orders-3", partition.getMessage());
        IllegalArgumentException topic = assertThrows(IllegalArgumentException.class,
                () -> Batch.of(TP, 0, 1, List.of(otherTopic)));
        assertEquals("message at payments-3@0 does not belong to orders-3", topic.getMessage());
    }

    private static Batch<String, String> batch(long fetchOffset, long nextOffset, long... offsets) {
        List<Message<String, String>> messages = new ArrayList<>();
        for (long offset : offsets) {
            messages.add(message(offset));
        }
        return Batch.of(TP, fetchOffset, nextOffset, messages);
    }

    private static Message<String, String> message(long offset) {
        return Message.of(TP.topic(), TP.partition(), offset, 1_000L + offset, "k" + offset, "v" + offset);
    }

    private static List<Long> offsets(Batch<?, ?> batch) {
        List<Long> offsets = new ArrayList<>();
        for (Message<?, ?> m : batch) {
            offsets.add(m.offset());
        }
        return offsets;
    }
}
