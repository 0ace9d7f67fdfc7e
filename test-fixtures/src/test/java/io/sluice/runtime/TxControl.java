package io.sluice.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The files through which {@link KafkaTransactionsIT} and its {@link TransactionalMember} JVMs talk; one directory
 * per test. Every file is written whole (a temporary name, then an atomic rename), so a reader never sees half of one.
 *
 * <ul>
 *   <li>{@code park-<point>-<member>} (harness): park the member's next transaction at {@link #AFTER_SENDS} or
 *       {@link #BEFORE_COMMIT};</li>
 *   <li>{@code parked-<member>} (member): a transaction is parked; holds {@code topic partition nextOffset id};</li>
 *   <li>{@code release-<member>} (harness): let the parked transaction go on;</li>
 *   <li>{@code ended-<member>} (member): how the parked transaction ended: {@code committed} or
 *       {@code aborted <cause chain>};</li>
 *   <li>{@code assigned-<member>} (member): the partitions it owns, one {@code topic-partition} per line.</li>
 * </ul>
 */
final class TxControl {

    /** After the block's sends, before the listener is asked for the group metadata. */
    static final String AFTER_SENDS = "after-sends";
    /** With the group metadata in hand, before the offsets go into the transaction and it commits. */
    static final String BEFORE_COMMIT = "before-commit";

    private final Path dir;

    TxControl(Path dir) {
        this.dir = dir;
    }

    Path path() {
        return dir;
    }

    void armPark(String member, String point) {
        write("park-" + point + "-" + member, "park\n");
    }

    boolean parkArmed(String member, String point) {
        return Files.exists(dir.resolve("park-" + point + "-" + member));
    }

    void parked(String member, Parked parked) {
        write("parked-" + member, parked.topic() + " " + parked.partition() + " " + parked.nextOffset() + " "
                + parked.transactionalId() + "\n");
    }

    Optional<Parked> parked(String member) {
        return read("parked-" + member).map(text -> {
            String[] f = text.strip().split(" ");
            return new Parked(f[0], Integer.parseInt(f[1]), Long.parseLong(f[2]), f[3]);
        });
    }

    void release(String member) {
        write("release-" + member, "release\n");
    }

    boolean released(String member) {
        return Files.exists(dir.resolve("release-" + member));
    }

    void ended(String member, String how) {
        write("ended-" + member, how + "\n");
    }

    Optional<String> ended(String member) {
        return read("ended-" + member).map(String::strip);
    }

    void assignment(String member, List<String> partitions) {
        write("assigned-" + member, String.join("\n", partitions) + "\n");
    }

    List<String> assignment(String member) {
        return read("assigned-" + member)
                .map(text -> Arrays.stream(text.split("\n")).filter(s -> !s.isBlank()).sorted().toList())
                .orElse(List.of());
    }

    private void write(String name, String content) {
        try {
            Path tmp = Files.createTempFile(dir, "." + name, ".tmp");
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + name + " in " + dir, e);
        }
    }

    private Optional<String> read(String name) {
        try {
            return Optional.of(Files.readString(dir.resolve(name), StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + name + " in " + dir, e);
        }
    }

    /** The transaction a member parked: the input partition, the offset it commits, its producer. */
    record Parked(String topic, int partition, long nextOffset, String transactionalId) {
    }
}
