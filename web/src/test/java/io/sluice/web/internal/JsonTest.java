package io.sluice.web.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void whatIsWrittenReadsBackTheSame() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("text", "quote \" slash \\ tab \t line \n <script>&'\u2028 é 日本");
        value.put("whole", Long.MIN_VALUE);
        value.put("decimal", 2.5);
        value.put("flags", Arrays.asList(true, false, null));
        value.put("nested", Map.of("empty", List.of(), "object", Map.of()));
        String json = Json.write(value);
        assertTrue(!json.contains("<") && !json.contains("&"), json);
        assertEquals(value, Json.read(json));
    }

    @Test
    void readsStandardEscapesAndSpaces() {
        assertEquals(Map.of("a", List.of("x/y", "\u00e9\b\f", 1L, -0.5e1)),
                Json.read(" {\"a\" : [ \"x\\/y\" , \"\\u00E9\\b\\f\", 1, -0.5e1 ] }\n"));
    }

    @Test
    void malformedTextFailsWithItsPosition() {
        for (String bad : List.of("", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "01x", "\"open", "tru", "1 2",
                "{\"a\":1,\"a\":2}", "\"\\x\"", "\"\u0001\"", "-", "1.", "99999999999999999999", "{a:1}")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.read(bad), bad);
            assertTrue(e.getMessage().startsWith("not JSON: ") && e.getMessage().contains("at character"),
                    e.getMessage());
        }
    }

    @Test
    void deepNestingFailsInsteadOfOverflowingTheStack() {
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.read(deep));
        assertTrue(e.getMessage().contains("nested deeper"), e.getMessage());
        assertEquals(List.of(List.of()), Json.read("[[]]"));
    }
}
