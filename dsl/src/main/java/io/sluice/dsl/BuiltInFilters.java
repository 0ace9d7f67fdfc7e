package io.sluice.dsl;

import java.time.Duration;
import java.util.Iterator;
import java.util.ServiceLoader;
import java.util.function.Predicate;

/**
 * The service behind the topic builder's shortcuts ({@code throttle}, {@code delayBy}, {@code expireAfter},
 * {@code keepIf}, {@code dropIf}). The {@code dsl} module only declares it; the {@code sluice-filters} module
 * provides it through {@link ServiceLoader}, so that the public API depends on no implementation. Users call
 * the shortcuts, not this interface.
 */
public interface BuiltInFilters {

    /** At most {@code limit} messages per sliding {@code interval} per partition; the rest wait. */
    <K, V> FilterFactory<K, V> throttle(int limit, Duration interval);

    /** Holds back messages younger than {@code delay} (by message timestamp) until they are old enough. */
    <K, V> FilterFactory<K, V> delayBy(Duration delay);

    /** Drops messages older than {@code ttl} (by message timestamp), marking them when nothing is left. */
    <K, V> FilterFactory<K, V> expireAfter(Duration ttl);

    /** Keeps only the messages matching {@code predicate}; the rest are dropped for good. */
    <K, V> FilterFactory<K, V> keepIf(Predicate<? super Message<K, V>> predicate);

    /** Drops the messages matching {@code predicate}; the rest pass. */
    default <K, V> FilterFactory<K, V> dropIf(Predicate<? super Message<K, V>> predicate) {
        return keepIf(m -> !predicate.test(m));
    }

    /**
     * The provider on the classpath.
     *
     * @throws IllegalStateException naming the missing module when none is
     */
    static BuiltInFilters provider() {
        Iterator<BuiltInFilters> found = ServiceLoader.load(BuiltInFilters.class, BuiltInFilters.class.getClassLoader())
                .iterator();
        if (!found.hasNext()) {
            throw new IllegalStateException("the built-in filters live in the sluice-filters module; add "
                    + "io.sluice:sluice-filters to your dependencies");
        }
        return found.next();
    }
}
