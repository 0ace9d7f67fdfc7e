package io.sluice.web.console;

import io.sluice.web.internal.Html;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The console's pages, rendered on the server: every piece of text escaped, no inline style or script (the pages'
 * Content-Security-Policy forbids both), charts as SVG with presentation attributes.
 */
final class ConsolePages {

    /** Who is asking, and what the page may offer them. */
    record Viewer(boolean operatorMode, Optional<String> operatorName, String csrf) {
        boolean loggedIn() {
            return operatorName.isPresent();
        }
    }

    private ConsolePages() {
    }

    static String layout(String title, String active, String assets, Viewer viewer, String body) {
        StringBuilder h = new StringBuilder(8_192);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>Sluice console · ").append(Html.escape(title)).append("</title>\n")
                .append("<link rel=\"stylesheet\" href=\"").append(assets).append("dashboard.css\">\n")
                .append("<link rel=\"stylesheet\" href=\"").append(assets).append("console.css\">\n")
                .append("<link rel=\"icon\" href=\"").append(assets).append("favicon.svg\" type=\"image/svg+xml\">\n")
                .append("<script src=\"").append(assets).append("console.js\" defer></script>\n")
                .append("</head>\n<body data-page=\"").append(active).append("\">\n<header>\n<h1><span class=\"brand\">")
                .append("Sluice</span> console</h1>\n<nav>");
        for (String[] link : new String[][] {{"overview", "/", "Overview"}, {"partitions", "/partitions",
                "Partitions"}, {"history", "/history", "History"}, {"errors", "/errors", "Errors"},
                {"dead-letters", "/dead-letters", "Dead letters"}}) {
            h.append("<a href=\"").append(link[1]).append('"');
            if (link[0].equals(active)) {
                h.append(" aria-current=\"page\"");
            }
            h.append('>').append(link[2]).append("</a> ");
        }
        h.append("</nav>\n<p class=\"status\">");
        if (!viewer.operatorMode()) {
            h.append("read-only");
        } else if (viewer.loggedIn()) {
            h.append("operator ").append(Html.escape(viewer.operatorName().get()))
                    .append(" <form method=\"post\" action=\"/logout\" class=\"inline\">").append(csrf(viewer))
                    .append("<button type=\"submit\">Log out</button></form>");
        } else {
            h.append("<a href=\"/login\">Log in</a> to act");
        }
        h.append("</p>\n</header>\n<main>\n").append(body).append("</main>\n</body>\n</html>\n");
        return h.toString();
    }

    static String overview(List<ConsoleState.ProcessView> processes, Map<String, String> refused) {
        StringBuilder h = new StringBuilder();
        if (!refused.isEmpty()) {
            h.append("<section id=\"refused\">\n<h2>Reports this console cannot read</h2>\n<ul>\n");
            refused.forEach((process, why) -> h.append("<li class=\"message\" data-refused>")
                    .append(Html.escape(why)).append("</li>\n"));
            h.append("</ul>\n</section>\n");
        }
        long live = processes.stream().filter(p -> p.status() == ConsoleState.Status.LIVE).count();
        long lag = processes.stream().filter(p -> p.status() != ConsoleState.Status.GONE)
                .mapToLong(ConsoleState.ProcessView::lag).sum();
        h.append("<section id=\"processes\">\n<h2>Processes</h2>\n<p class=\"totals\">").append(processes.size())
                .append(" listed · <span data-total=\"live\">").append(live).append("</span> live · lag ")
                .append(lag).append("</p>\n<div class=\"scroll\"><table>\n<thead><tr><th>Group</th><th>Process</th>")
                .append("<th>Host</th><th>Version</th><th>Status</th><th>Last report</th><th>Instances</th>")
                .append("<th class=\"num\">Partitions</th><th class=\"num\">Lag</th><th class=\"num\">Processed</th>")
                .append("</tr></thead>\n<tbody>\n");
        if (processes.isEmpty()) {
            h.append("<tr class=\"empty\"><td colspan=\"10\">No process has reported yet</td></tr>\n");
        }
        for (ConsoleState.ProcessView p : processes) {
            h.append("<tr data-process=\"").append(Html.escape(p.process())).append("\">")
                    .append(td(p.group())).append(td(p.process())).append(td(p.host())).append(td(p.version()))
                    .append("<td data-value=\"").append(p.status().name().toLowerCase(java.util.Locale.ROOT))
                    .append("\" class=\"status-cell\">").append(p.status().name().toLowerCase(java.util.Locale.ROOT))
                    .append("</td>").append(td(p.lastSeen().toString())).append(td(String.join(", ", p.instances())))
                    .append(num(p.partitions())).append(num(p.lag()))
                    .append(num(p.counters().getOrDefault("processed", 0L))).append("</tr>\n");
        }
        h.append("</tbody>\n</table></div>\n</section>\n");
        return h.toString();
    }

