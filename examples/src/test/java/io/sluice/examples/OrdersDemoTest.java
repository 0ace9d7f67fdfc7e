package io.sluice.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OrdersDemoTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            return OrdersDemo.run(args, o, e);
        }
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpListsEveryOptionAndExitsZero() {
        assertEquals(0, run("--help"));
        for (String option : List.of("--work-dir", "--bootstrap-servers", "--jdbc-url", "--jdbc-user",
                "--jdbc-password", "--messages", "--partitions", "--topic", "--halt-at", "--timeout", "--help")) {
            assertTrue(out().contains(option), () -> option + " missing from the help:\n" + out());
        }
        assertEquals("", err());
    }

    @Test
    void helpWinsOverOtherOptions() {
        assertEquals(0, run("--messages", "10", "--help"));
        assertTrue(out().startsWith("Usage: OrdersDemo"), out());
    }

    @ParameterizedTest(name = "{0} -> names {1}")
    @CsvSource(delimiter = '|', value = {
        "--messages abc              | --messages",
        "--messages 0                | --messages",
        "--messages=-5               | --messages",
        "--messages                  | --messages",
        "--partitions 0              | --partitions",
        "--partitions x              | --partitions",
        "--halt-at 100               | --halt-at",
        "--timeout 0                 | --timeout",
        "--topic bad/name            | --topic",
        "--jdbc-url jdbc:mysql://db/x | --jdbc-url",
        "--jdbc-user sa              | --jdbc-user",
        "--bootstrap-servers         | --bootstrap-servers",
        "--frobnicate                | --frobnicate",
        "stray                       | stray",
    })
    void aBadOptionExitsWithTwoAndNamesIt(String args, String named) {
        assertEquals(2, run(args.trim().split(" +")));
        assertTrue(err().contains(named), () -> "stderr does not name " + named + ":\n" + err());
        assertTrue(err().contains("--help"), err());
        assertEquals("", out(), "nothing may start before the options are valid");
    }

    @Test
    void refusesToWipeAWorkDirectoryItDidNotMake(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("precious.txt"), "keep me");

        assertEquals(2, run("--work-dir", dir.toString()));

        assertTrue(err().contains("--work-dir"), err());
        assertTrue(Files.exists(dir.resolve("precious.txt")), "the file must survive");
    }

    @Test
    void aWorkDirectoryThatIsAFileIsRefused(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("file"), "x");

        assertEquals(2, run("--work-dir=" + file));

        assertTrue(err().contains("--work-dir"), err());
    }

    @Test
    void optionsParseInBothForms() throws DemoOptions.InvalidOptionException {
        DemoOptions o = DemoOptions.parse("--messages=3,000", "--partitions", "3", "--halt-at", "50",
                "--jdbc-url", "jdbc:postgresql://localhost/demo", "--jdbc-user", "demo", "--jdbc-password=");

        assertEquals(3_000, o.messages());
        assertEquals(3, o.partitions());
        assertEquals(1_500, o.haltAfter());
        assertEquals("jdbc:postgresql://localhost/demo", o.jdbcUrl().orElseThrow());
        assertEquals("demo", o.jdbcUser().orElseThrow());
        assertEquals("", o.jdbcPassword().orElseThrow());
    }

    @Test
    void defaultsAreTheDocumentedOnes() throws DemoOptions.InvalidOptionException {
        DemoOptions o = DemoOptions.parse();

        assertEquals(50_000, o.messages());
        assertEquals(6, o.partitions());
        assertEquals("orders", o.topic());
        assertEquals(Path.of("target", "sluice-demo"), o.workDir());
        assertTrue(o.bootstrapServers().isEmpty());
        assertTrue(o.jdbcUrl().isEmpty());
        assertEquals(20_000, o.haltAfter());
    }

    @Test
    void anOrderSurvivesItsCsvForm() {
        Order order = Order.numbered(4_711);

        assertEquals(order, Order.parse(order.toCsv()));
    }
}
