package io.sluice.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Runs the programs of the throwaway database servers ({@link MariaDbServer}, {@link PostgresServer}) as child
 * processes of this JVM, and reads what their servers log.
 */
final class ServerProcesses {

    private static final int LOG_TAIL_LINES = 20;

    private ServerProcesses() {
    }

    /**
     * Runs {@code command} in {@code dir} and waits for it to exit, killing it after {@code timeoutSeconds}.
     *
     * @param name          the program's name in the temporary output file's name and the interruption message
     * @param failureDetail appended to the message of a failure after the program's output
     * @throws IOException when it cannot start, times out, is interrupted (the interrupt flag is kept) or exits
     *                     with a status other than 0; the message then holds its output
     */
    static void runToCompletion(List<String> command, Path dir, long timeoutSeconds, String name,
            Supplier<String> failureDetail) throws IOException {
        Path output = Files.createTempFile(name, ".out");
        try {
            Process process = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            boolean done;
            try {
                done = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException(name + " interrupted", e);
            }
            if (!done) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s");
            }
            if (process.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " exited with " + process.exitValue() + ":\n"
                        + Files.readString(output, StandardCharsets.UTF_8) + failureDetail.get());
            }
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** The last lines of the server log {@code log}, headed {@code server.log:}; empty when it cannot be read. */
    static String logTail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return "server.log:\n" + String.join("\n",
                    lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }

    /** Unregisters a shutdown hook, doing nothing when the JVM is shutting down or the hook was never registered. */
    static void removeShutdownHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException | IllegalArgumentException e) {
            // the JVM is shutting down already, or the hook was never registered
        }
    }
}
