package io.sluice.web.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ConsoleStateTest {

    private static final Duration INTERVAL = Duration.ofMillis(500);
    private static final Duration TTL = Duration.ofSeconds(5);

    private final ManualClock clock = new ManualClock(Instant.parse("2026-11-30T12:00:00Z"));
    private final ConsoleState state = new ConsoleState(clock, TTL, Duration.ofMinutes(2), 1_000, 3);

    private ProcessReport report(String process, boolean last, PartitionReport... partitions) {
        return new ProcessReport(process, "h", "0.1.0", "orders", clock.instant(), INTERVAL, last, 1, 1,
                List.of(process + "-0"), List.of(partitions), Map.of("processed", 1L));
    }

    private static PartitionReport partition(int p, long marked, long committed, Long database, long lag) {
        return new PartitionReport("orders", p, "i", "RUNNING", marked, committed, marked,
                database == null ? Optional.empty()
                        : Optional.of(new PartitionReport.DatabaseOffset(database, Instant.EPOCH)),
                OptionalLong.of(marked + lag), OptionalLong.of(lag), "SKIP");
    }

    private Map<String, ConsoleState.Status> statuses() {
        Map<String, ConsoleState.Status> s = new java.util.TreeMap<>();
        state.processes().forEach(v -> s.put(v.process(), v.status()));
        return s;
    }

    @Test
    void aSilentProcessTurnsStaleThenGoneThenLeavesAndAClosedOneIsGoneAtOnce() {
        state.report(report("a", false));
        state.report(report("b", false));
        state.report(report("c", false));
        assertEquals(Map.of("a", ConsoleState.Status.LIVE, "b", ConsoleState.Status.LIVE,
                "c", ConsoleState.Status.LIVE), statuses());

        clock.advance(Duration.ofMillis(1_600)); // more than three intervals: b and c are silent
        state.report(report("a", false));
        state.report(report("c", true)); // c closes
        assertEquals(Map.of("a", ConsoleState.Status.LIVE, "b", ConsoleState.Status.STALE,
                "c", ConsoleState.Status.GONE), statuses());

        clock.advance(Duration.ofSeconds(4));
        state.report(report("a", false));
        assertEquals(ConsoleState.Status.GONE, statuses().get("b"), "silent for the TTL");
        assertEquals(ConsoleState.Status.GONE, statuses().get("c"));

        clock.advance(Duration.ofMillis(1_500)); // c's final report is now more than a TTL old
        state.report(report("a", false));
        assertEquals(Map.of("a", ConsoleState.Status.LIVE, "b", ConsoleState.Status.GONE), statuses());
        clock.advance(Duration.ofSeconds(5));
        state.report(report("a", false));
        assertEquals(Map.of("a", ConsoleState.Status.LIVE), statuses(), "b listed one TTL after it went");
    }

    @Test
    void aPartitionIsShownOnceFromItsNewestOwnerWithDriftAndStuck() {
        state.report(report("a", false, partition(0, 10, 10, 10L, 0), partition(1, 5, 5, 4L, 3)));
        clock.advance(Duration.ofMillis(100));
        // p0 moved to b; a's older report still lists it
        state.report(report("b", false, partition(0, 12, 9, 2_000L, 1)));
        List<ConsoleState.PartitionView> rows = state.partitions("orders");
        assertEquals(2, rows.size());
        assertEquals("b", rows.get(0).process());
        assertEquals(OptionalLong.of(1_991), rows.get(0).drift());
        assertEquals("amber", rows.get(0).driftLevel());
        assertEquals("red", rows.get(1).driftLevel(), "Kafka ahead of the database is always red");
        assertFalse(rows.get(1).stuck());

        clock.advance(Duration.ofMinutes(2));
        state.report(report("a", false, partition(1, 5, 5, 5L, 3)));
        state.report(report("b", false, partition(0, 13, 13, 13L, 1)));
        rows = state.partitions("orders");
        assertTrue(rows.get(1).stuck(), "lag and no progress for two minutes");
        assertFalse(rows.get(0).stuck(), "progress");
        assertEquals("ok", rows.get(0).driftLevel());
        assertEquals(List.of(), state.partitions("another-group"));
    }

    @Test
    void aSplitReportCountsOnceEveryPieceArrived() {
        List<PartitionReport> many = new ArrayList<>();
        for (int p = 0; p < 200; p++) {
            many.add(partition(p, p, p, null, 0));
        }
        ProcessReport whole = new ProcessReport("big", "h", "0.1.0", "orders", clock.instant(), INTERVAL, false, 1,
                1, List.of("big-0"), many, Map.of());
        List<String> pieces = ReportFormat.split(whole, 4_096);
        assertTrue(pieces.size() > 2);
        for (int i = 0; i < pieces.size() - 1; i++) {
            state.report(ReportFormat.read(pieces.get(i)));
        }
        assertEquals(List.of(), state.processes());
        state.report(ReportFormat.read(pieces.get(pieces.size() - 1)));
        assertEquals(200, state.partitions("orders").size());
    }

    @Test
    void errorsAreNewestFirstFilteredAndCapped() {
        for (int i = 0; i < 5; i++) {
            state.error(new ErrorReport("a", "h", "orders", clock.instant(), "i", "orders", i, OptionalLong.of(i),
                    i % 2 == 0 ? "INFRASTRUCTURE" : "MESSAGE", 1, "failure " + i, "", 0));
        }
        assertEquals(List.of(4, 3, 2), state.errors("").stream().map(ErrorReport::partition).toList());
        assertEquals(List.of(4, 2), state.errors("infra").stream().map(ErrorReport::partition).toList());
        assertEquals(List.of(3), state.errors("FAILURE 3").stream().map(ErrorReport::partition).toList());
    }

    @Test
    void aReportDatedInTheFutureNeitherKeepsItsProcessLiveNorHidesItsLaterReports() {
        // a runtime whose clock ran a day ahead (or anyone who can write to the reports topic)
        state.report(new ProcessReport("a", "h", "0.1.0", "orders", clock.instant().plus(Duration.ofDays(1)),
                INTERVAL, false, 1, 1, List.of("a-0"), List.of(partition(0, 5, 5, null, 0)), Map.of()));
        clock.advance(Duration.ofSeconds(1));
        state.report(report("a", false, partition(0, 9, 9, null, 0))); // its clock was fixed
        assertEquals(9, state.partitions("orders").get(0).report().marked(), "the newer report is shown");

        clock.advance(TTL.plusSeconds(1)); // then it falls silent
        assertEquals(ConsoleState.Status.GONE, statuses().get("a"));
    }
}
