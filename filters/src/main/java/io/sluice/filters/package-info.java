/**
 * Sluice's built-in filters: {@link io.sluice.filters.Throttle}, {@link io.sluice.filters.Delay},
 * {@link io.sluice.filters.Expiry} and {@link io.sluice.filters.MessagePredicate}, each made per partition
 * assignment by the {@link io.sluice.dsl.FilterFactory} its static factory returns, and
 * {@link io.sluice.filters.SluiceFilters}, the {@link io.sluice.dsl.BuiltInFilters} service behind the topic
 * builder's {@code throttle}, {@code delayBy}, {@code expireAfter}, {@code keepIf} and {@code dropIf}.
 *
 * <p>Time-based filters read time only from {@link io.sluice.dsl.FilterContext#clock()}, so tests and the
 * in-memory driver can move it by hand.
 */
package io.sluice.filters;
