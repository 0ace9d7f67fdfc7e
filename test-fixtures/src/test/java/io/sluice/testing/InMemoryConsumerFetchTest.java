package io.sluice.testing;

import static io.sluice.testing.Fixtures.TOPIC;
import static io.sluice.testing.Fixtures.bytes;
import static io.sluice.testing.Fixtures.offsets;
import static io.sluice.testing.Fixtures.produce;
import static io.sluice.testing.Fixtures.text;
import static io.sluice.testing.Fixtures.tp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.NoOffsetForPartitionException;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/** Positions, fetching, gaps, retention, max.poll.records, pause and reset policies. */
class InMemoryConsumerFetchTest {

    private static final Duration POLL = Duration.ofMillis(100);

    private final InMemoryLog log = new InMemoryLog();

    InMemoryConsumerFetchTest() {
        log.createTopic(TOPIC, 3);
    }

    private InMemoryConsumer consumer(AutoOffsetReset reset, int maxPollRecords) {
        return new InMemoryConsumer(log, new InMemoryConsumerConfig("g", reset, maxPollRecords));
    }

    private InMemoryConsumer assigned(AutoOffsetReset reset, int maxPollRecords, TopicPartition... partitions) {
        InMemoryConsumer consumer = consumer(reset, maxPollRecords);
        consumer.assign(List.of(partitions));
        return consumer;
    }

    @Test
    void recordsCarryKeyValueHeadersAndTimestamp() {
        log.append(tp(0), bytes("k"), bytes("v"), 42, List.<Header>of(new RecordHeader("h", bytes("x"))));
        InMemoryConsumer consumer = assigned(AutoOffsetReset.EARLIEST, 10, tp(0));

        ConsumerRecord<byte[], byte[]> record = consumer.poll(POLL).iterator().next();

        assertEquals(TOPIC, record.topic());
        assertEquals(0, record.partition());
        assertEquals(0, record.offset());
        assertEquals("k", text(record.key()));
        assertEquals("v", text(record.value()));
        assertEquals(42, record.timestamp());
        assertEquals(TimestampType.CREATE_TIME, record.timestampType());
        assertEquals("x", text(record.headers().lastHeader("h").value()));
        assertEquals(1, record.serializedKeySize());
    }

    @Test
    void earliestStartsAtTheLogStartAndLatestAtTheLogEnd() {
        produce(log, tp(0), 3);
        log.truncateBefore(tp(0), 1);

        assertEquals(List.of(1L, 2L), offsets(assigned(AutoOffsetReset.EARLIEST, 10, tp(0)).poll(POLL), tp(0)));

        InMemoryConsumer latest = assigned(AutoOffsetReset.LATEST, 10, tp(0));
        assertTrue(latest.poll(POLL).isEmpty());
        produce(log, tp(0), 1);
        assertEquals(List.of(3L), offsets(latest.poll(POLL), tp(0)));
    }

    @Test
    void noneWithoutACommittedOffsetThrowsOnPollAndPosition() {
        produce(log, tp(0), 3);
        InMemoryConsumer consumer = assigned(AutoOffsetReset.NONE, 10, tp(0));

        NoOffsetForPartitionException error = assertThrows(NoOffsetForPartitionException.class,
                () -> consumer.poll(POLL));
        assertEquals(Set.of(tp(0)), error.partitions());
        assertThrows(NoOffsetForPartitionException.class, () -> consumer.position(tp(0)));

        consumer.seek(tp(0), 1);
        assertEquals(List.of(1L, 2L), offsets(consumer.poll(POLL), tp(0)));
    }

    @Test
    void theCommittedOffsetWinsOverTheResetPolicy() {
        produce(log, tp(0), 5);
        log.commit("g", Map.of(tp(0), new OffsetAndMetadata(3)));
        InMemoryConsumer consumer = assigned(AutoOffsetReset.NONE, 10, tp(0));

        assertEquals(3, consumer.position(tp(0)));
        assertEquals(List.of(3L, 4L), offsets(consumer.poll(POLL), tp(0)));
    }

    @Test
    void aSeekBackRedeliversTheSameRecords() {
        produce(log, tp(0), 4);
        InMemoryConsumer consumer = assigned(AutoOffsetReset.EARLIEST, 10, tp(0));
        assertEquals(List.of(0L, 1L, 2L, 3L), offsets(consumer.poll(POLL), tp(0)));
        assertTrue(consumer.poll(POLL).isEmpty());

        consumer.seek(tp(0), 1);

        ConsumerRecords<byte[], byte[]> again = consumer.poll(POLL);
        assertEquals(List.of(1L, 2L, 3L), offsets(again, tp(0)));
        assertEquals("v1", text(again.records(tp(0)).get(0).value()));
        assertEquals(List.of(new InMemoryConsumer.Seek(tp(0), 1)), consumer.seeks());
        assertEquals(4, consumer.position(tp(0)));
    }

