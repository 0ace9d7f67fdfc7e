/**
 * Micrometer Observation of a runtime's jobs: {@link io.sluice.runtime.observation.JobObservations} is a
 * {@link io.sluice.runtime.JobObserver} that makes every job a {@code sluice.job} observation linking to its messages'
 * W3C trace contexts, and every {@code ConsumerContext.observe} a {@code sluice.message} observation continuing one
 * message's trace. Needs {@code io.micrometer:micrometer-observation} only (an optional dependency of
 * {@code sluice-runtime}); a tracing bridge's handlers turn the observations into spans.
 */
package io.sluice.runtime.observation;
