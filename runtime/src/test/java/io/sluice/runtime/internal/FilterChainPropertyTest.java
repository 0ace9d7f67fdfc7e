package io.sluice.runtime.internal;

import static io.sluice.runtime.internal.TestBatches.TP;
import static io.sluice.runtime.internal.TestBatches.offsets;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Batch;
import io.sluice.dsl.Cursor;
import io.sluice.dsl.Filter;
import io.sluice.dsl.FilterContext;
import io.sluice.dsl.Verdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Random chains of random filters over random batches with random offset gaps, checked against the combination
 * rules (see docs/architecture.md, "The filter contract"). Seeded, so a failure repeats; the message names the case.
 */
class FilterChainPropertyTest {

    private static final long SEED = 20_240_611L;
    private static final int CASES = 2_000;
    private static final FilterContext CONTEXT = new TestFilterContext(TP);

    /** How often the generator produced the situations worth checking, so a weak generator fails loudly. */
    private final TreeMap<String, Integer> coverage = new TreeMap<>();

    @Test
    void randomChainsKeepTheCombinationAndOffsetRules() throws Exception {
        Random random = new Random(SEED);
        for (int n = 0; n < CASES; n++) {
            checkOneCase(n, random);
        }
        for (String situation : List.of("pause and seek together", "a seek below a pause", "cut at the cursor",
                "mark clamped", "mark kept", "gap after the last message", "no filter applied", "batch emptied",
                "cursor below the fetch offset", "cursor beyond the next offset", "zero pause timeout")) {
            assertTrue(coverage.getOrDefault(situation, 0) >= 20,
                    () -> "the generator rarely produced '" + situation + "': " + coverage);
        }
    }

    private void checkOneCase(int n, Random random) throws Exception {
        Batch<String, String> batch = randomBatch(random);
        List<Long> original = offsets(batch);
        long fetchOffset = batch.fetchOffset();
        long nextOffset = batch.nextOffset();
        List<RandomFilter> filters = new ArrayList<>();
        int length = random.nextInt(6);
        for (int i = 0; i < length; i++) {
            filters.add(RandomFilter.random(random, fetchOffset, nextOffset));
        }
        Supplier<String> label = () -> "case " + n + " (seed " + SEED + "): batch fetched@" + fetchOffset + " next@"
                + nextOffset + " " + original + ", chain " + filters;

        ChainOutcome outcome = new FilterChain<String, String>(filters).apply(batch, CONTEXT);

        // each filter saw what the ones before it left
        List<Long> left = original;
        for (RandomFilter f : filters) {
            assertEquals(left, f.seen, label);
            left = f.left;
        }

        // the expected combination, from the applied filters only
        List<Long> cursors = new ArrayList<>();
        List<Duration> pauseTimeouts = new ArrayList<>();
        boolean anyApplied = false;
        boolean anySeek = false;
        long requestedMark = -1;
        for (RandomFilter f : filters) {
            Verdict v = f.verdict;
            if (!v.applied()) {
                continue;
            }
            anyApplied = true;
            if (v.mark().isPresent()) {
                requestedMark = Math.max(requestedMark, v.mark().getAsLong());
            }
            if (v instanceof Verdict.Seek s) {
                anySeek = true;
                cursors.add(s.cursor().offset());
            } else if (v instanceof Verdict.Pause p) {
                cursors.add(p.cursor().offset());
                pauseTimeouts.add(p.timeout());
            }
        }
        Verdict combined = outcome.verdict();
        if (!pauseTimeouts.isEmpty()) {
            assertInstanceOf(Verdict.Pause.class, combined, label);
        } else if (anySeek) {
            assertInstanceOf(Verdict.Seek.class, combined, label);
        } else if (anyApplied) {
            assertInstanceOf(Verdict.Skip.class, combined, label);
        } else {
            assertInstanceOf(Verdict.NotApplied.class, combined, label);
        }

        // cursor: never above any applied filter's cursor, and one of them
        Optional<Long> cursor = outcome.cursor().map(Cursor::offset);
        for (long c : cursors) {
            assertTrue(cursor.orElseThrow() <= c, label);
        }
        assertEquals(cursors.stream().min(Long::compare), cursor, label);

        // timeout: the smallest among pausing filters, whatever the seeks said
        assertEquals(pauseTimeouts.stream().min(Duration::compareTo), outcome.pauseTimeout(), label);

        // nothing at or above the cursor survives; everything below it that the filters left does
        List<Long> remaining = offsets(batch);
        long bound = cursor.orElse(Long.MAX_VALUE);
        for (long offset : remaining) {
            assertTrue(offset < bound, label);
        }
        assertEquals(left.stream().filter(o -> o < bound).toList(), remaining, label);
        assertEquals(original.size() - left.size(), outcome.removedByFilters(), label);
        assertEquals(left.size() - remaining.size(), outcome.removedAtCursor(), label);
        assertEquals(fetchOffset, batch.fetchOffset(), label);
        assertEquals(nextOffset, batch.nextOffset(), label);

        // settled end: min(cursor, next offset)
        long settledEnd = outcome.settledEnd();
        assertTrue(settledEnd <= nextOffset, label);
        assertTrue(settledEnd <= bound, label);
        assertEquals(Math.min(bound, nextOffset), settledEnd, label);

        // mark: the highest requested, clamped to the settled end and the first message left
        OptionalLong mark = outcome.filterMark();
        if (requestedMark < 0) {
            assertEquals(OptionalLong.empty(), mark, label);
        } else {
            long m = mark.orElseThrow();
            long firstLeft = remaining.isEmpty() ? Long.MAX_VALUE : remaining.get(0);
            assertTrue(m <= settledEnd, label);
            assertTrue(m <= firstLeft, label);
            assertTrue(m <= requestedMark, label);
            assertEquals(Math.min(requestedMark, Math.min(settledEnd, firstLeft)), m, label);
            count(m < requestedMark ? "mark clamped" : "mark kept");
        }

        // what this case exercised
        if (anySeek && !pauseTimeouts.isEmpty()) {
            count("pause and seek together");
            if (hasSeekBelowEveryPause(filters)) {
                count("a seek below a pause");
            }
        }
        if (outcome.removedAtCursor() > 0) {
            count("cut at the cursor");
        }
        if (!original.isEmpty() && original.get(original.size() - 1) + 1 < nextOffset) {
            count("gap after the last message");
        }
        if (!filters.isEmpty() && !anyApplied) {
            count("no filter applied");
        }
        if (!original.isEmpty() && left.isEmpty()) {
            count("batch emptied");
        }
        if (cursor.isPresent() && cursor.get() < fetchOffset) {
            count("cursor below the fetch offset");
        }
        if (cursor.isPresent() && cursor.get() > nextOffset) {
            count("cursor beyond the next offset");
        }
        if (pauseTimeouts.contains(Duration.ZERO)) {
            count("zero pause timeout");
        }
    }