    @Test
    void gapsInTheMiddleAreSteppedOver() {
        produce(log, tp(0), 2);                // 0, 1
        log.skip(tp(0), 2);                     // 2, 3: transaction markers
        produce(log, tp(0), 2);                // 4, 5
        log.compact(tp(0), 4);
        InMemoryConsumer consumer = assigned(AutoOffsetReset.EARLIEST, 10, tp(0));

        ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);

        assertEquals(List.of(0L, 1L, 5L), offsets(records, tp(0)));
        assertEquals(Map.of(tp(0), new OffsetAndMetadata(6)), records.nextOffsets());
    }

    @Test
    void aTrailingGapIsSteppedOverAndReportedInNextOffsets() {
        produce(log, tp(0), 2);
        log.skip(tp(0), 3);                     // a commit marker and aborted records at 2..4
        InMemoryConsumer consumer = assigned(AutoOffsetReset.EARLIEST, 10, tp(0));

        ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);

        assertEquals(List.of(0L, 1L), offsets(records, tp(0)));
        assertEquals(Map.of(tp(0), new OffsetAndMetadata(5)), records.nextOffsets());
        assertEquals(5, consumer.position(tp(0)));
    }

    @Test
    void aGapAloneMovesThePositionWithAnEmptyBatch() {
        produce(log, tp(0), 2);
        InMemoryConsumer consumer = assigned(AutoOffsetReset.EARLIEST, 10, tp(0));
        consumer.poll(POLL);
        log.skip(tp(0), 1);

        ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);

        assertTrue(records.isEmpty());
        assertEquals(Map.of(tp(0), new OffsetAndMetadata(3)), records.nextOffsets());
        assertTrue(consumer.poll(POLL).nextOffsets().isEmpty());
    }

    @Test
    void retentionPastThePositionResetsPerPolicy() {
        produce(log, tp(0), 10);
        InMemoryConsumer earliest = assigned(AutoOffsetReset.EARLIEST, 2, tp(0));
        InMemoryConsumer latest = assigned(AutoOffsetReset.LATEST, 2, tp(0));
        InMemoryConsumer none = assigned(AutoOffsetReset.NONE, 2, tp(0));
        earliest.seek(tp(0), 0);
        latest.seek(tp(0), 0);
        none.seek(tp(0), 0);
        earliest.poll(POLL);

        log.truncateBefore(tp(0), 6);

        assertEquals(List.of(6L, 7L), offsets(earliest.poll(POLL), tp(0)));
        assertTrue(latest.poll(POLL).isEmpty());
        assertEquals(10, latest.position(tp(0)));
        OffsetOutOfRangeException error = assertThrows(OffsetOutOfRangeException.class, () -> none.poll(POLL));
        assertEquals(Map.of(tp(0), 0L), error.offsetOutOfRangePartitions());
    }

    @Test
    void aCommittedOffsetOutsideTheLogIsResetAtTheNextPoll() {
        produce(log, tp(0), 5);
        log.commit("g", Map.of(tp(0), new OffsetAndMetadata(2)));
        log.truncateBefore(tp(0), 4);
        InMemoryConsumer consumer = assigned(AutoOffsetReset.EARLIEST, 10, tp(0));

        assertEquals(2, consumer.position(tp(0)), "KafkaConsumer reports the committed offset until it fetches");
        assertEquals(List.of(4L), offsets(consumer.poll(POLL), tp(0)));

        log.commit("g", Map.of(tp(1), new OffsetAndMetadata(99)));
        produce(log, tp(1), 2);
        InMemoryConsumer beyond = assigned(AutoOffsetReset.EARLIEST, 10, tp(1));
        assertEquals(List.of(0L, 1L), offsets(beyond.poll(POLL), tp(1)));
    }

    @Test
    void aSeekBeyondTheLogEndIsReset() {
        produce(log, tp(0), 3);
        InMemoryConsumer consumer = assigned(AutoOffsetReset.LATEST, 10, tp(0));
        consumer.seek(tp(0), 50);

        assertTrue(consumer.poll(POLL).isEmpty());
        assertEquals(3, consumer.position(tp(0)));
    }

    @Test
    void maxPollRecordsCapsAPollAndThePositionFollowsTheLastRecordReturned() {
        produce(log, tp(0), 5);
        InMemoryConsumer consumer = assigned(AutoOffsetReset.EARLIEST, 2, tp(0));

        ConsumerRecords<byte[], byte[]> first = consumer.poll(POLL);

        assertEquals(List.of(0L, 1L), offsets(first, tp(0)));
        assertEquals(Map.of(tp(0), new OffsetAndMetadata(2)), first.nextOffsets());
        assertEquals(List.of(2L, 3L), offsets(consumer.poll(POLL), tp(0)));
        assertEquals(List.of(4L), offsets(consumer.poll(POLL), tp(0)));
        assertEquals(5, consumer.position(tp(0)));
    }

    @Test
    void pollsRotateFairlyAcrossPartitions() {
        for (int p = 0; p < 3; p++) {
            produce(log, tp(p), 10);
        }
        InMemoryConsumer consumer = assigned(AutoOffsetReset.EARLIEST, 4, tp(0), tp(1), tp(2));
        Map<TopicPartition, List<Long>> seen = new HashMap<>();
        List<Set<TopicPartition>> servedPerPoll = new ArrayList<>();

        for (int i = 0; i < 9; i++) {
            ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
            assertTrue(records.count() <= 4);
            servedPerPoll.add(records.partitions());
            for (TopicPartition partition : records.partitions()) {
                seen.computeIfAbsent(partition, p -> new ArrayList<>()).addAll(offsets(records, partition));
            }
        }

        for (int i = 0; i + 2 < servedPerPoll.size(); i++) {
            Set<TopicPartition> window = new java.util.HashSet<>();
            for (int j = i; j < i + 3; j++) {
                window.addAll(servedPerPoll.get(j));
            }
            assertEquals(3, window.size(), "every partition is served within three polls: " + servedPerPoll);
        }
        List<Long> all = java.util.stream.LongStream.range(0, 10).boxed().toList();
        for (int p = 0; p < 3; p++) {
            assertEquals(all, seen.get(tp(p)), "partition " + p + " is read in order, nothing skipped");
        }
    }

    @Test
    void aFetchFillsUpFromTheNextPartitionWhenOneRunsDry() {
        produce(log, tp(0), 1);
        produce(log, tp(1), 5);
        InMemoryConsumer consumer = assigned(AutoOffsetReset.EARLIEST, 4, tp(0), tp(1));

        ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);

        assertEquals(4, records.count());
        assertEquals(List.of(0L), offsets(records, tp(0)));
        assertEquals(List.of(0L, 1L, 2L), offsets(records, tp(1)));
    }

    @Test
    void pauseStopsFetchingAndResumeRestartsFromThePosition() {
        produce(log, tp(0), 2);
        produce(log, tp(1), 2);
        InMemoryConsumer consumer = assigned(AutoOffsetReset.EARLIEST, 1, tp(0), tp(1));
        consumer.pause(List.of(tp(0)));

        assertEquals(Set.of(tp(0)), consumer.paused());
        List<Long> fromP1 = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
            assertTrue(records.records(tp(0)).isEmpty());
            fromP1.addAll(offsets(records, tp(1)));
        }
        assertEquals(List.of(0L, 1L), fromP1);

        consumer.resume(List.of(tp(0)));
        assertEquals(Set.of(), consumer.paused());
        assertEquals(List.of(0L), offsets(consumer.poll(POLL), tp(0)));
        assertEquals(List.of(tp(0)), consumer.pauseHistory());
        assertEquals(List.of(tp(0)), consumer.resumeHistory());
    }

    @Test
    void seekPauseAndPositionRefuseUnassignedPartitions() {
        InMemoryConsumer consumer = assigned(AutoOffsetReset.EARLIEST, 1, tp(0));

        assertThrows(IllegalStateException.class, () -> consumer.seek(tp(1), 0));
        assertThrows(IllegalStateException.class, () -> consumer.pause(List.of(tp(0), tp(1))));
        assertEquals(Set.of(), consumer.paused(), "a refused pause pauses nothing");
        assertThrows(IllegalStateException.class, () -> consumer.position(tp(1)));
        assertThrows(IllegalArgumentException.class, () -> consumer.seek(tp(0), -1));
    }

    @Test
    void seekToBeginningAndEndUseTheLogBoundsAndDefaultToTheWholeAssignment() {
        produce(log, tp(0), 4);
        produce(log, tp(1), 2);
        log.truncateBefore(tp(0), 1);
        InMemoryConsumer consumer = assigned(AutoOffsetReset.LATEST, 10, tp(0), tp(1));

        consumer.seekToBeginning(List.of());
        assertEquals(1, consumer.position(tp(0)));
        assertEquals(0, consumer.position(tp(1)));

        consumer.seekToEnd(List.of(tp(1)));
        assertEquals(2, consumer.position(tp(1)));
        assertEquals(List.of(new InMemoryConsumer.Seek(tp(0), 1), new InMemoryConsumer.Seek(tp(1), 0),
                new InMemoryConsumer.Seek(tp(1), 2)), consumer.seeks());
    }

    @Test
    void offsetQueriesReadTheLog() {
        produce(log, tp(0), 4);
        log.truncateBefore(tp(0), 1);
        InMemoryConsumer consumer = consumer(AutoOffsetReset.EARLIEST, 10);

        assertEquals(Map.of(tp(0), 1L), consumer.beginningOffsets(List.of(tp(0))));
        assertEquals(Map.of(tp(0), 4L), consumer.endOffsets(List.of(tp(0))));
        assertEquals(3, consumer.partitionsFor(TOPIC).size());
        assertEquals(Set.of(TOPIC), consumer.listTopics().keySet());
        assertTrue(consumer.partitionsFor("missing").isEmpty());
    }

    @Test
    void pollRefusesAnUnsubscribedConsumer() {
        InMemoryConsumer consumer = consumer(AutoOffsetReset.EARLIEST, 10);
        IllegalStateException error = assertThrows(IllegalStateException.class, () -> consumer.poll(POLL));
        assertTrue(error.getMessage().contains("UNSUBSCRIBED"), error.getMessage());
    }
}
