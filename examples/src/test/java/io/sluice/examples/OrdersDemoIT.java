package io.sluice.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs the whole demo, crash included, on the in-process broker and H2, with a small number of orders; with
 * {@code --linger}, the dashboards are still up after the summary line, and the halted runtime's says so.
 */
class OrdersDemoIT {

    private static final Pattern DASHBOARD = Pattern.compile("Dashboard of (\\S+): (http://\\S+)");
    private static final Pattern HALTING = Pattern.compile("Halting (\\S+) at ");
    private static final String SUMMARY = "processed=3000 duplicates=0 lost=0";

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void everyOrderIsProcessedExactlyOnceAcrossTheHaltAndTheDashboardsLinger() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CountDownLatch lingerCut = new CountDownLatch(1);
        AtomicInteger exit = new AtomicInteger(-1);
        Thread demo = new Thread(() -> {
            try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                 PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
                exit.set(OrdersDemo.run(new String[] {"--messages", "3000", "--work-dir", "target/orders-demo-it",
                        "--linger", "600"}, Map.of(), Colors.NONE, o, e, lingerCut));
            }
        }, "orders-demo");
        demo.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (!out.toString(StandardCharsets.UTF_8).contains(SUMMARY) && demo.isAlive()
                    && System.nanoTime() < deadline) {
                demo.join(50);
            }
            String report = "stdout:\n" + out.toString(StandardCharsets.UTF_8) + "\nstderr:\n"
                    + err.toString(StandardCharsets.UTF_8);
            assertTrue(demo.isAlive(), "the demo must linger after its summary line\n" + report);

            // lingering: every dashboard still answers; the halted runtime's reports halted, the closed ones stopped
            String output = out.toString(StandardCharsets.UTF_8);
            Matcher halting = HALTING.matcher(output);
            assertTrue(halting.find(), "the demo must halt a runtime\n" + report);
            Map<String, String> statuses = new LinkedHashMap<>();
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            for (Matcher m = DASHBOARD.matcher(output); m.find(); ) {
                HttpResponse<String> state = http.send(HttpRequest.newBuilder(URI.create(m.group(2) + "api/state"))
                        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
                Matcher status = Pattern.compile("\"status\":\"(\\w+)\"").matcher(state.body());
                assertTrue(status.find(), state.body());
                statuses.put(m.group(1), status.group(1));
            }
            assertEquals(3, statuses.size(), statuses + "\n" + report);

            // one console for the whole group: every runtime listed, the closed ones gone, the halted one silent
            Matcher consoleUrl = Pattern.compile("Console of the whole group: (http://\\S+)").matcher(output);
            assertTrue(consoleUrl.find(), report);
            // the halted runtime falls silent: stale once three of its report intervals passed without a report
            Map<String, String> shown = new LinkedHashMap<>();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            String overview = "";
            while (System.nanoTime() < until) {
                overview = http.send(HttpRequest.newBuilder(URI.create(consoleUrl.group(1)))
                        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()).body();
                shown.clear();
                for (String runtime : statuses.keySet()) {
                    Matcher row = Pattern.compile("data-process=\"" + Pattern.quote(runtime)
                            + "\">.*?data-value=\"(\\w+)\"").matcher(overview);
                    shown.put(runtime, row.find() ? row.group(1) : "missing");
                }
                boolean settled = shown.entrySet().stream().allMatch(e -> e.getKey().equals(halting.group(1))
                        ? e.getValue().equals("stale") || e.getValue().equals("gone") : e.getValue().equals("gone"));
                if (settled) {
                    break;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200)); // poll again
            }
            for (Map.Entry<String, String> e : shown.entrySet()) {
                if (e.getKey().equals(halting.group(1))) {
                    assertTrue(e.getValue().equals("stale") || e.getValue().equals("gone"),
                            e.getKey() + " halted: " + shown + "\n" + overview);
                } else {
                    assertEquals("gone", e.getValue(), e.getKey() + " closed: " + shown + "\n" + overview);
                }
            }
            statuses.forEach((runtime, status) -> assertEquals(
                    runtime.equals(halting.group(1)) ? "halted" : "stopped", status, runtime + ": " + statuses));
        } finally {
            lingerCut.countDown();
            demo.join(TimeUnit.MINUTES.toMillis(1));
        }

        String output = out.toString(StandardCharsets.UTF_8);
        List<String> lines = output.lines().toList();
        String report = "stdout:\n" + output + "\nstderr:\n" + err.toString(StandardCharsets.UTF_8);
        assertEquals(SUMMARY, lines.get(lines.size() - 1), "the summary stays the last line\n" + report);
        assertEquals(0, exit.get(), report);
        assertTrue(lines.stream().anyMatch(l -> l.contains("must seek")),
                "the halt must leave Kafka's offsets behind the database's\n" + report);
        long seeks = lines.stream()
                .filter(l -> l.contains("offset manager seeks: "))
                .mapToLong(l -> Long.parseLong(l.substring(l.lastIndexOf(' ') + 1)))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no offset manager seek count\n" + report));
        assertTrue(seeks >= 1, "the offset manager must have sought to the database's offset\n" + report);
    }
}
