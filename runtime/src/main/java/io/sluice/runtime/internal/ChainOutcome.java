package io.sluice.runtime.internal;

import io.sluice.dsl.Cursor;
import io.sluice.dsl.Verdict;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a {@link FilterChain} decided for one batch.
 *
 * @param verdict          the combined verdict; its {@link Verdict#mark()} is already clamped (see
 *                         {@code docs/architecture.md}, "The filter contract")
 * @param settledEnd       {@code min(cursor, the fetch's next offset)}: every offset below it is decided once
 *                         the job succeeds
 * @param removedByFilters how many messages the filters removed
 * @param removedAtCursor  how many messages at or above the cursor were removed afterwards (fetched again later)
 */
public record ChainOutcome(Verdict verdict, long settledEnd, int removedByFilters, int removedAtCursor) {

    /** Rejects a null verdict. */
    public ChainOutcome {
        Objects.requireNonNull(verdict, "verdict");
    }

    /** The combined cursor, when the chain asked for a seek or a pause. */
    public Optional<Cursor> cursor() {
        return verdict.resumeAt().isPresent()
                ? Optional.of(Cursor.at(verdict.resumeAt().getAsLong()))
                : Optional.empty();
    }

    /** The pause timeout, when the chain asked for a pause. */
    public Optional<Duration> pauseTimeout() {
        return verdict instanceof Verdict.Pause p ? Optional.of(p.timeout()) : Optional.empty();
    }

    /** The clamped mark the filters asked for, if any. */
    public OptionalLong filterMark() {
        return verdict.mark();
    }
}
