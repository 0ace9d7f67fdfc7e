package io.sluice.web;

import io.sluice.web.internal.Html;
import java.util.List;
import java.util.Map;

/**
 * Renders the dashboard page, tables filled in on the server, so the first response already shows every
 * partition. Each table names its rows' source in the JSON state ({@code data-source}) and each column its key
 * ({@code data-key}); the page's script re-renders the tables from {@code /api/state} with the same rules
 * ({@link #cell(Object)}). Every piece of text is escaped.
 */
final class HtmlPage {

    /** One column: the row key, its heading, whether it is a number and whether its value styles the cell. */
    record Column(String key, String label, boolean numeric, boolean badge) {
        static Column text(String key, String label) {
            return new Column(key, label, false, false);
        }

        static Column number(String key, String label) {
            return new Column(key, label, true, false);
        }

        static Column badge(String key, String label) {
            return new Column(key, label, false, true);
        }
    }

    static final List<Column> PARTITIONS = List.of(
            Column.text("topicPartition", "Partition"), Column.text("instance", "Instance"),
            Column.badge("state", "State"), Column.number("generation", "Gen"),
            Column.number("position", "Position"), Column.number("committed", "Committed"),
            Column.number("marked", "Marked"), Column.number("databaseOffset", "DB offset"),
            Column.number("logEnd", "Log end"), Column.number("lag", "Lag"),
            Column.text("pausedUntil", "Paused until"), Column.text("lastVerdict", "Last verdict"),
            Column.number("attempts", "Attempts"), Column.number("filterFailures", "Filter fails"));
    static final List<Column> TOPICS = List.of(
            Column.text("topic", "Topic"), Column.text("consumer", "Consumer"),
            Column.text("filters", "Filter chain (in order)"), Column.text("marking", "Marking"),
            Column.text("deadLetterQueue", "Dead letters"));
    static final List<Column> COUNTERS = List.of(Column.text("name", "Counter"), Column.number("value", "Value"));
    static final List<Column> ERRORS = List.of(
            Column.text("time", "Time"), Column.text("topicPartition", "Partition"),
            Column.text("instance", "Instance"), Column.badge("kind", "Kind"), Column.number("attempt", "Attempt"),
            Column.number("offset", "Offset"), Column.text("error", "Error"), Column.text("backoff", "Backoff"));

    private HtmlPage() {
    }

    /** The page for {@code state} served at {@code /}, linking only to the assets of {@code version}. */
    static String render(Map<String, Object> state, String version, long refreshMillis) {
        return render(state, version, refreshMillis, "/");
    }

    /**
     * The page for {@code state} served at {@code base} (an absolute path ending with {@code /}), linking only to
     * the assets of {@code version} below it and reading its state from {@code base + "api/state"}.
     */
    static String render(Map<String, Object> state, String version, long refreshMillis, String base) {
        String assets = Html.escape(base) + "assets/" + Html.escape(version) + "/";
        StringBuilder h = new StringBuilder(16_384);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>Sluice · ").append(Html.escape(String.valueOf(state.get("runtime"))))
                .append("</title>\n")
                .append("<link rel=\"stylesheet\" href=\"").append(assets).append("dashboard.css\">\n")
                .append("<link rel=\"icon\" href=\"").append(assets).append("favicon.svg\" type=\"image/svg+xml\">\n")
                .append("<script src=\"").append(assets).append("dashboard.js\" defer></script>\n")
                .append("</head>\n<body data-state-url=\"").append(Html.escape(base)).append("api/state\" data-refresh-ms=\"").append(refreshMillis)
                .append("\">\n<header>\n<h1><span class=\"brand\">Sluice</span> ")
                .append(field("runtime", state)).append("</h1>\n<p class=\"status\">")
                .append("<span class=\"badge\" data-field=\"status\" data-value=\"")
                .append(Html.escape(cell(state.get("status")))).append("\">")
                .append(Html.escape(cell(state.get("status")))).append("</span>")
                .append(" version ").append(field("version", state))
                .append(" · updated ").append(field("generatedAt", state))
                .append(" <span class=\"connection\" data-connection=\"live\">live</span></p>\n</header>\n<main>\n");
        section(h, "partitions", "Partitions", "No partitions assigned", PARTITIONS, state);
        section(h, "errors", "Recent errors", "No errors", ERRORS, state);
        h.append("<div class=\"columns\">\n");
        section(h, "topics", "Topology", "No topics", TOPICS, state);
        section(h, "counters", "Counters", "No counters", COUNTERS, state);
        h.append("</div>\n</main>\n</body>\n</html>\n");
        return h.toString();
    }

    /** How a value reads in a cell; the script's {@code text()} follows the same rules. */
    static String cell(Object value) {
        if (value == null || "".equals(value)) {
            return "—";
        }
        if (value instanceof List<?> list) {
            if (list.isEmpty()) {
                return "none";
            }
            StringBuilder s = new StringBuilder();
            for (Object item : list) {
                if (s.length() > 0) {
                    s.append(" → ");
                }
                s.append(item);
            }
            return s.toString();
        }
        return String.valueOf(value);
    }

    private static String field(String key, Map<String, Object> state) {
        return "<span data-field=\"" + key + "\">" + Html.escape(cell(state.get(key))) + "</span>";
    }

    private static void section(StringBuilder h, String source, String title, String empty, List<Column> columns,
                                Map<String, Object> state) {
        h.append("<section id=\"").append(source).append("\">\n<h2>").append(Html.escape(title)).append("</h2>\n")
                .append("<div class=\"scroll\"><table data-source=\"").append(source).append("\" data-empty=\"")
                .append(Html.escape(empty)).append("\">\n<thead><tr>");
        for (Column c : columns) {
            h.append("<th data-key=\"").append(c.key()).append('"');
            if (c.numeric()) {
                h.append(" class=\"num\"");
            }
            if (c.badge()) {
                h.append(" data-badge");
            }
            h.append('>').append(Html.escape(c.label())).append("</th>");
        }
        h.append("</tr></thead>\n<tbody>\n");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rows = (List<Map<String, Object>>) state.getOrDefault(source, List.of());
        if (rows.isEmpty()) {
            h.append("<tr class=\"empty\"><td colspan=\"").append(columns.size()).append("\">")
                    .append(Html.escape(empty)).append("</td></tr>\n");
        }
        for (Map<String, Object> row : rows) {
            h.append("<tr>");
            for (Column c : columns) {
                String text = Html.escape(cell(row.get(c.key())));
                h.append("<td");
                if (c.numeric()) {
                    h.append(" class=\"num\"");
                }
                if (c.badge()) {
                    h.append(" data-value=\"").append(text).append('"');
                }
                h.append('>').append(text).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</tbody>\n</table></div>\n</section>\n");
    }
}
