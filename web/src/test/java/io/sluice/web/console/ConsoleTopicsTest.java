package io.sluice.web.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConsoleTopicsTest {

    @Test
    void namesUseDotsAndCarryThePrefix() {
        assertEquals(List.of("sluice.reports", "sluice.errors", "sluice.commands", "sluice.results",
                "sluice.metrics", "sluice.pauses"),
                ConsoleTopics.standard().specs().stream().map(ConsoleTopics.Spec::name).toList());
        assertEquals("staging.eu.sluice.pauses", new ConsoleTopics("staging.eu").pauses());
    }

    @Test
    void retentionAndCompactionFollowEachRole() {
        ConsoleTopics topics = ConsoleTopics.standard();
        for (ConsoleTopics.Spec spec : topics.specs()) {
            assertEquals(1, spec.partitions(), spec.name());
            String policy = spec.configs().get("cleanup.policy");
            if (spec.name().endsWith(".metrics") || spec.name().endsWith(".pauses")) {
                assertEquals("compact", policy, spec.name());
            } else {
                assertEquals("delete", policy, spec.name());
                long days = Long.parseLong(spec.configs().get("retention.ms")) / 86_400_000L;
                assertEquals(spec.name().endsWith(".errors") ? 90 : 1, days, spec.name());
            }
        }
    }

    @Test
    void aPrefixWithAnUnderscoreOrAnEmptyPartIsRefused() {
        for (String bad : List.of("prod_eu", "prod..eu", ".prod", "prod.", "pr od")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ConsoleTopics(bad));
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }

    @Test
    void aUsageErrorExitsWithTwoAndSaysWhatIsWrong() {
        assertUsage("no command given");
        assertUsage("unknown command 'create'", "create");
        assertUsage("--bootstrap-servers is required", "install");
        assertUsage("unknown option --topic", "install", "--bootstrap-servers", "x:1", "--topic", "t");
        assertUsage("--prefix needs a value", "install", "--bootstrap-servers", "x:1", "--prefix");
        assertUsage("--replication-factor must be", "install", "--bootstrap-servers", "x:1",
                "--replication-factor", "0");
        assertUsage("may hold letters", "install", "--bootstrap-servers=x:1", "--prefix=a_b");
    }

    private static void assertUsage(String expected, String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = SluiceWebCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = err.toString(StandardCharsets.UTF_8);
        assertEquals(2, code, text);
        assertTrue(text.contains(expected), text);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }
}
