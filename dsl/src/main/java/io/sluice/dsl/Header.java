package io.sluice.dsl;

import java.util.Arrays;
import java.util.Objects;

/**
 * One Kafka record header. Immutable: the value is copied in and out.
 *
 * @param key   the header key, never {@code null}
 * @param value the header value; {@code null} when the producer sent none
 */
public record Header(String key, byte[] value) {

    /** Copies {@code value}, so later changes to the caller's array do not show here. */
    public Header {
        Objects.requireNonNull(key, "key");
        value = value == null ? null : value.clone();
    }

    /** Returns a copy of the value, or {@code null} when the producer sent none. */
    @Override
    public byte[] value() {
        return value == null ? null : value.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Header h && key.equals(h.key) && Arrays.equals(value, h.value);
    }

    @Override
    public int hashCode() {
        return 31 * key.hashCode() + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "Header[" + key + ", " + (value == null ? "null" : value.length + " bytes") + "]";
    }
}
