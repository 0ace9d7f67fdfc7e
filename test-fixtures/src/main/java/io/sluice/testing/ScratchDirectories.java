package io.sluice.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Throw-away directories under {@code target/} of the working directory (the module directory under Maven). */
final class ScratchDirectories {

    private static final Logger LOG = LoggerFactory.getLogger(ScratchDirectories.class);

    private ScratchDirectories() {
    }

    /**
     * The {@code target/} directory of the current module: under the {@code basedir} property Surefire and
     * Failsafe set, else under the working directory. It may not exist yet.
     */
    static Path moduleTarget() {
        return Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).resolve("target");
    }

    /** Creates a new, empty directory {@code target/<prefix><random>}, creating {@code target/} if needed. */
    static Path create(String prefix) {
        try {
            Path target = Files.createDirectories(Path.of("target").toAbsolutePath());
            return Files.createDirectory(target.resolve(prefix + UUID.randomUUID()));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not create a scratch directory under target/", e);
        }
    }

    /** Deletes the directory and everything in it; a failure is logged, not thrown. */
    static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("Could not delete {}", dir, e);
        }
    }
}
