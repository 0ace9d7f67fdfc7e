package io.sluice.runtime.internal;

import io.sluice.dsl.FilterContext;
import io.sluice.dsl.TopicSettings;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.OptionalLong;
import org.apache.kafka.common.TopicPartition;

/** A fixed {@link FilterContext}: the chain only passes it on, so nothing here changes. */
record TestFilterContext(TopicPartition topicPartition) implements FilterContext {

    @Override
    public TopicSettings settings() {
        return TopicSettings.DEFAULTS;
    }

    @Override
    public String consumerGroup() {
        return "test-group";
    }

    @Override
    public boolean revoked() {
        return false;
    }

    @Override
    public Clock clock() {
        return Clock.fixed(Instant.EPOCH, ZoneOffset.UTC);
    }

    @Override
    public OptionalLong logStartOffset() {
        return OptionalLong.empty();
    }

    @Override
    public OptionalLong logEndOffset() {
        return OptionalLong.empty();
    }
}
