package io.sluice.testing;

import static io.sluice.testing.Fixtures.TOPIC;
import static io.sluice.testing.Fixtures.bytes;
import static io.sluice.testing.Fixtures.text;
import static io.sluice.testing.Fixtures.tp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Test;

class InMemoryLogTest {

    private final InMemoryLog log = new InMemoryLog(Clock.fixed(Instant.ofEpochMilli(1_000), ZoneOffset.UTC));

    InMemoryLogTest() {
        log.createTopic(TOPIC, 2);
    }

    @Test
    void appendGivesConsecutiveOffsetsPerPartitionAndStampsTheClock() {
        assertEquals(0, log.append(tp(0), bytes("k"), bytes("a")));
        assertEquals(1, log.append(tp(0), null, bytes("b")));
        assertEquals(0, log.append(tp(1), null, bytes("c")));

        assertEquals(2, log.logEndOffset(tp(0)));
        assertEquals(0, log.logStartOffset(tp(0)));
        LogRecord first = log.records(tp(0)).get(0);
        assertEquals(1_000, first.timestamp());
        assertEquals("k", text(first.key()));
        assertEquals("a", text(first.value()));
    }

    @Test
    void appendAtLeavesAGapAndRefusesToGoBack() {
        log.append(tp(0), null, bytes("a"));
        log.appendAt(tp(0), 5, null, bytes("b"), 7, List.of());

        assertEquals(6, log.logEndOffset(tp(0)));
        assertEquals(List.of(0L, 5L), log.records(tp(0)).stream().map(LogRecord::offset).toList());
        assertThrows(IllegalArgumentException.class, () -> log.appendAt(tp(0), 3, null, null, 0, List.of()));
    }

    @Test
    void skipAdvancesTheLogEndWithoutRecords() {
        log.append(tp(0), null, bytes("a"));
        assertEquals(4, log.skip(tp(0), 3));
        assertEquals(1, log.records(tp(0)).size());
        assertEquals(4, log.append(tp(0), null, bytes("b")));
    }

    @Test
    void truncateBeforeMovesTheLogStartForwardOnly() {
        for (int i = 0; i < 5; i++) {
            log.append(tp(0), null, bytes("v" + i));
        }
        log.truncateBefore(tp(0), 3);
        assertEquals(3, log.logStartOffset(tp(0)));
        assertEquals(List.of(3L, 4L), log.records(tp(0)).stream().map(LogRecord::offset).toList());

        log.truncateBefore(tp(0), 1);
        assertEquals(3, log.logStartOffset(tp(0)));
        assertThrows(IllegalArgumentException.class, () -> log.truncateBefore(tp(0), 6));
        log.truncateBefore(tp(0), 5);
        assertEquals(5, log.logStartOffset(tp(0)));
        assertTrue(log.records(tp(0)).isEmpty());
    }

    @Test
    void compactRemovesOneRecordAndKeepsItsOffsetEmpty() {
        for (int i = 0; i < 3; i++) {
            log.append(tp(0), null, bytes("v" + i));
        }
        log.compact(tp(0), 1);
        assertEquals(List.of(0L, 2L), log.records(tp(0)).stream().map(LogRecord::offset).toList());
        assertEquals(3, log.logEndOffset(tp(0)));
    }

    @Test
    void keysValuesAndHeadersAreCopiedInAndOut() {
        byte[] value = bytes("a");
        byte[] headerValue = bytes("h");
        log.append(tp(0), null, value, 1, List.<Header>of(new RecordHeader("trace", headerValue)));
        value[0] = 'z';
        headerValue[0] = 'z';
        log.records(tp(0)).get(0).value()[0] = 'y';

        LogRecord stored = log.records(tp(0)).get(0);
        assertEquals("a", text(stored.value()));
        assertArrayEquals(bytes("h"), stored.headers().get(0).value());
    }

    @Test
    void committedOffsetsAreKeptPerGroup() {
        log.commit("g1", Map.of(tp(0), new OffsetAndMetadata(4, "meta")));

        assertEquals(Optional.of(new OffsetAndMetadata(4, "meta")), log.committed("g1", tp(0)));
        assertEquals(Optional.empty(), log.committed("g2", tp(0)));
        assertEquals(Map.of(tp(0), new OffsetAndMetadata(4, "meta")), log.committed("g1"));
    }

    @Test
    void topicsAndPartitionsAreChecked() {
        assertThrows(IllegalStateException.class, () -> log.createTopic(TOPIC, 2));
        assertThrows(IllegalArgumentException.class, () -> log.createTopic("other", 0));
        assertThrows(IllegalArgumentException.class, () -> log.append(tp(2), null, null));
        assertEquals(Optional.of(2), log.partitionCount(TOPIC));
        assertEquals(Optional.empty(), log.partitionCount("missing"));
        assertTrue(log.exists(tp(1)));
    }

    @Test
    void firstAtOrAfterFindsTheEarliestRecordAtOrAfterATimestamp() {
        log.append(tp(0), null, null, 10, List.of());
        log.append(tp(0), null, null, 20, List.of());
        assertEquals(1, log.firstAtOrAfter(tp(0), 15).orElseThrow().offset());
        assertTrue(log.firstAtOrAfter(tp(0), 21).isEmpty());
    }
}
