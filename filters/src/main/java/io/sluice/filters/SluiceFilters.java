package io.sluice.filters;

import io.sluice.dsl.BuiltInFilters;
import io.sluice.dsl.FilterFactory;
import io.sluice.dsl.Message;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * The {@link BuiltInFilters} service of this module, found through {@link java.util.ServiceLoader} by the topic
 * builder's {@code throttle}, {@code delayBy}, {@code expireAfter}, {@code keepIf} and {@code dropIf}. Each method
 * returns exactly what the matching public factory returns ({@link Throttle#of}, {@link Delay#by},
 * {@link Expiry#after}, {@link MessagePredicate#keepIf}) and throws the same
 * {@link IllegalArgumentException} for a bad argument, which the builder reports from {@code build()}.
 * Stateless and thread-safe.
 */
public final class SluiceFilters implements BuiltInFilters {

    /** The constructor {@link java.util.ServiceLoader} calls. */
    public SluiceFilters() {
    }

    @Override
    public <K, V> FilterFactory<K, V> throttle(int limit, Duration interval) {
        return Throttle.of(limit, interval);
    }

    @Override
    public <K, V> FilterFactory<K, V> delayBy(Duration delay) {
        return Delay.by(delay);
    }

    @Override
    public <K, V> FilterFactory<K, V> expireAfter(Duration ttl) {
        return Expiry.after(ttl);
    }

    @Override
    public <K, V> FilterFactory<K, V> keepIf(Predicate<? super Message<K, V>> predicate) {
        return MessagePredicate.keepIf(predicate);
    }

    @Override
    public <K, V> FilterFactory<K, V> dropIf(Predicate<? super Message<K, V>> predicate) {
        return MessagePredicate.dropIf(predicate);
    }
}
