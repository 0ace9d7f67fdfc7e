package io.sluice.examples;

import io.sluice.dsl.Filter;
import io.sluice.dsl.FilterFactory;
import io.sluice.dsl.OffsetAuthority;
import io.sluice.dsl.Verdict;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.common.TopicPartition;

/**
 * Counts the times the offset manager moved a partition to the database's offset because Kafka's said
 * otherwise: the demo's proof that the row, not Kafka, decided where a new owner resumed. The runtime's own
 * {@code seeks} counter cannot tell these apart, as it also counts a throttle resuming after its pause.
 *
 * <p>{@link #wrap} returns a factory that behaves exactly like the one it wraps (first in chain, the same offset
 * authority, the same verdicts); it only looks at each verdict. A SEEK back to the offset the batch was fetched
 * from (the offset manager's answer to a revoked partition) is not counted: it moves nothing. Thread-safe.
 */
public final class OffsetManagerSeeks {

    private final LongAdder count = new LongAdder();

    /** A factory making {@code offsetManager}'s filters, each reporting its seeks here. */
    public FilterFactory<Object, Object> wrap(FilterFactory<Object, Object> offsetManager) {
        Objects.requireNonNull(offsetManager, "offsetManager");
        return new FilterFactory<>() {
            @Override
            public Filter<Object, Object> create(TopicPartition topicPartition) {
                Filter<? super Object, ? super Object> filter = offsetManager.create(topicPartition);
                return (batch, context) -> {
                    Verdict verdict = filter.apply(batch, context);
                    if (verdict instanceof Verdict.Seek seek && seek.cursor().offset() != batch.fetchOffset()) {
                        count.increment();
                    }
                    return verdict;
                };
            }

            @Override
            public boolean firstInChain() {
                return offsetManager.firstInChain();
            }

            @Override
            public Optional<OffsetAuthority> offsetAuthority() {
                return offsetManager.offsetAuthority();
            }

            @Override
            public String describe() {
                return offsetManager.describe();
            }
        };
    }

    /** How many seeks to a stored offset the wrapped offset managers made so far. */
    public long count() {
        return count.sum();
    }
}
