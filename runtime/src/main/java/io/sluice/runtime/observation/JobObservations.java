package io.sluice.runtime.observation;

import io.micrometer.common.KeyValues;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.sluice.dsl.Message;
import io.sluice.runtime.JobObserver;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Makes every job of a runtime a Micrometer {@code sluice.job} {@link Observation} (see
 * {@link SluiceJobObservationConvention} for its key values) whose context, a {@link SluiceJobContext}, carries the
 * trace contexts of the job's messages for span links, and every {@code ctx.observe(message, work)} a
 * {@code sluice.message} observation, a child of the job's, continuing that message's trace.
 *
 * <pre>{@code
 * SluiceRuntime runtime = SluiceRuntime.create(topology, props)
 *         .jobObserver(JobObservations.create(observationRegistry));
 * }</pre>
 *
 * <p>The job's observation is open in scope on the worker thread while the job runs, so what the filters and the
 * consumer observe (a JDBC call, an HTTP call) is its child. On failure the observation records the error. With a
 * no-op registry nothing is made. Thread-safe.
 */
public final class JobObservations implements JobObserver {

    private final ObservationRegistry registry;
    private final SluiceJobObservationConvention convention;

    private JobObservations(ObservationRegistry registry, SluiceJobObservationConvention convention) {
        this.registry = registry;
        this.convention = convention;
    }

    /** Observations in {@code registry} with the default convention. */
    public static JobObservations create(ObservationRegistry registry) {
        return create(registry, null);
    }

    /** Observations in {@code registry}, named by {@code convention} ({@code null}: the default). */
    public static JobObservations create(ObservationRegistry registry, SluiceJobObservationConvention convention) {
        return new JobObservations(Objects.requireNonNull(registry, "registry"), convention);
    }

    @Override
    public Scope jobStarted(Job job) {
        SluiceJobContext context = new SluiceJobContext(job);
        Observation observation = Observation.createNotStarted(convention, SluiceJobObservationConvention.DEFAULT,
                () -> context, registry);
        if (observation.isNoop()) {
            return Scope.NONE;
        }
        observation.start();
        Observation.Scope scope = observation.openScope();
        return outcome -> {
            context.outcome(outcome);
            outcome.failure().ifPresent(observation::error);
            scope.close();
            observation.stop();
        };
    }

    @Override
    public <T> T observe(Message<?, ?> message, Supplier<T> work) {
        SluiceMessageContext context = new SluiceMessageContext(message);
        Observation observation = Observation.createNotStarted("sluice.message", () -> context, registry)
                .contextualName(message.topic() + " process")
                .lowCardinalityKeyValues(KeyValues.of("sluice.topic", message.topic(),
                        "sluice.partition", Integer.toString(message.partition()), "messaging.system", "kafka"))
                .highCardinalityKeyValue("sluice.offset", Long.toString(message.offset()));
        return observation.observe(work);
    }
}
