package io.sluice.examples;

import io.sluice.examples.DemoOptions.InvalidOptionException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The demo's work directory, wiped at start. To never wipe a directory the demo did not make, it marks its own
 * with a {@value #MARKER} file and refuses a non-empty directory without one.
 */
final class WorkDirectory {

    /** The file that marks a directory as the demo's. */
    static final String MARKER = ".sluice-demo";

    private WorkDirectory() {
    }

    /**
     * Makes {@code dir} an empty, marked work directory: creates it, or empties an earlier demo's.
     *
     * @return the absolute, normalised directory
     * @throws InvalidOptionException when {@code dir} is a file, or a non-empty directory the demo did not make
     * @throws IOException            when it cannot be created or emptied
     */
    static Path prepare(Path dir) throws InvalidOptionException, IOException {
        Path abs = dir.toAbsolutePath().normalize();
        if (Files.exists(abs)) {
            if (!Files.isDirectory(abs)) {
                throw new InvalidOptionException("--work-dir " + abs + " is a file, not a directory");
            }
            if (!isEmpty(abs) && !Files.exists(abs.resolve(MARKER))) {
                throw new InvalidOptionException("--work-dir " + abs + " is not empty and was not made by the demo"
                        + " (no " + MARKER + " file): the demo wipes its work directory, so choose a new or empty"
                        + " one");
            }
            deleteContents(abs);
        }
        Files.createDirectories(abs);
        Files.writeString(abs.resolve(MARKER), "Sluice demo work directory: wiped at every start\n");
        return abs;
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }

    private static void deleteContents(Path dir) throws IOException {
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(dir)) {
            paths = walk.filter(p -> !p.equals(dir)).sorted(Comparator.reverseOrder()).toList();
        }
        for (Path p : paths) {
            Files.deleteIfExists(p);
        }
    }
}
