package io.sluice.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class VerdictTest {

    @Test
    void notAppliedHasNoSayAndNoMark() {
        Verdict verdict = Verdict.notApplied();

        assertFalse(verdict.applied());
        assertEquals(OptionalLong.empty(), verdict.mark());
        assertSame(verdict, Verdict.notApplied());
    }

    @Test
    void markingOnNotAppliedThrows() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Verdict.notApplied().marking(5));
        assertEquals("a filter that did not apply cannot ask to mark offset 5", e.getMessage());
    }

    @Test
    void skipSeekAndPauseApply() {
        assertTrue(Verdict.skip().applied());
        assertTrue(Verdict.seek(3).applied());
        assertTrue(Verdict.pause(3, Duration.ofSeconds(1)).applied());
    }

    @Test
    void factoriesBuildTheRecords() {
        assertEquals(new Verdict.Skip(OptionalLong.empty()), Verdict.skip());
        assertEquals(new Verdict.Seek(Cursor.at(42), OptionalLong.empty()), Verdict.seek(42));
        assertEquals(new Verdict.Pause(Cursor.at(42), Duration.ofMillis(250), OptionalLong.empty()),
                Verdict.pause(42, Duration.ofMillis(250)));
    }

    @Test
    void markingKeepsTheKindCursorAndTimeout() {
        assertEquals(new Verdict.Skip(OptionalLong.of(7)), Verdict.skip().marking(7));
        assertEquals(new Verdict.Seek(Cursor.at(9), OptionalLong.of(7)), Verdict.seek(9).marking(7));
        assertEquals(new Verdict.Pause(Cursor.at(9), Duration.ofSeconds(2), OptionalLong.of(7)),
                Verdict.pause(9, Duration.ofSeconds(2)).marking(7));
    }

    @Test
    void markingAgainReplacesTheMark() {
        assertEquals(OptionalLong.of(3), Verdict.seek(9).marking(7).marking(3).mark());
    }

    @Test
    void aMarkIsANextOffsetAndCannotBeNegative() {
        assertEquals(OptionalLong.of(0), Verdict.skip().marking(0).mark());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Verdict.skip().marking(-1));
        assertEquals("a mark is a next offset and must be >= 0, was -1", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Verdict.seek(1).marking(-1));
        assertThrows(IllegalArgumentException.class, () -> Verdict.pause(1, Duration.ZERO).marking(-1));
    }

    @Test
    void aNullMarkIsRejected() {
        assertThrows(NullPointerException.class, () -> new Verdict.Skip(null));
        assertThrows(NullPointerException.class, () -> new Verdict.Seek(Cursor.at(1), null));
        assertThrows(NullPointerException.class, () -> new Verdict.Pause(Cursor.at(1), Duration.ZERO, null));
    }

    @Test
    void seekAndPauseNeedACursor() {
        NullPointerException seek = assertThrows(NullPointerException.class,
                () -> new Verdict.Seek(null, OptionalLong.empty()));
        assertEquals("cursor", seek.getMessage());
        NullPointerException pause = assertThrows(NullPointerException.class,
                () -> new Verdict.Pause(null, Duration.ZERO, OptionalLong.empty()));
        assertEquals("cursor", pause.getMessage());
    }

    @Test
    void aPauseTimeoutIsZeroOrMore() {
        assertEquals(Duration.ZERO, Verdict.pause(1, Duration.ZERO).timeout());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Verdict.pause(1, Duration.ofMillis(-1)));
        assertEquals("pause timeout must not be negative, was PT-0.001S", e.getMessage());
        NullPointerException missing = assertThrows(NullPointerException.class, () -> Verdict.pause(1, null));
        assertEquals("timeout", missing.getMessage());
    }

    @Test
    void aCursorIsANonNegativeOffsetOrderedByOffset() {
        assertEquals(0, Cursor.at(0).offset());
        assertEquals(Cursor.at(12), Cursor.at(Message.of("orders", 0, 12, 0L, "k", "v")));
        assertTrue(Cursor.at(3).compareTo(Cursor.at(4)) < 0);
        assertTrue(Cursor.at(4).compareTo(Cursor.at(3)) > 0);
        assertEquals(0, Cursor.at(4).compareTo(Cursor.at(4)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cursor.at(-1));
        assertEquals("cursor offset must be >= 0, was -1", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Verdict.seek(-1));
    }
}
