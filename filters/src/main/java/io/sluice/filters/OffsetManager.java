package io.sluice.filters;

import io.sluice.dsl.Batch;
import io.sluice.dsl.Filter;
import io.sluice.dsl.FilterContext;
import io.sluice.dsl.FilterFactory;
import io.sluice.dsl.InfrastructureFailure;
import io.sluice.dsl.OffsetAuthority;
import io.sluice.dsl.OffsetOutOfRangePolicy;
import io.sluice.dsl.Verdict;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transactional offset manager's filter (docs/architecture.md, "Offset flow and table format"): makes a
 * partition resume exactly where its row in {@link PartitionOffsets} says, whatever Kafka's committed offset says.
 * The row is the only truth.
 *
 * <p>Declare it first in the chain with {@code .filter(OffsetManager.using(offsets))}; consume with
 * {@link PartitionOffsets#consume} so the row moves in the consumer's own transaction.
 *
 * <p>Guarantees — one instance per assignment; it acts on the first batch and returns
 * {@link Verdict#notApplied()} for every later one, with one exception: after a SEEK it stays watchful until a
 * batch arrives fetched from the sought offset, and decides again on any batch fetched elsewhere (the job that
 * carried the SEEK failed in a later filter, and the runtime dropped its verdict). When it decides, under the
 * row lock of the context's {@linkplain FilterContext#consumerGroup() consumer group} (creating the row at the
 * fetch offset on first use), it compares the row's next offset with the offset the batch was <em>fetched
 * from</em> ({@link Batch#fetchOffset()}; never the first message's offset, which lies above it after compaction
 * or a transaction marker):
 * <ul>
 *   <li>equal: {@link Verdict#skip()}, the batch untouched;</li>
 *   <li>different, and inside the log range {@code [logStartOffset, logEndOffset]}: the batch is cleared and the
 *       verdict is {@link Verdict#seek SEEK} to the row's offset, forward or back;</li>
 *   <li>outside the log range, by the topic's {@link OffsetOutOfRangePolicy}: {@code FAIL} throws
 *       {@link StoredOffsetOutOfRangeException} naming the partition, both offsets and the range (the runtime
 *       keeps the partition paused and retries, reporting it each time); {@code RESET_TO_LOG_START} and
 *       {@code RESET_TO_LOG_END} log an error naming both offsets, move the row to that end of the log, clear
 *       the batch and seek there (or pass the batch if it was fetched from there). Moving the row back bumps its
 *       epoch, so a member still writing with the old epoch is refused.</li>
 * </ul>
 * When it decides, the store remembers the row's epoch for this process ({@link PartitionOffsets#consume} refuses
 * once the row's epoch differs). An unknown log bound ({@link FilterContext#logStartOffset()} or
 * {@link FilterContext#logEndOffset()} empty) is never taken as unbounded: the decision fails with an
 * {@link InfrastructureFailure}, nothing is written, and the runtime retries. Failures of the store
 * ({@link OffsetStoreException}, e.g. {@link OffsetLockTimeoutException}) and {@link StoredOffsetOutOfRangeException}
 * are infrastructure failures too, and the next try decides again. If the partition is already revoked it decides
 * nothing: it clears the batch and seeks to the fetch offset, so nothing is settled.
 */
public final class OffsetManager implements Filter<Object, Object> {

    private static final Logger LOG = LoggerFactory.getLogger(OffsetManager.class);

    private final PartitionOffsets offsets;
    private final TopicPartition topicPartition;
    private boolean decided;
    /** The offset of a SEEK not yet seen to take effect, or -1. */
    private long soughtOffset = -1;

    /**
     * An offset manager for one assignment of {@code topicPartition}.
     *
     * @param offsets        the store holding the partition's row
     * @param topicPartition the assigned partition
     */
    public OffsetManager(PartitionOffsets offsets, TopicPartition topicPartition) {
        this.offsets = Objects.requireNonNull(offsets, "offsets");
        this.topicPartition = Objects.requireNonNull(topicPartition, "topicPartition");
    }

    /**
     * The factory to declare on an offset-managed topic: a new {@code OffsetManager} per assignment; it must be
     * first in its chain, and {@code offsets} is the topic's {@link OffsetAuthority}.
     */
    public static FilterFactory<Object, Object> using(PartitionOffsets offsets) {
        return new Factory(Objects.requireNonNull(offsets, "offsets"));
    }

    @Override
    public Verdict apply(Batch<?, ?> batch, FilterContext context) {
        if (!batch.topicPartition().equals(topicPartition)) {
            throw new IllegalArgumentException("offset manager of " + topicPartition + " got a batch of "
                    + batch.topicPartition());
        }
        if (soughtOffset >= 0 && batch.fetchOffset() == soughtOffset) {
            soughtOffset = -1;
            decided = true;
        }
        if (decided) {
            return Verdict.notApplied();
        }
        if (context.revoked()) {
            batch.clear();
            return Verdict.seek(batch.fetchOffset());
        }
        if (soughtOffset >= 0) {
            LOG.warn("{}: batch fetched from {}, not from the offset {} this offset manager sought: deciding again",
                    topicPartition, batch.fetchOffset(), soughtOffset);
        }
        OptionalLong start = context.logStartOffset();
        OptionalLong end = context.logEndOffset();
        if (start.isEmpty() || end.isEmpty()) {
            throw new InfrastructureFailure("the log range of " + topicPartition + " is unknown " + range(start, end)
                    + ": the offset manager cannot tell whether the stored offset lies inside the log; retried");
        }
        String group = context.consumerGroup();
        long[] epoch = new long[1];
        Verdict verdict = offsets.locked(group, topicPartition, batch.fetchOffset(), row -> {
            Verdict v = decide(row, batch, context, start.getAsLong(), end.getAsLong());
            epoch[0] = row.epoch();
            return v;
        });
        offsets.observedEpoch(group, topicPartition, epoch[0]);
        if (verdict instanceof Verdict.Seek seek) {
            soughtOffset = seek.cursor().offset();
        } else {
            soughtOffset = -1;
            decided = true;
        }
        return verdict;
    }

    private Verdict decide(LockedRow row, Batch<?, ?> batch, FilterContext context, long logStart, long logEnd) {
        // with virtual partitions the partition resumes at max(W, min r_v), not at W
        long stored = context.settings().virtualPartitions().isPresent()
                ? offsets.virtualStart(row, context.settings().virtualPartitions().get().count())
                : row.nextOffset();
        long fetched = batch.fetchOffset();
        OptionalLong start = OptionalLong.of(logStart);
        OptionalLong end = OptionalLong.of(logEnd);
        boolean inRange = stored >= logStart && stored <= logEnd;
        // the range is checked even when the offsets agree: a position Kafka reset under an out-of-range
        // committed offset may still be reported as the old one, and equal must not hide a silent jump
        if (stored == fetched && inRange) {
            return Verdict.skip();
        }
        if (inRange) {
            LOG.info("{}: stored next offset {} differs from the fetch offset {}: seeking {} to it", topicPartition,
                    stored, fetched, stored > fetched ? "forward" : "back");
            batch.clear();
            return Verdict.seek(stored);
        }
        OffsetOutOfRangePolicy policy = context.settings().onOffsetOutOfRange();
        OptionalLong target = switch (policy) {
            case FAIL -> OptionalLong.empty();
            case RESET_TO_LOG_START -> start;
            case RESET_TO_LOG_END -> end;
        };
        if (target.isEmpty()) {
            throw new StoredOffsetOutOfRangeException(topicPartition, stored, fetched, start, end,
                    policy == OffsetOutOfRangePolicy.FAIL
                            ? "policy FAIL: fix the row in \"" + offsets.tableName() + "\" or choose a reset policy"
                            : "policy " + policy + " but that end of the log is unknown");
        }
        long reset = target.getAsLong();
        LOG.error("{}: stored next offset {} is outside the log {} (Kafka fetched from {}); policy {}: moving the"
                        + " stored offset to {}", topicPartition, stored, range(start, end), fetched, policy, reset);
        row.moveTo(reset);
        if (reset == fetched) {
            return Verdict.skip();
        }
        batch.clear();
        return Verdict.seek(reset);
    }

    static String range(OptionalLong start, OptionalLong end) {
        return "[" + (start.isPresent() ? Long.toString(start.getAsLong()) : "unknown") + ", "
                + (end.isPresent() ? Long.toString(end.getAsLong()) : "unknown") + "]";
    }

    @Override
    public String toString() {
        return "OffsetManager[" + topicPartition + (decided ? " decided" : soughtOffset >= 0
                ? " seeking " + soughtOffset : " undecided") + "]";
    }

    private static final class Factory implements FilterFactory<Object, Object> {
        private final PartitionOffsets offsets;

        Factory(PartitionOffsets offsets) {
            this.offsets = offsets;
        }

        @Override
        public Filter<Object, Object> create(TopicPartition topicPartition) {
            return new OffsetManager(offsets, topicPartition);
        }

        @Override
        public boolean firstInChain() {
            return true;
        }

        @Override
        public Optional<OffsetAuthority> offsetAuthority() {
            return Optional.of(offsets);
        }

        @Override
        public String describe() {
            return "OffsetManager(\"" + offsets.tableName() + "\")";
        }
    }
}
