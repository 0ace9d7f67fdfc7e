package io.sluice.runtime.internal;

import static io.sluice.runtime.internal.TestBatches.TP;
import static io.sluice.runtime.internal.TestBatches.batch;
import static io.sluice.runtime.internal.TestBatches.offsets;
import static io.sluice.runtime.internal.TestBatches.range;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sluice.dsl.Batch;
import io.sluice.dsl.Cursor;
import io.sluice.dsl.Filter;
import io.sluice.dsl.FilterContext;
import io.sluice.dsl.Verdict;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class FilterChainTest {

    private static final FilterContext CONTEXT = new TestFilterContext(TP);
    private static final Duration ONE_S = Duration.ofSeconds(1);

    // ---- action: PAUSE > SEEK > SKIP ----

    @Test
    void pauseWinsOverSeekAndSkip() throws Exception {
        Batch<String, String> batch = range(10, 20);

        ChainOutcome outcome = run(batch,
                (b, c) -> Verdict.skip(),
                (b, c) -> Verdict.seek(16),
                (b, c) -> Verdict.pause(18, Duration.ofSeconds(5)),
                (b, c) -> Verdict.skip());

        assertEquals(new Verdict.Pause(Cursor.at(16), Duration.ofSeconds(5), OptionalLong.empty()), outcome.verdict());
        assertEquals(Optional.of(Cursor.at(16)), outcome.cursor());
        assertEquals(Optional.of(Duration.ofSeconds(5)), outcome.pauseTimeout());
        assertEquals(16, outcome.settledEnd());
    }

    @Test
    void seekWinsOverSkip() throws Exception {
        ChainOutcome outcome = run(range(10, 20),
                (b, c) -> Verdict.skip(),
                (b, c) -> Verdict.seek(14),
                (b, c) -> Verdict.skip());

        assertEquals(Verdict.seek(14), outcome.verdict());
        assertEquals(Optional.empty(), outcome.pauseTimeout());
    }

    @Test
    void skipWhenNoFilterSeeksOrPauses() throws Exception {
        Batch<String, String> batch = range(10, 20);

        ChainOutcome outcome = run(batch, (b, c) -> Verdict.skip(), (b, c) -> Verdict.skip());

        assertEquals(Verdict.skip(), outcome.verdict());
        assertEquals(Optional.empty(), outcome.cursor());
        assertEquals(Optional.empty(), outcome.pauseTimeout());
        assertEquals(OptionalLong.empty(), outcome.filterMark());
        assertEquals(20, outcome.settledEnd());
        assertEquals(range(10, 20).messages(), batch.messages());
        assertEquals(0, outcome.removedByFilters());
        assertEquals(0, outcome.removedAtCursor());
    }

    // ---- cursor: the lowest ----

    @Test
    void theLowestCursorAmongSeeksWins() throws Exception {
        ChainOutcome outcome = run(range(10, 20),
                (b, c) -> Verdict.seek(18),
                (b, c) -> Verdict.seek(13),
                (b, c) -> Verdict.seek(16));

        assertEquals(Verdict.seek(13), outcome.verdict());
    }

    @Test
    void theLowestCursorWinsAcrossSeeksAndPauses() throws Exception {
        ChainOutcome outcome = run(range(10, 20),
                (b, c) -> Verdict.pause(17, ONE_S),
                (b, c) -> Verdict.seek(12),
                (b, c) -> Verdict.pause(15, ONE_S));

        assertEquals(Verdict.pause(12, ONE_S), outcome.verdict());
    }

    @Test
    void theCursorAndTheTimeoutMayComeFromDifferentFilters() throws Exception {
        ChainOutcome outcome = run(range(10, 20),
                (b, c) -> Verdict.pause(15, Duration.ofSeconds(1)),
                (b, c) -> Verdict.pause(11, Duration.ofSeconds(9)));

        assertEquals(Verdict.pause(11, Duration.ofSeconds(1)), outcome.verdict());
    }

    // ---- timeout: the smallest among pausing filters only ----

    @Test
    void theSmallestTimeoutAmongPausingFiltersWins() throws Exception {
        ChainOutcome outcome = run(range(10, 20),
                (b, c) -> Verdict.pause(15, Duration.ofSeconds(30)),
                (b, c) -> Verdict.pause(15, Duration.ofSeconds(2)),
                (b, c) -> Verdict.pause(15, Duration.ofSeconds(10)));

        assertEquals(Verdict.pause(15, Duration.ofSeconds(2)), outcome.verdict());
    }

    @Test
    void aSeekNeverShortensAPauseSeekAfterPause() throws Exception {
        ChainOutcome outcome = run(range(10, 20),
                (b, c) -> Verdict.pause(17, Duration.ofSeconds(3)),
                (b, c) -> Verdict.seek(12));

        assertEquals(Verdict.pause(12, Duration.ofSeconds(3)), outcome.verdict());
        assertEquals(Optional.of(Duration.ofSeconds(3)), outcome.pauseTimeout());
    }

    @Test
    void aSeekNeverShortensAPauseSeekBeforePause() throws Exception {
        ChainOutcome outcome = run(range(10, 20),
                (b, c) -> Verdict.seek(12),
                (b, c) -> Verdict.pause(17, Duration.ofSeconds(3)));

        assertEquals(Verdict.pause(12, Duration.ofSeconds(3)), outcome.verdict());
    }

    @Test
    void aPausesOwnZeroTimeoutCounts() throws Exception {
        ChainOutcome outcome = run(range(10, 20),
                (b, c) -> Verdict.pause(15, Duration.ofSeconds(5)),
                (b, c) -> Verdict.pause(16, Duration.ZERO));

        assertEquals(Verdict.pause(15, Duration.ZERO), outcome.verdict());
    }

    // ---- not applied: no say ----

    @Test
    void notAppliedFiltersHaveNoSay() throws Exception {
        ChainOutcome outcome = run(range(10, 20),
                (b, c) -> Verdict.notApplied(),
                (b, c) -> Verdict.pause(16, Duration.ofSeconds(4)),
                (b, c) -> Verdict.notApplied(),
                (b, c) -> Verdict.seek(14),
                (b, c) -> Verdict.notApplied());

        assertEquals(Verdict.pause(14, Duration.ofSeconds(4)), outcome.verdict());
    }

    @Test
    void whenNoFilterAppliesTheOutcomeIsNotAppliedAndTheBatchSettlesAtItsNextOffset() throws Exception {
        Batch<String, String> batch = batch(10, 30, 10, 12, 15);

        ChainOutcome outcome = run(batch, (b, c) -> Verdict.notApplied(), (b, c) -> Verdict.notApplied());

        assertSame(Verdict.notApplied(), outcome.verdict());
        assertFalse(outcome.verdict().applied());
        assertEquals(30, outcome.settledEnd());
        assertEquals(List.of(10L, 12L, 15L), offsets(batch));
        assertEquals(Optional.empty(), outcome.cursor());
        assertEquals(OptionalLong.empty(), outcome.filterMark());
        assertEquals(0, outcome.removedByFilters());
        assertEquals(0, outcome.removedAtCursor());
    }

    @Test
    void anEmptyChainIsNotApplied() throws Exception {
        FilterChain<String, String> chain = new FilterChain<>(List.of());
        Batch<String, String> batch = range(3, 6);

        ChainOutcome outcome = chain.apply(batch, CONTEXT);

        assertEquals(0, chain.size());
        assertEquals(new ChainOutcome(Verdict.notApplied(), 6, 0, 0), outcome);
        assertEquals(List.of(3L, 4L, 5L), offsets(batch));
    }

    // ---- what each filter sees ----

    @Test
    void aFilterThatEmptiesTheBatch() throws Exception {
        Batch<String, String> batch = range(10, 20);
        Seeing next = new Seeing((b, c) -> Verdict.skip());

        ChainOutcome outcome = run(batch, (b, c) -> {
            b.clear();
            return Verdict.skip();
        }, next);

        assertEquals(List.of(), next.seen);
        assertEquals(List.of(), offsets(batch));
        assertEquals(new ChainOutcome(Verdict.skip(), 20, 10, 0), outcome);
    }

    @Test
    void aFilterThatEmptiesTheBatchAndSeeksForward() throws Exception {
        // the offset manager when Kafka is behind the stored offset
        Batch<String, String> batch = range(10, 20);

        ChainOutcome outcome = run(batch, (b, c) -> {
            b.clear();
            return Verdict.seek(50);
        });

        assertEquals(new ChainOutcome(Verdict.seek(50), 20, 10, 0), outcome);
    }

    @Test
    void eachFilterSeesWhatTheOnesBeforeItLeft() throws Exception {
        Batch<String, String> batch = range(10, 20);
        Seeing first = new Seeing((b, c) -> {
            b.removeIf(m -> m.offset() % 2 == 1);
            return Verdict.skip();
        });
        Seeing second = new Seeing((b, c) -> {
            b.removeIf(m -> m.offset() >= 16);
            return Verdict.skip();
        });
        Seeing idle = new Seeing((b, c) -> Verdict.notApplied());
        Seeing last = new Seeing((b, c) -> Verdict.skip());

        ChainOutcome outcome = run(batch, first, second, idle, last);

        assertEquals(List.of(10L, 11L, 12L, 13L, 14L, 15L, 16L, 17L, 18L, 19L), first.seen);
        assertEquals(List.of(10L, 12L, 14L, 16L, 18L), second.seen);
        assertEquals(List.of(10L, 12L, 14L), idle.seen);
        assertEquals(List.of(10L, 12L, 14L), last.seen);
        assertEquals(List.of(10L, 12L, 14L), offsets(batch));
        assertEquals(7, outcome.removedByFilters());
    }

    @Test
    void filtersDoNotSeeTheCutAtTheCursorWhichComesAfterTheChain() throws Exception {
        Seeing after = new Seeing((b, c) -> Verdict.skip());

        run(range(10, 15), (b, c) -> Verdict.seek(12), after);

        assertEquals(List.of(10L, 11L, 12L, 13L, 14L), after.seen);
    }

    // ---- the cut at the cursor ----

    @Test
    void messagesAtOrAboveTheCursorAreRemovedBeforeTheConsumer() throws Exception {
        Batch<String, String> batch = range(10, 20);

        ChainOutcome outcome = run(batch, (b, c) -> Verdict.seek(15));

        assertEquals(List.of(10L, 11L, 12L, 13L, 14L), offsets(batch));
        assertEquals(new ChainOutcome(Verdict.seek(15), 15, 0, 5), outcome);
    }

    @Test
    void aPauseCutsTheBatchToo() throws Exception {
        Batch<String, String> batch = range(10, 20);

        ChainOutcome outcome = run(batch, (b, c) -> Verdict.pause(11, ONE_S));

        assertEquals(List.of(10L), offsets(batch));
        assertEquals(new ChainOutcome(Verdict.pause(11, ONE_S), 11, 0, 9), outcome);
    }

    @Test
    void aCursorBelowTheFetchOffsetRemovesEverything() throws Exception {
        Batch<String, String> batch = range(10, 20);

        ChainOutcome outcome = run(batch, (b, c) -> Verdict.seek(5));

        assertEquals(List.of(), offsets(batch));
        assertEquals(new ChainOutcome(Verdict.seek(5), 5, 0, 10), outcome);
    }

    @Test
    void aCursorBeyondTheNextOffsetRemovesNothingAndSettlesAtTheNextOffset() throws Exception {
        Batch<String, String> batch = range(10, 20);

        ChainOutcome outcome = run(batch, (b, c) -> Verdict.seek(25));

        assertEquals(range(10, 20).messages(), batch.messages());
        assertEquals(new ChainOutcome(Verdict.seek(25), 20, 0, 0), outcome);
    }

    @Test
    void theCutCountsApartFromWhatFiltersRemoved() throws Exception {
        Batch<String, String> batch = range(10, 20);

        ChainOutcome outcome = run(batch, (b, c) -> {
            b.removeIf(m -> m.offset() == 11 || m.offset() == 17);
            return Verdict.seek(15);
        });

        assertEquals(List.of(10L, 12L, 13L, 14L), offsets(batch));
        assertEquals(new ChainOutcome(Verdict.seek(15), 15, 2, 4), outcome);
    }

    @Test
    void removalsMadeBeforeTheChainAreNotCounted() throws Exception {
        Batch<String, String> batch = range(10, 20);
        batch.removeFrom(18);

        ChainOutcome outcome = run(batch, (b, c) -> {
            b.removeIf(m -> m.offset() == 10);
            return Verdict.skip();
        });

        assertEquals(new ChainOutcome(Verdict.skip(), 20, 1, 0), outcome);
    }

    // ---- the settled end over offset gaps ----

    @Test
    void withoutACursorTheSettledEndIsTheFetchsNextOffsetEvenBeyondTheLastMessage() throws Exception {
        // compaction gaps and a transaction marker: the fetch stepped on to 30
        Batch<String, String> batch = batch(10, 30, 10, 12, 15);

        ChainOutcome outcome = run(batch, (b, c) -> Verdict.skip());

        assertEquals(30, outcome.settledEnd());
        assertEquals(List.of(10L, 12L, 15L), offsets(batch));
    }

    @Test
    void aCursorInsideTheGapAfterTheLastMessageIsTheSettledEnd() throws Exception {
        Batch<String, String> batch = batch(10, 30, 10, 12, 15);

        ChainOutcome outcome = run(batch, (b, c) -> Verdict.seek(20));

        assertEquals(new ChainOutcome(Verdict.seek(20), 20, 0, 0), outcome);
        assertEquals(List.of(10L, 12L, 15L), offsets(batch));
    }

    @Test
    void aCursorBelowTheNextOffsetIsTheSettledEnd() throws Exception {
        Batch<String, String> batch = batch(10, 30, 10, 12, 15);

        ChainOutcome outcome = run(batch, (b, c) -> Verdict.seek(12));

        assertEquals(new ChainOutcome(Verdict.seek(12), 12, 0, 2), outcome);
        assertEquals(List.of(10L), offsets(batch));
    }

    @Test
    void anEmptyFetchThatSteppedOverMarkersSettlesAtItsNextOffset() throws Exception {
        Batch<String, String> batch = batch(40, 42);

        ChainOutcome outcome = run(batch, (b, c) -> Verdict.skip().marking(100));

        assertEquals(new ChainOutcome(Verdict.skip().marking(42), 42, 0, 0), outcome);
    }

    // ---- marks: clamped to min(requested, cursor, first message left) ----

    @Test
    void aMarkBelowTheFirstMessageLeftIsKept() throws Exception {
        ChainOutcome outcome = run(range(10, 20), (b, c) -> {
            b.removeIf(m -> m.offset() < 13);
            return Verdict.skip().marking(13);
        });

        assertEquals(OptionalLong.of(13), outcome.filterMark());
    }

    @Test
    void aMarkIsClampedToTheFirstMessageLeft() throws Exception {
        Batch<String, String> batch = range(10, 20);

        ChainOutcome outcome = run(batch, (b, c) -> {
            b.removeIf(m -> m.offset() < 13);
            return Verdict.skip().marking(18);
        });

        assertEquals(Verdict.skip().marking(13), outcome.verdict());
        assertEquals(List.of(13L, 14L, 15L, 16L, 17L, 18L, 19L), offsets(batch));
    }

    @Test
    void aMarkIsClampedToTheCursor() throws Exception {
        Batch<String, String> batch = range(10, 20);

        ChainOutcome outcome = run(batch, (b, c) -> {
            b.removeIf(m -> m.offset() < 15);
            return Verdict.seek(15).marking(18);
        });

        assertEquals(List.of(), offsets(batch));
        assertEquals(new ChainOutcome(Verdict.seek(15).marking(15), 15, 5, 5), outcome);
    }

    @Test
    void aMarkIsClampedToTheFirstMessageLeftAfterTheCut() throws Exception {
        // the first message handed to the consumer is the bound: 14 is left after the cut at 17
        ChainOutcome outcome = run(range(10, 20), (b, c) -> {
            b.removeIf(m -> m.offset() < 14);
            return Verdict.pause(17, ONE_S).marking(16);
        });

        assertEquals(Verdict.pause(17, ONE_S).marking(14), outcome.verdict());
    }

    @Test
    void aMarkBeyondAnEmptiedBatchIsClampedToTheNextOffset() throws Exception {
        ChainOutcome outcome = run(batch(10, 30, 10, 12), (b, c) -> {
            b.clear();
            return Verdict.skip().marking(100);
        });

        assertEquals(new ChainOutcome(Verdict.skip().marking(30), 30, 2, 0), outcome);
    }

    @Test
    void theHighestRequestedMarkIsTakenThenClamped() throws Exception {
        ChainOutcome outcome = run(range(10, 20),
                (b, c) -> {
                    b.removeIf(m -> m.offset() == 10);
                    return Verdict.skip().marking(11);
                },
                (b, c) -> {
                    b.removeIf(m -> m.offset() == 11);
                    return Verdict.skip().marking(12);
                },
                (b, c) -> Verdict.skip());

        assertEquals(Verdict.skip().marking(12), outcome.verdict());
    }

    @Test
    void aMarkTravelsOnTheCombinedPause() throws Exception {
        ChainOutcome outcome = run(range(10, 20),
                (b, c) -> {
                    b.removeIf(m -> m.offset() < 12);
                    return Verdict.pause(15, Duration.ofSeconds(2)).marking(12);
                },
                (b, c) -> Verdict.seek(17));

        assertEquals(new Verdict.Pause(Cursor.at(15), Duration.ofSeconds(2), OptionalLong.of(12)), outcome.verdict());
        assertEquals(OptionalLong.of(12), outcome.filterMark());
    }

    @Test
    void withoutARequestThereIsNoMark() throws Exception {
        ChainOutcome outcome = run(range(10, 20), (b, c) -> {
            b.clear();
            return Verdict.seek(30);
        });

        assertEquals(OptionalLong.empty(), outcome.filterMark());
    }

    // ---- broken contracts ----

    @Test
    void aFilterThatRemovesButSaysNotAppliedIsRejectedByName() {
        Seeing after = new Seeing((b, c) -> Verdict.skip());

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> run(range(10, 20), new RemovesButSaysNotApplied(), after));

        assertEquals("filter " + RemovesButSaysNotApplied.class.getName()
                + " removed 2 messages of orders-0 but returned NotApplied", e.getMessage());
        assertEquals(null, after.seen);
    }

    @Test
    void aNullVerdictIsRejectedByName() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> run(range(10, 20), (b, c) -> Verdict.skip(), new ReturnsNull()));

        assertEquals("filter " + ReturnsNull.class.getName() + " returned no verdict for orders-0", e.getMessage());
    }

    @Test
    void aFilterFailurePropagatesAndLaterFiltersDoNotRun() {
        IOException failure = new IOException("database down");
        Seeing after = new Seeing((b, c) -> Verdict.skip());

        IOException e = assertThrows(IOException.class, () -> run(range(10, 20), (b, c) -> {
            throw failure;
        }, after));

        assertSame(failure, e);
        assertEquals(null, after.seen);
    }

    @Test
    void theChainCopiesItsFilterList() {
        List<Filter<String, String>> filters = new java.util.ArrayList<>();
        filters.add((b, c) -> Verdict.skip());
        FilterChain<String, String> chain = new FilterChain<>(filters);

        filters.add((b, c) -> Verdict.skip());

        assertEquals(1, chain.size());
    }

    // ---- helpers ----

    @SafeVarargs
    private static ChainOutcome run(Batch<String, String> batch, Filter<String, String>... filters) throws Exception {
        List<Filter<String, String>> chain = new java.util.ArrayList<>();
        for (Filter<String, String> filter : filters) {
            chain.add(filter);
        }
        return new FilterChain<String, String>(chain).apply(batch, CONTEXT);
    }

    /** Records the offsets it was handed, then acts. */
    private static final class Seeing implements Filter<String, String> {
        private final Filter<String, String> then;
        List<Long> seen;

        Seeing(Filter<String, String> then) {
            this.then = then;
        }

        @Override
        public Verdict apply(Batch<? extends String, ? extends String> batch, FilterContext context) throws Exception {
            seen = offsets(batch);
            return then.apply(batch, context);
        }
    }

    private static final class RemovesButSaysNotApplied implements Filter<String, String> {
        @Override
        public Verdict apply(Batch<? extends String, ? extends String> batch, FilterContext context) {
            batch.removeIf(m -> m.offset() < 12);
            return Verdict.notApplied();
        }
    }

    private static final class ReturnsNull implements Filter<String, String> {
        @Override
        public Verdict apply(Batch<? extends String, ? extends String> batch, FilterContext context) {
            return null;
        }
    }
}