    static String partitions(List<String> groups, String group, List<ConsoleState.PartitionView> rows,
                             Viewer viewer) {
        StringBuilder h = new StringBuilder();
        h.append("<section id=\"partitions\">\n<h2>Partitions of ").append(Html.escape(group)).append("</h2>\n");
        groupPicker(h, "/partitions", groups, group);
        h.append("<div class=\"scroll\"><table>\n<thead><tr><th>Partition</th><th>Process</th><th>Instance</th>")
                .append("<th>State</th><th class=\"num\">Position</th><th class=\"num\">Committed</th>")
                .append("<th class=\"num\">Marked</th><th class=\"num\">DB offset</th><th class=\"num\">Drift</th>")
                .append("<th class=\"num\">Log end</th><th class=\"num\">Lag</th><th>Stuck</th><th>Last verdict</th>");
        if (viewer.loggedIn()) {
            h.append("<th>Act</th>");
        }
        h.append("</tr></thead>\n<tbody>\n");
        if (rows.isEmpty()) {
            h.append("<tr class=\"empty\"><td colspan=\"13\">No partitions reported</td></tr>\n");
        }
        for (ConsoleState.PartitionView v : rows) {
            PartitionReport p = v.report();
            String tp = p.topic() + "-" + p.partition();
            h.append("<tr data-partition=\"").append(Html.escape(tp)).append("\">").append(td(tp))
                    .append(td(v.process())).append(td(p.instance())).append("<td data-value=\"")
                    .append(Html.escape(p.state())).append("\">").append(Html.escape(p.state())).append("</td>")
                    .append(num(p.position())).append(num(p.committed())).append(num(p.marked()))
                    .append(num(p.database().map(PartitionReport.DatabaseOffset::offset).orElse(null)))
                    .append("<td class=\"num drift-").append(v.driftLevel()).append("\">")
                    .append(v.drift().isPresent() ? v.drift().getAsLong() : "—").append("</td>")
                    .append(num(p.logEnd())).append(num(p.lag()))
                    .append(v.stuck() ? "<td class=\"stuck\">stuck</td>" : "<td>—</td>")
                    .append(td(p.lastVerdict()));
            if (viewer.loggedIn()) {
                h.append("<td>").append(command("pause", group, p, viewer, "Pause"))
                        .append(command("resume", group, p, viewer, "Resume"));
                if (p.database().isPresent()) {
                    long row = p.database().get().offset();
                    h.append("<form method=\"post\" action=\"/commands/move\" class=\"inline\">").append(csrf(viewer))
                            .append(hidden("group", group)).append(hidden("topic", p.topic()))
                            .append(hidden("partition", String.valueOf(p.partition())))
                            .append(hidden("expected", String.valueOf(row)))
                            .append("<input name=\"target\" type=\"number\" min=\"0\" aria-label=\"target offset of ")
                            .append(Html.escape(tp)).append("\" value=\"").append(row).append("\">")
                            .append("<button type=\"submit\">Move row</button></form>");
                }
                h.append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</tbody>\n</table></div>\n</section>\n");
        return h.toString();
    }

    static String results(List<Map<String, Object>> results) {
        StringBuilder h = new StringBuilder("<section id=\"results\">\n<h2>Command results</h2>\n<ul>\n");
        if (results.isEmpty()) {
            h.append("<li class=\"empty\">No command sent yet</li>\n");
        }
        for (Map<String, Object> r : results) {
            h.append("<li data-result=\"").append(Html.escape(String.valueOf(r.get("outcome")))).append("\">")
                    .append(Html.escape(String.valueOf(r.get("summary")))).append("</li>\n");
        }
        return h.append("</ul>\n</section>\n").toString();
    }

    static String history(List<String> groups, String group, List<String> topics, String topic,
                          List<History.Point> hour, List<History.Point> day) {
        StringBuilder h = new StringBuilder("<section id=\"history\">\n<h2>History of ")
                .append(Html.escape(group)).append(" · ").append(Html.escape(topic)).append("</h2>\n");
        groupPicker(h, "/history", groups, group);
        h.append("<p class=\"topics\">");
        for (String t : topics) {
            h.append("<a href=\"/history?group=").append(Html.escape(url(group))).append("&amp;topic=")
                    .append(Html.escape(url(t))).append("\">").append(Html.escape(t)).append("</a> ");
        }
        h.append("</p>\n");
        chart(h, "throughput-hour", "Messages per minute, last hour", hour, false);
        chart(h, "lag-hour", "Lag, last hour", hour, true);
        chart(h, "throughput-day", "Messages per minute, last 24 hours", day, false);
        chart(h, "lag-day", "Lag, last 24 hours", day, true);
        return h.append("</section>\n").toString();
    }

    static String errors(List<ErrorReport> errors, String filter) {
        StringBuilder h = new StringBuilder("<section id=\"errors\">\n<h2>Errors</h2>\n")
                .append("<form method=\"get\" action=\"/errors\" class=\"filter\"><input name=\"q\" value=\"")
                .append(Html.escape(filter)).append("\" aria-label=\"filter\" placeholder=\"filter\">")
                .append("<button type=\"submit\">Filter</button></form>\n<div class=\"scroll\"><table>\n")
                .append("<thead><tr><th>Time</th><th>Process</th><th>Partition</th><th>Kind</th>")
                .append("<th class=\"num\">Attempt</th><th class=\"num\">Offset</th><th>Error</th>")
                .append("<th class=\"num\">Left out before</th></tr></thead>\n<tbody>\n");
        if (errors.isEmpty()) {
            h.append("<tr class=\"empty\"><td colspan=\"8\">No errors</td></tr>\n");
        }
        for (ErrorReport e : errors) {
            h.append("<tr>").append(td(e.at().toString())).append(td(e.process()))
                    .append(td(e.topic() + "-" + e.partition())).append("<td data-value=\"")
                    .append(Html.escape(e.kind())).append("\">").append(Html.escape(e.kind())).append("</td>")
                    .append(num(e.attempt())).append(num(e.offset())).append("<td><details><summary>")
                    .append(Html.escape(e.error())).append("</summary><pre>").append(Html.escape(e.stack()))
                    .append("</pre></details></td>").append(num(e.suppressed())).append("</tr>\n");
        }
        return h.append("</tbody>\n</table></div>\n</section>\n").toString();
    }

    static String deadLetters(List<String> topics, String topic, List<DeadLetterBrowser.Letter> letters,
                              Viewer viewer, String outcome) {
        StringBuilder h = new StringBuilder("<section id=\"dead-letters\">\n<h2>Dead letters</h2>\n");
        if (!outcome.isEmpty()) {
            h.append("<p class=\"message\" data-outcome>").append(Html.escape(outcome)).append("</p>\n");
        }
        h.append("<p class=\"topics\">");
        for (String t : topics) {
            h.append("<a href=\"/dead-letters?topic=").append(Html.escape(url(t))).append('"');
            if (t.equals(topic)) {
                h.append(" aria-current=\"true\"");
            }
            h.append('>').append(Html.escape(t)).append("</a> ");
        }
        h.append("</p>\n<form method=\"get\" action=\"/dead-letters\" class=\"filter\"><input name=\"topic\" value=\"")
                .append(Html.escape(topic)).append("\" aria-label=\"dead-letter topic\" placeholder=\"topic\">")
                .append("<button type=\"submit\">Browse</button></form>\n");
        if (topic.isEmpty()) {
            return h.append("</section>\n").toString();
        }
        if (!viewer.loggedIn()) {
            h.append("<p>Keys and values are shown to operators only.</p>\n");
        }
        h.append("<div class=\"scroll\"><table>\n<thead><tr><th class=\"num\">Partition</th>")
                .append("<th class=\"num\">Offset</th><th>Time</th><th>Original</th><th>Error</th>")
                .append("<th>Headers</th>");
        if (viewer.loggedIn()) {
            h.append("<th>Key</th><th>Value</th><th>Replay</th>");
        }
        h.append("</tr></thead>\n<tbody>\n");
        if (letters.isEmpty()) {
            h.append("<tr class=\"empty\"><td colspan=\"9\">No dead letters</td></tr>\n");
        }
        for (DeadLetterBrowser.Letter l : letters) {
            Map<String, String> hd = l.headers();
            String original = hd.getOrDefault("sluice.dlq.original.topic", "?") + "-"
                    + hd.getOrDefault("sluice.dlq.original.partition", "?") + "@"
                    + hd.getOrDefault("sluice.dlq.original.offset", "?");
            StringBuilder headers = new StringBuilder();
            hd.forEach((k, v) -> headers.append(k).append('=').append(v == null ? "null" : v).append('\n'));
            h.append("<tr data-letter=\"").append(l.partition()).append('/').append(l.offset()).append("\">")
                    .append(num(l.partition())).append(num(l.offset())).append(td(l.timestamp().toString()))
                    .append(td(original))
                    .append(td(hd.getOrDefault("sluice.dlq.exception.class", "") + ": "
                            + hd.getOrDefault("sluice.dlq.exception.message", "")))
                    .append("<td><details><summary>").append(hd.size()).append(" headers</summary><pre>")
                    .append(Html.escape(headers.toString())).append("</pre></details></td>");
            if (viewer.loggedIn()) {
                h.append(td(l.key())).append(td(l.value())).append("<td><form method=\"post\"")
                        .append(" action=\"/dead-letters/replay\" class=\"inline\">").append(csrf(viewer))
                        .append(hidden("topic", topic)).append(hidden("partition", String.valueOf(l.partition())))
                        .append(hidden("from", String.valueOf(l.offset()))).append(hidden("count", "1"))
                        .append("<label><input type=\"checkbox\" name=\"force\" value=\"true\"> again</label>")
                        .append("<button type=\"submit\">Replay</button></form></td>");
            }
            h.append("</tr>\n");
        }
        return h.append("</tbody>\n</table></div>\n</section>\n").toString();
    }

    static String login(String message, String csrfLogin) {
        return "<section id=\"login\">\n<h2>Operator login</h2>\n"
                + (message.isEmpty() ? "" : "<p class=\"message\">" + Html.escape(message) + "</p>\n")
                + "<form method=\"post\" action=\"/login\">"
                + "<input type=\"hidden\" name=\"csrf\" value=\"" + Html.escape(csrfLogin) + "\">"
                + "<label>Token <input name=\"token\" type=\"password\" autocomplete=\"current-password\"></label>"
                + "<button type=\"submit\">Log in</button></form>\n</section>\n";
    }

    static String message(String title, String text) {
        return "<section>\n<h2>" + Html.escape(title) + "</h2>\n<p class=\"message\">" + Html.escape(text)
                + "</p>\n<p><a href=\"/\">Overview</a></p>\n</section>\n";
    }

    private static void chart(StringBuilder h, String id, String title, List<History.Point> points, boolean lag) {
        int width = 720;
        int height = 140;
        long max = 1;
        for (History.Point p : points) {
            max = Math.max(max, lag ? p.lag().orElse(0) : p.consumed());
        }
        h.append("<figure class=\"chart\" id=\"").append(id).append("\"><figcaption>").append(Html.escape(title))
                .append(" (max ").append(max).append(")</figcaption>\n<svg xmlns=\"http://www.w3.org/2000/svg\"")
                .append(" viewBox=\"0 0 ").append(width).append(' ').append(height).append("\" width=\"")
                .append(width).append("\" height=\"").append(height).append("\" role=\"img\" aria-label=\"")
                .append(Html.escape(title)).append("\">")
                .append("<rect x=\"0\" y=\"0\" width=\"").append(width).append("\" height=\"").append(height)
                .append("\" fill=\"#ffffff\" stroke=\"#e3e6ec\"/>");
        StringBuilder line = new StringBuilder();
        int drawn = 0;
        for (int i = 0; i < points.size(); i++) {
            History.Point p = points.get(i);
            OptionalLong value = lag ? p.lag() : OptionalLong.of(p.consumed());
            if (value.isEmpty()) {
                continue;
            }
            double x = points.size() == 1 ? 0 : i * (width - 1.0) / (points.size() - 1);
            double y = height - 4 - value.getAsLong() * (height - 8.0) / max;
            line.append(drawn == 0 ? "" : " ").append(String.format(java.util.Locale.ROOT, "%.1f,%.1f", x, y));
            drawn++;
        }
        if (drawn > 0) {
            h.append("<polyline fill=\"none\" stroke=\"").append(lag ? "#a15c00" : "#2457c5")
                    .append("\" stroke-width=\"1.5\" points=\"").append(line).append("\"/>");
        }
        h.append("</svg><p class=\"points\" data-points=\"").append(drawn).append("\">").append(drawn)
                .append(" points</p></figure>\n");
    }

    private static String command(String kind, String group, PartitionReport p, Viewer viewer, String label) {
        return "<form method=\"post\" action=\"/commands/" + kind + "\" class=\"inline\">" + csrf(viewer)
                + hidden("group", group) + hidden("topic", p.topic()) + hidden("partition",
                String.valueOf(p.partition())) + "<button type=\"submit\">" + label + "</button></form>";
    }

    private static void groupPicker(StringBuilder h, String page, List<String> groups, String group) {
        h.append("<p class=\"groups\">");
        for (String g : groups) {
            h.append("<a href=\"").append(page).append("?group=").append(Html.escape(url(g))).append('"');
            if (g.equals(group)) {
                h.append(" aria-current=\"true\"");
            }
            h.append('>').append(Html.escape(g)).append("</a> ");
        }
        h.append("</p>\n");
    }

    static String csrf(Viewer viewer) {
        return hidden("csrf", viewer.csrf());
    }

    private static String hidden(String name, String value) {
        return "<input type=\"hidden\" name=\"" + name + "\" value=\"" + Html.escape(value) + "\">";
    }

    private static String td(String text) {
        return "<td>" + Html.escape(text == null || text.isEmpty() ? "—" : text) + "</td>";
    }

    private static String num(Object value) {
        String text;
        if (value instanceof OptionalLong o) {
            text = o.isPresent() && o.getAsLong() >= 0 ? String.valueOf(o.getAsLong()) : "—";
        } else if (value instanceof Long l) {
            text = l < 0 ? "—" : String.valueOf(l);
        } else {
            text = value == null ? "—" : String.valueOf(value);
        }
        return "<td class=\"num\">" + Html.escape(text) + "</td>";
    }

    static String url(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
    }
}
