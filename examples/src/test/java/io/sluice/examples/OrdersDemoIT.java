package io.sluice.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Runs the whole demo, crash included, on the in-process broker and H2, with a small number of orders. */
class OrdersDemoIT {

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void everyOrderIsProcessedExactlyOnceAcrossTheHalt() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            exit = OrdersDemo.run(new String[] {"--messages", "3000", "--work-dir", "target/orders-demo-it"}, o, e);
        }
        String output = out.toString(StandardCharsets.UTF_8);
        List<String> lines = output.lines().toList();
        String report = "stdout:\n" + output + "\nstderr:\n" + err.toString(StandardCharsets.UTF_8);

        assertEquals("processed=3000 duplicates=0 lost=0", lines.get(lines.size() - 1), report);
        assertEquals(0, exit, report);
        assertTrue(lines.stream().anyMatch(l -> l.contains("Halted ")), "the demo must halt a runtime\n" + report);
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
