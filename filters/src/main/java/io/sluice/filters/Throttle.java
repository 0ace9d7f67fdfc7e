package io.sluice.filters;

import io.sluice.dsl.Batch;
import io.sluice.dsl.FilterContext;
import io.sluice.dsl.Filter;
import io.sluice.dsl.FilterFactory;
import io.sluice.dsl.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Lets at most {@code limit} messages through per sliding {@code interval}, per partition.
 *
 * <p>Guarantees, for one partition assignment:
 * <ul>
 *   <li>it remembers the clock instant at which it let each message through, and a message counts against the
 *       window until it is {@code interval} old; so within any half-open span {@code (t - interval, t]} of the
 *       filter's clock, at most {@code limit} messages pass;</li>
 *   <li>it keeps the messages at the front of the batch while the window has room, and drops the first one
 *       that does not fit and every message after it; the cursor is the first one dropped;</li>
 *   <li>the timeout is what is left of the window: the oldest remembered instant plus {@code interval} minus
 *       now, never more than {@code interval} (if the clock went back); the verdict is a PAUSE. It is always
 *       positive: a window that reopens now has already let the oldest go, so the zero-timeout SEEK of the
 *       filter contract cannot arise here (were it allowed, a refetch at the same instant would meet the same
 *       full window and seek again, for ever under a clock that does not move);</li>
 *   <li>when nothing is dropped the verdict is NotApplied; the messages let through are still counted.</li>
 * </ul>
 * It counts the messages it lets through, not those the consumer finally handles: messages it let through that
 * are fetched again (a later filter's lower cursor, a consumer retry) count again. Declared after other filters,
 * it counts only what they left (declaration order matters).
 *
 * <p>Its memory is bounded by the number of batches within one interval, not by {@code limit}.
 *
 * @param <K> the key type (not read)
 * @param <V> the value type (not read)
 */
public final class Throttle<K, V> implements Filter<K, V> {

    private final int limit;
    private final Duration interval;
    /** The batches let through within the window, oldest first: every message of a batch shares one instant. */
    private final Deque<Admission> window = new ArrayDeque<>();
    private int admitted;

    private Throttle(int limit, Duration interval) {
        this.limit = limit;
        this.interval = interval;
    }

    /**
     * A factory making a fresh throttle per partition assignment.
     *
     * @param limit    the most messages let through per {@code interval}; positive
     * @param interval the length of the sliding window; positive
     * @throws IllegalArgumentException when {@code limit} or {@code interval} is not positive, or
     *                                  {@code interval} is null
     */
    public static <K, V> FilterFactory<K, V> of(int limit, Duration interval) {
        Arguments.positive(limit, "throttle limit");
        Arguments.positive(interval, "throttle interval");
        return new DescribedFilterFactory<>("throttle(" + limit + ", " + interval + ")",
                tp -> new Throttle<>(limit, interval));
    }

    @Override
    public Verdict apply(Batch<? extends K, ? extends V> batch, FilterContext context) {
        Instant now = context.clock().instant();
        forgetOlderThanInterval(now);
        int room = limit - admitted;
        int passing = Math.min(room, batch.size());
        if (passing > 0) {
            window.addLast(new Admission(now, passing));
            admitted += passing;
        }
        if (passing == batch.size()) {
            return Verdict.notApplied();
        }
        long cursor = batch.get(passing).offset();
        batch.removeFrom(cursor);
        Duration age = Duration.between(window.getFirst().at(), now);
        Duration timeout = age.isNegative() ? interval : interval.minus(age);
        return Verdict.pause(cursor, timeout);
    }

    private void forgetOlderThanInterval(Instant now) {
        while (!window.isEmpty() && Duration.between(window.getFirst().at(), now).compareTo(interval) >= 0) {
            admitted -= window.removeFirst().count();
        }
    }

    @Override
    public String toString() {
        return "Throttle[" + limit + " per " + interval + ", " + admitted + " in window]";
    }

    /** {@code count} messages let through at {@code at}. */
    private record Admission(Instant at, int count) {
    }
}
