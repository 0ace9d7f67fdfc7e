package io.sluice.spring.boot.autoconfigure;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Masks or cuts the error texts of a dashboard snapshot: they can carry JDBC URLs and payload fragments. */
final class ErrorTexts {

    static final String MASK = "******";

    private ErrorTexts() {
    }

    /**
     * A copy of {@code snapshot} whose {@code errors[].error} texts are cut to {@code maxLength} characters, or
     * masked when {@code maxLength} is negative.
     */
    static Map<String, Object> sanitized(Map<String, Object> snapshot, int maxLength) {
        Map<String, Object> copy = new LinkedHashMap<>(snapshot);
        if (copy.get("errors") instanceof List<?> errors) {
            List<Object> rows = new ArrayList<>();
            for (Object e : errors) {
                if (e instanceof Map<?, ?> m) {
                    Map<Object, Object> row = new LinkedHashMap<>(m);
                    Object text = row.get("error");
                    if (text != null) {
                        row.put("error", maxLength < 0 ? MASK : cut(text.toString(), maxLength));
                    }
                    rows.add(row);
                } else {
                    rows.add(e);
                }
            }
            copy.put("errors", rows);
        }
        return copy;
    }

    private static String cut(String text, int maxLength) {
        return text.length() <= maxLength ? text : text.substring(0, maxLength) + "…";
    }
}
