package io.sluice.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTest {

    @Test
    void medianOfAnOddCountIsTheMiddleValue() {
        assertEquals(3.0, Stats.median(List.of(5.0, 1.0, 3.0)));
    }

    @Test
    void medianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertEquals(2.5, Stats.median(List.of(4.0, 1.0, 3.0, 2.0)));
    }

    @Test
    void spreadIsTheRangeOverTheMedian() {
        assertEquals(0.5, Stats.spread(List.of(80.0, 100.0, 130.0)), 1e-9);
        assertEquals(0.0, Stats.spread(List.of(42.0)), 1e-9);
    }

    @Test
    void medianOfNothingIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Stats.median(List.of()));
    }

    @Test
    void pairedRatioIsTheMedianOfPerRoundRatiosNotTheRatioOfMedians() {
        // the machine slows down in round 2: both figures drop, the ratio stays
        List<Double> raw = List.of(100.0, 50.0, 100.0);
        List<Double> sluice = List.of(90.0, 45.0, 80.0);
        assertEquals(0.9, Stats.pairedRatio(sluice, raw), 1e-12);
        assertEquals(List.of(0.9, 0.9, 0.8), Stats.ratios(sluice, raw));
    }

    @Test
    void pairedListsMustMatch() {
        assertThrows(IllegalArgumentException.class, () -> Stats.pairedRatio(List.of(1.0), List.of(1.0, 2.0)));
        assertThrows(IllegalArgumentException.class, () -> Stats.pairedRatio(List.of(1.0), List.of(0.0)));
    }

    @Test
    void roundsRotateTheCaseOrder() {
        List<String> cases = List.of("a", "b", "c");
        assertEquals(List.of("a", "b", "c"), Stats.rotated(cases, 0));
        assertEquals(List.of("b", "c", "a"), Stats.rotated(cases, 1));
        assertEquals(List.of("c", "a", "b"), Stats.rotated(cases, 2));
        assertEquals(List.of("a", "b", "c"), Stats.rotated(cases, 3));
    }
}
