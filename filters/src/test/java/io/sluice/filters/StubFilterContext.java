package io.sluice.filters;

import io.sluice.testing.TestContext;
import org.apache.kafka.common.TopicPartition;

/** A context of partition {@code t-0} whose clock the test moves by hand, backwards too. */
final class StubFilterContext extends TestContext {

    static final TopicPartition TP = new TopicPartition("t", 0);

    final MovableClock clock;

    StubFilterContext() {
        this(new MovableClock());
    }

    private StubFilterContext(MovableClock clock) {
        super(TP, clock);
        this.clock = clock;
    }
}
