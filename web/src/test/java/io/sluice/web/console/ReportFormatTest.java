package io.sluice.web.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ReportFormatTest {

    private static final Instant NOW = Instant.parse("2026-11-30T10:00:00.123Z");

    static PartitionReport partition(int p, boolean database) {
        return new PartitionReport("orders", p, "orders-app-0", "RUNNING", 100 + p, 90 + p, 95 + p,
                database ? Optional.of(new PartitionReport.DatabaseOffset(97 + p, NOW.minusSeconds(1)))
                        : Optional.empty(),
                OptionalLong.of(200 + p), p % 2 == 0 ? OptionalLong.of(110) : OptionalLong.empty(), "SKIP");
    }

    static ProcessReport report(int partitions) {
        List<PartitionReport> rows = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            rows.add(partition(p, p % 3 != 0));
        }
        return new ProcessReport("orders-app", "host-1", "0.1.0", "orders", NOW, Duration.ofSeconds(5), false, 1,
                1, List.of("orders-app-0", "orders-app-1"), rows, Map.of("processed", 12_345L, "failed", 0L));
    }

    @Test
    void aReportReadsBackEqual() {
        ProcessReport report = report(6);
        assertEquals(report, ReportFormat.read(ReportFormat.write(report)));
        assertEquals(OptionalLong.of(7), report.partitions().get(1).drift());
        assertEquals(OptionalLong.empty(), report.partitions().get(0).drift());
    }

    @Test
    void aNewerMinorIsReadAndItsNewFieldsIgnored() {
        String newer = ReportFormat.write(report(2)).replace("\"minor\":0", "\"minor\":7,\"added\":{\"x\":[1]}");
        assertEquals(report(2), ReportFormat.read(newer));
    }

    @Test
    void aNewerMajorIsRefusedWithAMessageSayingWhatToDo() {
        String newer = ReportFormat.write(report(1)).replace("\"major\":1", "\"major\":2");
        NewerReportFormatException e = assertThrows(NewerReportFormatException.class,
                () -> ReportFormat.read(newer));
        assertTrue(e.getMessage().contains("2.0") && e.getMessage().contains("'orders-app'")
                && e.getMessage().contains("upgrade the console"), e.getMessage());
    }

    @Test
    void somethingElseIsNotAReport() {
        assertThrows(IllegalArgumentException.class, () -> ReportFormat.read("[]"));
        assertThrows(IllegalArgumentException.class, () -> ReportFormat.read("{\"format\":\"other\"}"));
        String noProcess = ReportFormat.write(report(1)).replace("\"process\":\"orders-app\"", "\"process\":7");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReportFormat.read(noProcess));
        assertTrue(e.getMessage().contains("'process'"), e.getMessage());
    }

    @Test
    void aNumberBeyondAnIntIsRefusedRatherThanWrappedOntoAnotherPartition() {
        String json = ReportFormat.write(report(1));
        assertTrue(json.contains("\"partition\":0"), json);
        // 2^32: cast to int it would be partition 0, the row of a partition that was never reported
        assertThrows(IllegalArgumentException.class,
                () -> ReportFormat.read(json.replace("\"partition\":0", "\"partition\":4294967296")));
        assertThrows(IllegalArgumentException.class,
                () -> ReportFormat.read(json.replace("\"parts\":1", "\"parts\":4294967297")));
    }

    @Test
    void aLargeReportIsSplitUnderTheCapIntoPiecesThatTogetherHoldEveryPartition() {
        ProcessReport report = report(500);
        int cap = 8_000;
        List<String> pieces = ReportFormat.split(report, cap);
        assertTrue(pieces.size() > 1, "pieces: " + pieces.size());
        List<PartitionReport> all = new ArrayList<>();
        for (int i = 0; i < pieces.size(); i++) {
            assertTrue(pieces.get(i).getBytes(StandardCharsets.UTF_8).length <= cap, "piece " + i);
            ProcessReport piece = ReportFormat.read(pieces.get(i));
            assertEquals(i + 1, piece.part());
            assertEquals(pieces.size(), piece.parts());
            assertEquals(report.counters(), piece.counters());
            all.addAll(piece.partitions());
        }
        assertEquals(report.partitions(), all);
        assertEquals(List.of(ReportFormat.write(report(3))), ReportFormat.split(report(3), cap));
        assertThrows(IllegalArgumentException.class, () -> ReportFormat.split(report(3), 200));
    }
}
