package io.sluice.dsl;

/**
 * Where a partition resumes after a seek or a pause: the offset of the next message to fetch.
 *
 * <p>Cursors order by offset; the filter chain combines several into the lowest.
 *
 * @param offset the offset to resume from, never negative
 */
public record Cursor(long offset) implements Comparable<Cursor> {

    /** Rejects negative offsets. */
    public Cursor {
        if (offset < 0) {
            throw new IllegalArgumentException("cursor offset must be >= 0, was " + offset);
        }
    }

    /** A cursor at {@code offset}. */
    public static Cursor at(long offset) {
        return new Cursor(offset);
    }

    /** A cursor at the given message, so that it is fetched again. */
    public static Cursor at(Message<?, ?> message) {
        return new Cursor(message.offset());
    }

    @Override
    public int compareTo(Cursor other) {
        return Long.compare(offset, other.offset);
    }
}
