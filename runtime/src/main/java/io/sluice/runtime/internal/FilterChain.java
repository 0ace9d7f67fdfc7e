package io.sluice.runtime.internal;

import io.sluice.dsl.Batch;
import io.sluice.dsl.Cursor;
import io.sluice.dsl.Filter;
import io.sluice.dsl.FilterContext;
import io.sluice.dsl.Verdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * Applies a partition's filters in order to one batch and combines their verdicts (see {@code docs/architecture.md},
 * "The filter contract"). Pure: it does
 * no Kafka I/O; the runtime carries the outcome out.
 *
 * <p>Combination rules, over the filters that applied (a {@link Verdict.NotApplied} has no say):
 * <ul>
 *   <li>action: PAUSE if any paused, else SEEK if any sought, else SKIP; NotApplied when none applied;</li>
 *   <li>cursor: the lowest among the cursors given;</li>
 *   <li>timeout: the smallest among the pausing filters only (a seek never shortens a pause);</li>
 *   <li>mark: the highest requested, clamped to {@code min(settled end, first message left)}.</li>
 * </ul>
 * Then every message at or above the cursor is removed (it will be fetched again), and the settled end is
 * {@code min(cursor, batch.nextOffset())}.
 *
 * <p>A filter that returns {@code null}, or removes messages and returns NotApplied, breaks the contract: the
 * chain throws {@link IllegalStateException} naming it, which the runtime treats as a filter failure.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class FilterChain<K, V> {

    private final List<Filter<? super K, ? super V>> filters;

    /** A chain of {@code filters}, applied in list order. */
    public FilterChain(List<? extends Filter<? super K, ? super V>> filters) {
        this.filters = List.copyOf(filters);
    }

    /** How many filters the chain holds. */
    public int size() {
        return filters.size();
    }

    /**
     * Runs the chain on {@code batch}, which it edits in place, and returns the combined outcome.
     *
     * @throws Exception whatever a filter threw, or {@link IllegalStateException} for a broken contract
     */
    public ChainOutcome apply(Batch<K, V> batch, FilterContext context) throws Exception {
        int removedBefore = batch.removedCount();
        List<Verdict> applied = new ArrayList<>(filters.size());
        for (Filter<? super K, ? super V> filter : filters) {
            int before = batch.removedCount();
            Verdict verdict = filter.apply(batch, context);
            if (verdict == null) {
                throw new IllegalStateException("filter " + filter.getClass().getName() + " returned no verdict for "
                        + batch.topicPartition());
            }
            if (!verdict.applied()) {
                int removed = batch.removedCount() - before;
                if (removed > 0) {
                    throw new IllegalStateException("filter " + filter.getClass().getName() + " removed " + removed
                            + " messages of " + batch.topicPartition() + " but returned NotApplied");
                }
                continue;
            }
            applied.add(verdict);
        }
        int removedByFilters = batch.removedCount() - removedBefore;
        Verdict combined = combine(applied);
        OptionalLong cursor = combined.resumeAt();
        int removedAtCursor = cursor.isPresent() ? batch.removeFrom(cursor.getAsLong()) : 0;
        long settledEnd = cursor.isPresent() ? Math.min(cursor.getAsLong(), batch.nextOffset()) : batch.nextOffset();
        if (combined.mark().isPresent()) {
            long mark = Math.min(combined.mark().getAsLong(), settledEnd);
            if (batch.firstOffset().isPresent()) {
                mark = Math.min(mark, batch.firstOffset().getAsLong());
            }
            combined = combined.marking(mark);
        }
        return new ChainOutcome(combined, settledEnd, removedByFilters, removedAtCursor);
    }

    /** Combines applied verdicts (docs/architecture.md, "The filter contract"); NotApplied when the list is empty. */
    static Verdict combine(List<Verdict> applied) {
        if (applied.isEmpty()) {
            return Verdict.notApplied();
        }
        Cursor cursor = null;
        Duration timeout = null;
        boolean seek = false;
        long mark = -1;
        for (Verdict v : applied) {
            Objects.requireNonNull(v, "verdict");
            if (v.mark().isPresent()) {
                mark = Math.max(mark, v.mark().getAsLong());
            }
            if (v instanceof Verdict.Seek s) {
                seek = true;
                cursor = lowest(cursor, s.cursor());
            } else if (v instanceof Verdict.Pause p) {
                cursor = lowest(cursor, p.cursor());
                timeout = timeout == null || p.timeout().compareTo(timeout) < 0 ? p.timeout() : timeout;
            }
        }
        Verdict result;
        if (timeout != null) {
            result = new Verdict.Pause(cursor, timeout, OptionalLong.empty());
        } else if (seek) {
            result = new Verdict.Seek(cursor, OptionalLong.empty());
        } else {
            result = Verdict.skip();
        }
        return mark >= 0 ? result.marking(mark) : result;
    }

    private static Cursor lowest(Cursor current, Cursor candidate) {
        return current == null || candidate.compareTo(current) < 0 ? candidate : current;
    }
}
