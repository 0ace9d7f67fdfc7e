package io.sluice.filters;

import io.sluice.dsl.Batch;
import io.sluice.dsl.Filter;
import io.sluice.dsl.FilterContext;
import io.sluice.dsl.FilterFactory;
import io.sluice.dsl.Message;
import io.sluice.dsl.Verdict;
import java.time.Duration;
import java.time.Instant;

/**
 * Holds back messages until they are at least {@code delay} old by their timestamp (the topic's create or
 * log-append time), so the consumer sees each message no earlier than {@code delay} after it was stamped.
 *
 * <p>Guarantees, with {@code now} read once per batch from the filter context's clock:
 * <ul>
 *   <li>a message is too young when {@code now - timestamp < delay}; one exactly {@code delay} old passes;</li>
 *   <li>the first too-young message is the cursor: it and every message after it are dropped (even older ones
 *       behind it, so the partition stays in order) and fetched again after the pause;</li>
 *   <li>the verdict is then PAUSE with timeout {@code timestamp + delay - now}, when the cursor becomes old
 *       enough; that is always positive, since a message already old enough is let through, not held (so
 *       the SEEK of Karafka's delayer, which reads its clock twice, never arises: no re-fetch is needed for a
 *       message that may be consumed now);</li>
 *   <li>when no message is too young the verdict is NotApplied.</li>
 * </ul>
 * A message without a timestamp (negative, Kafka's {@code NO_TIMESTAMP}) cannot be judged and is never held.
 * A timestamp ahead of the clock (producer clock skew) holds the message until the clock passes it by
 * {@code delay}.
 *
 * @param <K> the key type (not read)
 * @param <V> the value type (not read)
 */
public final class Delay<K, V> implements Filter<K, V> {

    private final Duration delay;

    private Delay(Duration delay) {
        this.delay = delay;
    }

    /**
     * A factory making a delay filter per partition assignment.
     *
     * @param delay how old a message must be before the consumer sees it; positive
     * @throws IllegalArgumentException when {@code delay} is null or not positive
     */
    public static <K, V> FilterFactory<K, V> by(Duration delay) {
        Arguments.positive(delay, "delay");
        return new DescribedFilterFactory<>("delayBy(" + delay + ")", tp -> new Delay<>(delay));
    }

    @Override
    public Verdict apply(Batch<? extends K, ? extends V> batch, FilterContext context) {
        Instant now = context.clock().instant();
        for (int i = 0; i < batch.size(); i++) {
            Message<?, ?> m = batch.get(i);
            Duration left = Dropping.hasTimestamp(m) ? delay.minus(Dropping.age(m, now)) : Duration.ZERO;
            if (left.compareTo(Duration.ZERO) > 0) {
                batch.removeFrom(m.offset());
                return Verdict.pause(m.offset(), left);
            }
        }
        return Verdict.notApplied();
    }

    @Override
    public String toString() {
        return "Delay[" + delay + "]";
    }
}