    private static boolean hasSeekBelowEveryPause(List<RandomFilter> filters) {
        long lowestSeek = Long.MAX_VALUE;
        long lowestPause = Long.MAX_VALUE;
        for (RandomFilter f : filters) {
            if (f.verdict instanceof Verdict.Seek s) {
                lowestSeek = Math.min(lowestSeek, s.cursor().offset());
            } else if (f.verdict instanceof Verdict.Pause p) {
                lowestPause = Math.min(lowestPause, p.cursor().offset());
            }
        }
        return lowestSeek < lowestPause;
    }

    private void count(String situation) {
        coverage.merge(situation, 1, Integer::sum);
    }

    /** Fetched from 0..49, up to 12 messages with occasional gaps before, between and after them. */
    private static Batch<String, String> randomBatch(Random random) {
        long fetchOffset = random.nextInt(50);
        int size = random.nextInt(13);
        long[] offsets = new long[size];
        long offset = fetchOffset + (random.nextInt(4) == 0 ? random.nextInt(3) : 0);
        for (int i = 0; i < size; i++) {
            offsets[i] = offset;
            offset += 1 + (random.nextInt(4) == 0 ? random.nextInt(4) : 0);
        }
        long nextOffset = (size == 0 ? fetchOffset : offset) + (random.nextInt(3) == 0 ? random.nextInt(5) : 0);
        return TestBatches.batch(fetchOffset, nextOffset, offsets);
    }

    /**
     * A filter whose kind, cursor, timeout and mark are drawn when it is made, and which removes a random part of
     * what it sees unless it does not apply. Records what it saw and what it left.
     */
    private static final class RandomFilter implements Filter<String, String> {
        private final Random removals;
        private final double removeShare;
        final Verdict verdict;
        List<Long> seen;
        List<Long> left;

        private RandomFilter(Random removals, double removeShare, Verdict verdict) {
            this.removals = removals;
            this.removeShare = removeShare;
            this.verdict = verdict;
        }

        static RandomFilter random(Random random, long fetchOffset, long nextOffset) {
            int kind = random.nextInt(20);
            long low = Math.max(0, fetchOffset - 3);
            long cursor = low + random.nextInt((int) (nextOffset + 4 - low));
            Duration timeout = random.nextInt(5) == 0 ? Duration.ZERO : Duration.ofMillis(1 + random.nextInt(10_000));
            Verdict verdict;
            if (kind < 5) {
                verdict = Verdict.notApplied();
            } else if (kind < 12) {
                verdict = Verdict.skip();
            } else if (kind < 16) {
                verdict = Verdict.seek(cursor);
            } else {
                verdict = Verdict.pause(cursor, timeout);
            }
            if (verdict.applied() && random.nextBoolean()) {
                verdict = verdict.marking(random.nextInt((int) nextOffset + 6));
            }
            double share = !verdict.applied() ? 0.0 : random.nextInt(4) == 0 ? 1.0 : random.nextDouble() * 0.6;
            return new RandomFilter(new Random(random.nextLong()), share, verdict);
        }

        @Override
        public Verdict apply(Batch<? extends String, ? extends String> batch, FilterContext context) {
            seen = offsets(batch);
            batch.removeIf(m -> removals.nextDouble() < removeShare);
            left = offsets(batch);
            return verdict;
        }

        @Override
        public String toString() {
            return verdict + (removeShare > 0 ? " removing ~" + Math.round(removeShare * 100) + "%" : "");
        }
    }
}
