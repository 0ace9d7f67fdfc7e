package io.sluice.examples;

import io.sluice.dsl.Filter;
import io.sluice.dsl.FilterFactory;
import io.sluice.dsl.OffsetAuthority;
import io.sluice.dsl.Verdict;
import io.sluice.runtime.SluiceEvent;
import io.sluice.runtime.SluiceEventListener;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.common.TopicPartition;

/**
 * Counts the times the database's offset moved a partition because Kafka's said otherwise: the demo's proof that
 * the row, not Kafka, decided where a new owner resumed. The runtime's own {@code seeks} counter cannot tell these
 * apart, as it also counts a throttle resuming after its pause. Two places move a partition to its row: the runtime
 * when it assigns an offset-managed partition ({@link SluiceEvent.Enforced} events that {@linkplain
 * SluiceEvent.Enforced#moved() moved} it, counted by {@link #listener()}), and the offset manager's first batch
 * should Kafka's position still differ then.
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

    /** A runtime listener counting the enforcements that moved a partition to its stored offset. */
    public SluiceEventListener listener() {
        return event -> {
            if (event instanceof SluiceEvent.Enforced e && e.moved()) {
                count.increment();
            }
        };
    }

    /** How many moves to a stored offset the runtimes and the wrapped offset managers made so far. */
    public long count() {
        return count.sum();
    }
}
