package io.sluice.runtime.observation;

import io.micrometer.common.KeyValues;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;
import io.sluice.runtime.JobObserver;

/**
 * Names a {@code sluice.job} observation and its key values. The default, {@link #DEFAULT}: name
 * {@code sluice.job}, contextual name {@code <topic> process}; low-cardinality keys {@code sluice.topic},
 * {@code sluice.partition}, {@code sluice.outcome} ({@code success}, {@code failure}; {@code unknown} while running)
 * and {@code messaging.system=kafka}; high-cardinality keys {@code sluice.batch.size},
 * {@code sluice.consumer.group}, {@code sluice.instance}, {@code sluice.fetch.offset} and {@code sluice.consumed}.
 * Implement it to name them otherwise and pass it to {@link JobObservations#create}.
 */
public interface SluiceJobObservationConvention extends ObservationConvention<SluiceJobContext> {

    /** The default convention. */
    SluiceJobObservationConvention DEFAULT = new SluiceJobObservationConvention() {
    };

    @Override
    default String getName() {
        return "sluice.job";
    }

    @Override
    default String getContextualName(SluiceJobContext context) {
        return context.job().topicPartition().topic() + " process";
    }

    @Override
    default KeyValues getLowCardinalityKeyValues(SluiceJobContext context) {
        JobObserver.Job job = context.job();
        String outcome = context.outcome().map(o -> o.succeeded() ? "success" : "failure").orElse("unknown");
        return KeyValues.of("sluice.topic", job.topicPartition().topic(),
                "sluice.partition", Integer.toString(job.topicPartition().partition()),
                "sluice.outcome", outcome, "messaging.system", "kafka");
    }

    @Override
    default KeyValues getHighCardinalityKeyValues(SluiceJobContext context) {
        JobObserver.Job job = context.job();
        KeyValues values = KeyValues.of("sluice.batch.size", Integer.toString(job.size()),
                "sluice.consumer.group", job.consumerGroup(), "sluice.instance", job.instance(),
                "sluice.fetch.offset", Long.toString(job.fetchOffset()));
        return context.outcome().map(o -> values.and("sluice.consumed", Integer.toString(o.consumed())))
                .orElse(values);
    }

    @Override
    default boolean supportsContext(Observation.Context context) {
        return context instanceof SluiceJobContext;
    }
}
