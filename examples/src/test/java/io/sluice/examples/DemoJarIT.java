package io.sluice.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The runnable jar {@code package} builds: java -jar target/sluice-demo.jar exits with the demo's own codes. */
class DemoJarIT {

    private static final Path JAR = Path.of("target", "sluice-demo.jar");

    private record Run(int exit, String out, String err) { }

    private static Run java(String... args) throws IOException, InterruptedException {
        assertTrue(Files.isRegularFile(JAR), JAR.toAbsolutePath() + " was not built");
        Path out = Files.createTempFile("demo-jar", ".out");
        Path err = Files.createTempFile("demo-jar", ".err");
        try {
            List<String> command = new java.util.ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toString()));
            command.addAll(List.of(args));
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "java -jar did not end");
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    @Test
    void helpExitsZeroWithTheUsage() throws Exception {
        Run run = java("--help");
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().startsWith("Usage: OrdersDemo"), run.out());
    }

    @Test
    void aBadOptionExitsTwoWithTheDemosMessageAndNoEscapeCodes() throws Exception {
        Run run = java("--frobnicate");
        assertEquals(2, run.exit(), run.err());
        assertTrue(run.err().startsWith("OrdersDemo: unknown option '--frobnicate'"), run.err());
        assertFalse(run.err().contains("\u001b"), "no console attached: no colours");
    }
}
