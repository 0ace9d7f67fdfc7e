package io.sluice.web.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * Twenty-five hours of reports on a manual clock, two a minute: partition 0 consumes 30 messages between reports
 * with lag 5, partition 1 consumes 60 with lag 7 and moves to another process at hour 10; partition 0 is rewound
 * by 100 at hour 12; the console hears nothing from 20:00 to 20:05.
 */
class HistoryTest {

    private static final Instant START = Instant.parse("2026-11-30T00:00:10Z");
    private static final Instant MOVE = START.plus(Duration.ofHours(10));
    private static final Instant REWIND = START.plus(Duration.ofHours(12));
    private static final Instant SILENT_FROM = START.plus(Duration.ofHours(20)).minusSeconds(10); // 20:00:00
    private static final Instant SILENT_UNTIL = SILENT_FROM.plus(Duration.ofMinutes(5));
    private static final Instant END = START.plus(Duration.ofHours(25));

    private final ManualClock clock = new ManualClock(START);
    private final History history = new History(clock);
    /** What the compacted metrics topic holds: the latest value per key. */
    private final Map<String, String> metricsTopic = new HashMap<>();

    @Test
    void twentyFiveHoursOfReportsKeepTheLastDayPerMinuteAndRebuildFromTheCompactedTopic() {
        long marked0 = 0;
        long marked1 = 0;
        while (clock.instant().isBefore(END)) {
            Instant now = clock.instant();
            marked0 += 30;
            marked1 += 60;
            if (now.equals(REWIND)) {
                marked0 -= 130;
            }
            boolean silent = !now.isBefore(SILENT_FROM) && now.isBefore(SILENT_UNTIL);
            if (!silent) {
                history.record(report("app-1", List.of(partition(0, marked0, 5))));
                history.record(report(now.isBefore(MOVE) ? "app-1" : "app-2", List.of(partition(1, marked1, 7))));
            }
            clock.advance(Duration.ofSeconds(30));
            for (History.Aggregate a : history.closedMinutes()) {
                metricsTopic.put(History.key(a), History.write(a));
            }
        }

        List<History.Point> day = history.series("orders", "orders", History.KEPT);
        assertEquals(1_440, day.size());
        assertEquals(clock.instant().truncatedTo(ChronoUnit.MINUTES), day.get(1_439).minute());
        for (History.Point point : day.subList(0, 1_439)) {
            Instant minute = point.minute();
            long expected;
            if (minute.equals(REWIND.truncatedTo(ChronoUnit.MINUTES))) {
                expected = 180 - 30; // the rewound report counts nothing for partition 0 and is its new baseline
            } else if (!minute.isBefore(SILENT_FROM) && minute.isBefore(SILENT_UNTIL)) {
                expected = -1; // no report arrived
            } else if (minute.equals(SILENT_UNTIL.truncatedTo(ChronoUnit.MINUTES))) {
                expected = 180 + 10 * 90; // the first minute after the silence carries what was consumed during it
            } else {
                expected = 180; // the move of partition 1 to app-2 neither loses nor doubles anything
            }
            if (expected < 0) {
                assertEquals(0, point.consumed(), minute.toString());
                assertEquals(OptionalLong.empty(), point.lag(), minute.toString());
            } else {
                assertEquals(expected, point.consumed(), minute.toString());
                assertEquals(OptionalLong.of(12), point.lag(), minute.toString());
            }
        }
        List<History.Point> hour = history.series("orders", "orders", Duration.ofHours(1));
        assertEquals(day.subList(1_380, 1_440), hour);
        // one key per minute of the day: 25 hours of minutes overwrote the first hour's, and the 5 silent minutes wrote none
        assertEquals(1_440 - 5, metricsTopic.size());

        History rebuilt = new History(clock);
        metricsTopic.values().forEach(v -> rebuilt.load(History.read(v)));
        assertEquals(day.subList(0, 1_439), rebuilt.series("orders", "orders", History.KEPT).subList(0, 1_439));
        assertEquals(List.of(), rebuilt.closedMinutes(), "loaded minutes are not written again");
    }

    @Test
    void windowsOutsideOneMinuteToADayAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> history.series("g", "t", Duration.ofHours(25)));
        assertThrows(IllegalArgumentException.class, () -> history.series("g", "t", Duration.ofSeconds(30)));
        assertTrue(history.series("g", "t", Duration.ofMinutes(1)).get(0).lag().isEmpty());
    }

    private ProcessReport report(String process, List<PartitionReport> partitions) {
        return new ProcessReport(process, "host", "0.1.0", "orders", clock.instant(), Duration.ofSeconds(30), false,
                1, 1, List.of(process + "-0"), partitions, Map.of());
    }

    private static PartitionReport partition(int p, long marked, long lag) {
        return new PartitionReport("orders", p, "i", "RUNNING", marked, marked, marked, Optional.empty(),
                OptionalLong.of(marked + lag), OptionalLong.of(lag), "NONE");
    }
}
