package io.sluice.filters;

import io.sluice.dsl.Batch;
import io.sluice.dsl.Filter;
import io.sluice.dsl.FilterContext;
import io.sluice.dsl.FilterFactory;
import io.sluice.dsl.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.OptionalLong;

/**
 * Drops messages older than {@code ttl} by their timestamp, for good, and asks that they count as consumed.
 *
 * <p>Guarantees, with {@code now} read once per batch from the filter context's clock:
 * <ul>
 *   <li>a message is expired when {@code now - timestamp > ttl}; one exactly {@code ttl} old is kept; expired
 *       messages are dropped wherever they lie in the batch (timestamps need not grow with offsets);</li>
 *   <li>when any is dropped the verdict is SKIP marking the offset after the last one dropped. The runtime
 *       clamps a filter's mark to the first message left for the consumer (docs/architecture.md, "The filter
 *       contract"), so this marks the dropped messages exactly when no message is left before them, and lag tells
 *       the truth (Karafka's expirer never marks);</li>
 *   <li>when none is dropped the verdict is NotApplied.</li>
 * </ul>
 * A message without a timestamp (negative, Kafka's {@code NO_TIMESTAMP}) cannot be judged and never expires.
 *
 * @param <K> the key type (not read)
 * @param <V> the value type (not read)
 */
public final class Expiry<K, V> implements Filter<K, V> {

    private final Duration ttl;

    private Expiry(Duration ttl) {
        this.ttl = ttl;
    }

    /**
     * A factory making an expiry filter per partition assignment.
     *
     * @param ttl how old a message may be and still reach the consumer; positive
     * @throws IllegalArgumentException when {@code ttl} is null or not positive
     */
    public static <K, V> FilterFactory<K, V> after(Duration ttl) {
        Arguments.positive(ttl, "ttl");
        return new DescribedFilterFactory<>("expireAfter(" + ttl + ")", tp -> new Expiry<>(ttl));
    }

    @Override
    public Verdict apply(Batch<? extends K, ? extends V> batch, FilterContext context) {
        Instant now = context.clock().instant();
        OptionalLong lastDropped = Dropping.dropMatching(batch,
                m -> Dropping.hasTimestamp(m) && Dropping.age(m, now).compareTo(ttl) > 0);
        return lastDropped.isPresent() ? Verdict.skip().marking(lastDropped.getAsLong() + 1) : Verdict.notApplied();
    }

    @Override
    public String toString() {
        return "Expiry[" + ttl + "]";
    }
}
