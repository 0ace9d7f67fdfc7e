package io.sluice.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class BenchOptionsTest {

    @Test
    void defaultsAreTheIssuesFullSize() {
        BenchOptions o = BenchOptions.parse();
        assertEquals(2_000_000, o.messages());
        assertEquals(200_000, o.ioMessages());
        assertEquals(100, o.valueBytes());
        assertEquals(6, o.partitions());
        assertEquals(2, o.warmups());
        assertEquals(8, o.rounds());
        assertEquals(20_000, o.ioWaitNanos());
        assertEquals(List.of(BenchCase.values()), o.cases());
        assertNull(o.out());
    }

    @Test
    void everySpellingOfAnOptionIsRead() {
        assertEquals(50_000, BenchOptions.parse("--messages", "50000").messages());
        assertEquals(50_000, BenchOptions.parse("--messages=50000").messages());
        assertEquals(50_000, BenchOptions.parse("messages=50_000").messages());
        // Maven passes -Dbench.args as one argument
        BenchOptions o = BenchOptions.parse("out=/tmp/b.md", "--messages 50000 --rounds 3 --jmh false");
        assertEquals(50_000, o.messages());
        assertEquals(3, o.rounds());
        assertFalse(o.jmh());
        assertEquals(50_000, o.warmupMessages(), "warm-ups never consume more than M");
    }

    @Test
    void casesAreChosenByKey() {
        assertEquals(List.of(BenchCase.RAW, BenchCase.SLUICE_TX_H2),
                BenchOptions.parse("--cases", "raw,sluice_tx_h2").cases());
    }

    @Test
    void mistakesAreNamed() {
        assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse("--mesages", "5"));
        assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse("--messages", "many"));
        assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse("--rounds", "0"));
        assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse("--cases", "rawest"));
    }
}
