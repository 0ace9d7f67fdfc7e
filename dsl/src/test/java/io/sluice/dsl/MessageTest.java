package io.sluice.dsl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class MessageTest {

    @Test
    void lastHeaderGivesTheLastValueForTheKey() {
        Message<String, String> message = withHeaders(
                new Header("trace", bytes("a")), new Header("tenant", bytes("eu")), new Header("trace", bytes("b")));

        assertArrayEquals(bytes("b"), message.lastHeader("trace").orElseThrow());
        assertArrayEquals(bytes("eu"), message.lastHeader("tenant").orElseThrow());
        assertEquals(Optional.empty(), message.lastHeader("missing"));
        assertEquals(Optional.empty(), message.lastHeader("TRACE"));
    }

    @Test
    void aLastHeaderWithoutValueIsEmpty() {
        Message<String, String> message = withHeaders(new Header("trace", bytes("a")), new Header("trace", null));

        assertEquals(Optional.empty(), message.lastHeader("trace"));
    }

    @Test
    void theHeaderListIsCopiedAndUnmodifiable() {
        List<Header> headers = new ArrayList<>(List.of(new Header("a", bytes("1"))));
        Message<String, String> message = new Message<>("orders", 0, 1, 0L, "k", "v", headers);

        headers.add(new Header("b", bytes("2")));

        assertEquals(List.of(new Header("a", bytes("1"))), message.headers());
        assertThrows(UnsupportedOperationException.class, () -> message.headers().clear());
    }

    @Test
    void nullHeadersBecomeAnEmptyList() {
        Message<String, String> message = new Message<>("orders", 0, 1, 0L, "k", "v", null);

        assertEquals(List.of(), message.headers());
    }

    @Test
    void knowsItsPartitionAndNextOffset() {
        Message<String, String> message = Message.of("orders", 2, 41, 7L, null, null);

        assertEquals(new TopicPartition("orders", 2), message.topicPartition());
        assertEquals(42, message.nextOffset());
        assertNull(message.key());
        assertNull(message.value());
    }

    @Test
    void rejectsBadCoordinates() {
        assertEquals("topic", assertThrows(NullPointerException.class,
                () -> Message.of(null, 0, 0, 0L, "k", "v")).getMessage());
        assertEquals("partition must be >= 0, was -1", assertThrows(IllegalArgumentException.class,
                () -> Message.of("orders", -1, 0, 0L, "k", "v")).getMessage());
        assertEquals("offset must be >= 0, was -1", assertThrows(IllegalArgumentException.class,
                () -> Message.of("orders", 0, -1, 0L, "k", "v")).getMessage());
    }

    @Test
    void aHeaderCopiesItsValueIn() {
        byte[] value = bytes("abc");
        Header header = new Header("k", value);

        value[0] = 'X';

        assertArrayEquals(bytes("abc"), header.value());
    }

    @Test
    void aHeaderCopiesItsValueOut() {
        Header header = new Header("k", bytes("abc"));

        header.value()[0] = 'X';

        assertArrayEquals(bytes("abc"), header.value());
    }

    @Test
    void headersCompareByContent() {
        assertEquals(new Header("k", bytes("abc")), new Header("k", bytes("abc")));
        assertEquals(new Header("k", bytes("abc")).hashCode(), new Header("k", bytes("abc")).hashCode());
        assertEquals(new Header("k", null), new Header("k", null));
        assertNotEquals(new Header("k", bytes("abc")), new Header("k", bytes("abd")));
        assertNotEquals(new Header("k", bytes("abc")), new Header("j", bytes("abc")));
        assertNotEquals(new Header("k", null), new Header("k", new byte[0]));
    }

    @Test
    void aHeaderNeedsAKeyAndMayLackAValue() {
        assertThrows(NullPointerException.class, () -> new Header(null, bytes("v")));
        assertNull(new Header("k", null).value());
        assertEquals("Header[k, 3 bytes]", new Header("k", bytes("abc")).toString());
        assertEquals("Header[k, null]", new Header("k", null).toString());
    }

    private static Message<String, String> withHeaders(Header... headers) {
        return new Message<>("orders", 0, 1, 0L, "k", "v", List.of(headers));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
