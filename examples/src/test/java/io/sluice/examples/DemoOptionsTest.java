package io.sluice.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.examples.DemoOptions.InvalidOptionException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The newer options: --linger, the password from a file or the environment, and when colours are used. */
class DemoOptionsTest {

    private static final String PG = "jdbc:postgresql://localhost/demo";
    private static final Map<String, String> NO_ENV = Map.of();

    @Test
    void lingerIsZeroUnlessGivenAndTakesSeconds() throws InvalidOptionException {
        assertEquals(Duration.ZERO, DemoOptions.parse(NO_ENV).linger());
        assertEquals(Duration.ofSeconds(30), DemoOptions.parse(NO_ENV, "--linger", "30").linger());
        assertEquals(Duration.ofSeconds(5), DemoOptions.parse(NO_ENV, "--linger=5").linger());
    }

    @Test
    void aBadLingerIsNamed() {
        for (String bad : new String[] {"-1", "soon", "100000"}) {
            InvalidOptionException e = assertThrows(InvalidOptionException.class,
                    () -> DemoOptions.parse(NO_ENV, "--linger=" + bad));
            assertTrue(e.getMessage().contains("--linger"), e.getMessage());
        }
    }

    @Test
    void thePasswordComesFromTheFilesFirstLine(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("password"), "s3cret\nignored\n");

        DemoOptions o = DemoOptions.parse(Map.of(DemoOptions.PASSWORD_VARIABLE, "from-env"),
                "--jdbc-url", PG, "--jdbc-password-file", file.toString());

        assertEquals(Optional.of("s3cret"), o.jdbcPassword(), "the file wins over the environment");
    }

    @Test
    void thePasswordComesFromTheEnvironmentWhenNoOptionGivesIt() throws InvalidOptionException {
        Map<String, String> env = Map.of(DemoOptions.PASSWORD_VARIABLE, "from-env");

        assertEquals(Optional.of("from-env"), DemoOptions.parse(env, "--jdbc-url", PG).jdbcPassword());
        assertEquals(Optional.of("given"),
                DemoOptions.parse(env, "--jdbc-url", PG, "--jdbc-password", "given").jdbcPassword(),
                "the option wins");
        assertEquals(Optional.empty(), DemoOptions.parse(env).jdbcPassword(), "H2 in the work dir takes none");
        assertEquals(Optional.empty(), DemoOptions.parse(NO_ENV, "--jdbc-url", PG).jdbcPassword());
    }

    @Test
    void passwordProblemsAreNamed(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("password"), "x");
        String missing = dir.resolve("missing").toString();

        assertNamed("--jdbc-password-file", "--jdbc-url", PG, "--jdbc-password-file", missing);
        assertNamed("--jdbc-password-file", "--jdbc-url", PG, "--jdbc-password", "a",
                "--jdbc-password-file", file.toString());
        assertNamed("--jdbc-password-file", "--jdbc-password-file", file.toString());
        assertNamed("--jdbc-password-file", "--jdbc-url", PG, "--jdbc-password-file");
    }

    @Test
    void theHelpListsTheNewOptionsAndTheVariable() {
        String usage = DemoOptions.usage();
        for (String s : new String[] {"--linger", "--jdbc-password-file", DemoOptions.PASSWORD_VARIABLE, "NO_COLOR"}) {
            assertTrue(usage.contains(s), s);
        }
    }

    @Test
    void coloursOnlyOnAConsoleAndWithoutNoColor() {
        assertTrue(Colors.of(true, null).enabled());
        assertTrue(Colors.of(true, "").enabled(), "an empty NO_COLOR does not count");
        assertFalse(Colors.of(true, "1").enabled());
        assertFalse(Colors.of(false, null).enabled(), "a pipe, a file, Maven's exec");
        assertEquals("plain", Colors.NONE.bad("plain"));
        assertEquals("\u001b[32mok\u001b[0m", Colors.of(true, null).good("ok"));
    }

    @Test
    void aBadOptionsMessageCarriesNoEscapeCodesWithoutAConsole() {
        assertFalse(badOptionMessage(Colors.of(false, null)).contains("\u001b"));
        assertFalse(badOptionMessage(Colors.of(true, "1")).contains("\u001b"));
        assertTrue(badOptionMessage(Colors.of(true, null)).contains("\u001b[31mOrdersDemo: unknown option"));
    }

    private static String badOptionMessage(Colors colors) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            assertEquals(2, OrdersDemo.run(new String[] {"--frobnicate"}, NO_ENV, colors, out, e,
                    new CountDownLatch(0)));
        }
        return err.toString(StandardCharsets.UTF_8);
    }

    private static void assertNamed(String option, String... args) {
        InvalidOptionException e = assertThrows(InvalidOptionException.class, () -> DemoOptions.parse(NO_ENV, args));
        assertTrue(e.getMessage().contains(option), e.getMessage());
    }
}
