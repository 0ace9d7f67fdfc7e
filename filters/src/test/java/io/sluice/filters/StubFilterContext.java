package io.sluice.filters;

import io.sluice.dsl.FilterContext;
import io.sluice.dsl.TopicSettings;
import java.time.Clock;
import java.util.OptionalLong;
import org.apache.kafka.common.TopicPartition;

/** A filter context for partition {@code t-0} whose clock the test moves by hand. */
final class StubFilterContext implements FilterContext {

    static final TopicPartition TP = new TopicPartition("t", 0);

    final MovableClock clock = new MovableClock();

    @Override
    public TopicPartition topicPartition() {
        return TP;
    }

    @Override
    public TopicSettings settings() {
        return TopicSettings.DEFAULTS;
    }

    @Override
    public boolean revoked() {
        return false;
    }

    @Override
    public Clock clock() {
        return clock;
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
