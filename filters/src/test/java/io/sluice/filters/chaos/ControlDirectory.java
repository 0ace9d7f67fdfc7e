package io.sluice.filters.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;

/**
 * The files through which the chaos harness and its member processes talk; one directory per run. Every file is
 * written whole (to a temporary name, then renamed), so a reader never sees half of one.
 *
 * <table>
 *   <caption>files</caption>
 *   <tr><th>file</th><th>written by</th><th>means</th></tr>
 *   <tr><td>{@code park-<point>-<member>}</td><td>harness</td><td>park the member's next job at {@link #BEFORE_LOCK}
 *       or {@link #AFTER_LOCK}</td></tr>
 *   <tr><td>{@code parked-<member>}</td><td>member</td><td>a job is parked; holds its {@link ParkedBatch}</td></tr>
 *   <tr><td>{@code release-<member>}</td><td>harness</td><td>let the parked job go on</td></tr>
 *   <tr><td>{@code zombie-<member>}</td><td>member</td><td>what {@code consume} did with the parked batch</td></tr>
 *   <tr><td>{@code assigned-<member>}</td><td>member</td><td>the partitions it owns, one per line</td></tr>
 *   <tr><td>{@code counters-<member>}</td><td>member</td><td>its {@link MemberCounters}</td></tr>
 * </table>
 */
final class ControlDirectory {

    private final Path dir;

    ControlDirectory(Path dir) {
        this.dir = dir;
    }

    Path path() {
        return dir;
    }

    /** The park point after the member's batch is in hand and before {@code consume} takes the row lock. */
    static final String BEFORE_LOCK = "before-lock";
    /** The park point inside {@code consume}'s transaction, holding the row lock. */
    static final String AFTER_LOCK = "after-lock";

    void armPark(String member, String point) {
        write("park-" + point + "-" + member, "park\n");
    }

    boolean parkArmed(String member, String point) {
        return Files.exists(dir.resolve("park-" + point + "-" + member));
    }

    void parked(String member, ParkedBatch batch) {
        write("parked-" + member, batch.encode());
    }

    Optional<ParkedBatch> parked(String member) {
        return read("parked-" + member).map(ParkedBatch::decode);
    }

    void release(String member) {
        write("release-" + member, "release\n");
    }

    boolean released(String member) {
        return Files.exists(dir.resolve("release-" + member));
    }

    void zombieResult(String member, String result) {
        write("zombie-" + member, result + "\n");
    }

    Optional<String> zombieResult(String member) {
        return read("zombie-" + member).map(String::strip);
    }

    /** The member's {@link MemberCounters}, one {@code name=value} per line. */
    void counters(String member, Map<String, Long> counters) {
        StringBuilder text = new StringBuilder();
        counters.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        write("counters-" + member, text.toString());
    }

    /** Every member's last written counters, by member. */
    Map<String, Map<String, Long>> counters() {
        Map<String, Map<String, Long>> all = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().startsWith("counters-")).toList()) {
                String member = file.getFileName().toString().substring("counters-".length());
                Map<String, Long> values = new TreeMap<>();
                read(file.getFileName().toString()).ifPresent(text -> Arrays.stream(text.split("\n"))
                        .filter(line -> line.contains("="))
                        .forEach(line -> values.put(line.substring(0, line.indexOf('=')),
                                Long.parseLong(line.substring(line.indexOf('=') + 1)))));
                all.put(member, values);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        return all;
    }

    void assignment(String member, Collection<TopicPartition> partitions) {
        StringBuilder text = new StringBuilder();
        partitions.stream().sorted((a, b) -> Integer.compare(a.partition(), b.partition()))
                .forEach(tp -> text.append(tp).append('\n'));
        write("assigned-" + member, text.toString());
    }

    /** The partitions {@code member} last said it owns, as {@code topic-partition} strings. */
    List<String> assignment(String member) {
        return read("assigned-" + member)
                .map(text -> Arrays.stream(text.split("\n")).filter(s -> !s.isBlank()).toList())
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

    /** The batch a member parked: its partition and the offsets it spans. */
    record ParkedBatch(String topic, int partition, long fetchOffset, long nextOffset, int size) {

        TopicPartition topicPartition() {
            return new TopicPartition(topic, partition);
        }

        String encode() {
            return topic + " " + partition + " " + fetchOffset + " " + nextOffset + " " + size + "\n";
        }

        static ParkedBatch decode(String text) {
            String[] f = text.strip().split(" ");
            return new ParkedBatch(f[0], Integer.parseInt(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]),
                    Integer.parseInt(f[4]));
        }

        @Override
        public String toString() {
            return topic + "-" + partition + " [" + fetchOffset + ", " + nextOffset + ") " + size + " message(s)";
        }
    }
}
