package io.sluice.dsl;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * What a {@link Filter} asks the runtime to do after one batch. A closed set:
 *
 * <table>
 *   <caption>verdicts</caption>
 *   <tr><th>verdict</th><th>meaning</th></tr>
 *   <tr><td>{@link NotApplied}</td><td>the filter did nothing and has no say in the outcome</td></tr>
 *   <tr><td>{@link Skip}</td><td>the filter may have removed messages; no seek, no pause</td></tr>
 *   <tr><td>{@link Seek}</td><td>after the batch, move the partition's position to the cursor</td></tr>
 *   <tr><td>{@link Pause}</td><td>after the batch, pause the partition and resume from the cursor once
 *       the timeout has passed</td></tr>
 * </table>
 *
 * <p>Every applied verdict may also ask that an offset be marked as consumed ({@link #mark()}), a
 * <em>next offset</em> as Kafka commits it, for messages the filter dropped for good. The runtime clamps that
 * request so it never covers a message that will be fetched again or handed to the consumer.
 *
 * <p>A filter that removed any message must return an applied verdict (not {@link NotApplied}).
 */
public sealed interface Verdict permits Verdict.NotApplied, Verdict.Skip, Verdict.Seek, Verdict.Pause {

    /** The next offset this verdict asks to mark as consumed, if any. */
    OptionalLong mark();

    /** The offset the partition resumes from after this verdict: the cursor of a SEEK or PAUSE, else empty. */
    default OptionalLong resumeAt() {
        return OptionalLong.empty();
    }

    /** Whether the filter acted: everything but {@link NotApplied}. */
    default boolean applied() {
        return true;
    }

    /** The filter did nothing. */
    static Verdict notApplied() {
        return NotApplied.INSTANCE;
    }

    /** The filter acted (or looked) and wants no seek or pause. */
    static Skip skip() {
        return new Skip(OptionalLong.empty());
    }

    /** After this batch, move the position to {@code offset}. */
    static Seek seek(long offset) {
        return new Seek(Cursor.at(offset), OptionalLong.empty());
    }

    /** After this batch, pause and resume from {@code offset} once {@code timeout} has passed. */
    static Pause pause(long offset, Duration timeout) {
        return new Pause(Cursor.at(offset), timeout, OptionalLong.empty());
    }

    /** This verdict, also asking that {@code nextOffset} be marked as consumed. */
    Verdict marking(long nextOffset);

    /** The filter did nothing; it has no say in the combined verdict. */
    record NotApplied() implements Verdict {
        private static final NotApplied INSTANCE = new NotApplied();

        @Override
        public OptionalLong mark() {
            return OptionalLong.empty();
        }

        @Override
        public boolean applied() {
            return false;
        }

        /** Always throws: a filter that did nothing cannot ask for a mark. */
        @Override
        public Verdict marking(long nextOffset) {
            throw new IllegalStateException("a filter that did not apply cannot ask to mark offset " + nextOffset);
        }
    }

    /**
     * No seek, no pause.
     *
     * @param mark the next offset to mark as consumed, if any
     */
    record Skip(OptionalLong mark) implements Verdict {
        /** Validates the mark. */
        public Skip {
            mark = checkMark(mark);
        }

        @Override
        public Skip marking(long nextOffset) {
            return new Skip(OptionalLong.of(nextOffset));
        }
    }

    /**
     * Move the position to {@code cursor} after this batch.
     *
     * @param cursor where to resume, never {@code null}
     * @param mark   the next offset to mark as consumed, if any
     */
    record Seek(Cursor cursor, OptionalLong mark) implements Verdict {
        /** Validates the cursor and the mark. */
        public Seek {
            Objects.requireNonNull(cursor, "cursor");
            mark = checkMark(mark);
        }

        @Override
        public OptionalLong resumeAt() {
            return OptionalLong.of(cursor.offset());
        }

        @Override
        public Seek marking(long nextOffset) {
            return new Seek(cursor, OptionalLong.of(nextOffset));
        }
    }

    /**
     * Pause after this batch; resume from {@code cursor} once {@code timeout} has passed.
     *
     * @param cursor  where to resume, never {@code null}
     * @param timeout how long to pause, zero or more
     * @param mark    the next offset to mark as consumed, if any
     */
    record Pause(Cursor cursor, Duration timeout, OptionalLong mark) implements Verdict {
        /** Validates the cursor, the timeout and the mark. */
        public Pause {
            Objects.requireNonNull(cursor, "cursor");
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("pause timeout must not be negative, was " + timeout);
            }
            mark = checkMark(mark);
        }

        @Override
        public OptionalLong resumeAt() {
            return OptionalLong.of(cursor.offset());
        }

        @Override
        public Pause marking(long nextOffset) {
            return new Pause(cursor, timeout, OptionalLong.of(nextOffset));
        }
    }

    private static OptionalLong checkMark(OptionalLong mark) {
        Objects.requireNonNull(mark, "mark");
        if (mark.isPresent() && mark.getAsLong() < 0) {
            throw new IllegalArgumentException("a mark is a next offset and must be >= 0, was " + mark.getAsLong());
        }
        return mark;
    }
}
