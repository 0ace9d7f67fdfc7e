package io.sluice.filters;

import io.sluice.dsl.Batch;
import io.sluice.dsl.Filter;
import io.sluice.dsl.FilterContext;
import io.sluice.dsl.FilterFactory;
import io.sluice.dsl.Message;
import io.sluice.dsl.Verdict;
import java.util.OptionalLong;
import java.util.function.Predicate;

/**
 * Keeps the messages a predicate accepts and drops the others for good, asking that they count as consumed.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>the predicate is asked exactly once per message of each batch, in offset order;</li>
 *   <li>when any message is dropped the verdict is SKIP marking the offset after the last one dropped; the
 *       runtime clamps a filter's mark to the first message left for the consumer (docs/architecture.md, "The
 *       filter contract"), so the dropped messages are marked exactly when no message is left before them, and lag
 *       tells the truth;</li>
 *   <li>when none is dropped the verdict is NotApplied.</li>
 * </ul>
 * The predicate is shared by every partition of the topic, which run in parallel: it must be thread-safe. A
 * predicate that throws is a filter failure, retried with backoff indefinitely and never dead-lettered, so it
 * should answer for every message rather than throw on bad data.
 *
 * @param <K> the key type it reads
 * @param <V> the value type it reads
 */
public final class MessagePredicate<K, V> implements Filter<K, V> {

    private final Predicate<? super Message<K, V>> keep;

    private MessagePredicate(Predicate<? super Message<K, V>> keep) {
        this.keep = keep;
    }

    /**
     * A factory keeping only the messages matching {@code keep}.
     *
     * @throws IllegalArgumentException when {@code keep} is null
     */
    public static <K, V> FilterFactory<K, V> keepIf(Predicate<? super Message<K, V>> keep) {
        Arguments.given(keep, "keepIf predicate");
        return new DescribedFilterFactory<>("keepIf", tp -> new MessagePredicate<>(keep));
    }

    /**
     * A factory dropping the messages matching {@code drop}: the opposite of {@link #keepIf}.
     *
     * @throws IllegalArgumentException when {@code drop} is null
     */
    public static <K, V> FilterFactory<K, V> dropIf(Predicate<? super Message<K, V>> drop) {
        Arguments.given(drop, "dropIf predicate");
        Predicate<Message<K, V>> keep = m -> !drop.test(m);
        return new DescribedFilterFactory<>("dropIf", tp -> new MessagePredicate<>(keep));
    }

    @Override
    public Verdict apply(Batch<? extends K, ? extends V> batch, FilterContext context) {
        OptionalLong lastDropped = Dropping.dropMatching(batch, m -> !keep.test(readOnly(m)));
        return lastDropped.isPresent() ? Verdict.skip().marking(lastDropped.getAsLong() + 1) : Verdict.notApplied();
    }

    /** A message of subtypes of {@code K} and {@code V} is a {@code Message<K, V>} to read: records are immutable. */
    @SuppressWarnings("unchecked")
    private static <K, V> Message<K, V> readOnly(Message<? extends K, ? extends V> message) {
        return (Message<K, V>) message;
    }
}
