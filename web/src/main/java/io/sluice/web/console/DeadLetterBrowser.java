package io.sluice.web.console;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Browses dead-letter topics and replays their messages: the console does this itself, never a runtime. A replay
 * re-produces the original key, value and headers (without the {@code sluice.dlq.*} ones) to the original topic
 * named in the dead letter's headers, with {@code sluice.replay.of = <dlq topic>/<partition>/<offset>}; at most
 * {@link #MAX_REPLAY} per action; an offset already replayed is refused unless forced. The original topic is only
 * what the dead letter's header says, written by whoever could write to the dead-letter topic, so a letter naming a
 * topic of the console (of any prefix), a Kafka-internal topic ({@code __...}), a dead-letter topic or no legal
 * topic name is not replayed: the console's write access is never lent to that header. Replays are remembered in the
 * compacted metrics topic, so a restarted console still refuses them.
 */
final class DeadLetterBrowser {

    /** The most messages one replay action re-produces. */
    static final int MAX_REPLAY = 1_000;
    /** The header a replayed message carries. */
    static final String REPLAY_OF = "sluice.replay.of";
    private static final String DLQ_HEADERS = "sluice.dlq.";
    private static final int MAX_SHOWN_BYTES = 2_048;
    private static final Duration READ_LIMIT = Duration.ofSeconds(10);

    /** One dead letter as the page shows it. */
    record Letter(int partition, long offset, Instant timestamp, Map<String, String> headers, String key,
                  String value) {
    }

    /** What a replay did. */
    record Replay(int replayed, int alreadyReplayed, int withoutOrigin, int forbiddenOrigin) {
    }

    private static final java.util.regex.Pattern TOPIC_NAME = java.util.regex.Pattern.compile("[a-zA-Z0-9._-]{1,249}");
    private static final List<String> CONSOLE_TOPICS = ConsoleTopics.standard().specs().stream()
            .map(ConsoleTopics.Spec::name).toList();

    private final Supplier<Consumer<byte[], byte[]>> consumers;
    private final Producer<String, String> markers;
    private final Producer<byte[], byte[]> replayer;
    private final String markerTopic;
    private final Set<String> replayed = ConcurrentHashMap.newKeySet();

    DeadLetterBrowser(Map<String, Object> kafka, Producer<String, String> markers, Producer<byte[], byte[]> replayer,
                      String markerTopic) {
        this(() -> consumer(kafka), markers, replayer, markerTopic);
    }

    /** A browser reading through a new consumer from {@code consumers} for each action. */
    DeadLetterBrowser(Supplier<Consumer<byte[], byte[]>> consumers, Producer<String, String> markers,
                      Producer<byte[], byte[]> replayer, String markerTopic) {
        this.consumers = consumers;
        this.markers = markers;
        this.replayer = replayer;
        this.markerTopic = markerTopic;
    }

    /** The key of the marker of a replayed dead letter in the metrics topic. */
    static String markerKey(String topic, int partition, long offset) {
        return io.sluice.web.internal.Json.write(List.of("replay", topic, partition, offset));
    }

    /** Takes a marker read back from the metrics topic; returns whether the key was one. */
    boolean remember(String key) {
        if (key == null || !key.startsWith("[\"replay\"")) {
            return false;
        }
        if (io.sluice.web.internal.Json.read(key) instanceof List<?> l && l.size() == 4) {
            replayed.add(l.get(1) + "/" + l.get(2) + "/" + l.get(3));
        }
        return true;
    }

    /** The topics whose names end in {@code .dlq} or {@code -dlq}, sorted. */
    List<String> topics() {
        try (Consumer<byte[], byte[]> consumer = consumers.get()) {
            return consumer.listTopics(READ_LIMIT).keySet().stream()
                    .filter(DeadLetterBrowser::isDeadLetterTopic).sorted().toList();
        }
    }

    /**
     * The newest {@code max} dead letters of {@code topic}, newest first; keys and values only when
     * {@code withPayloads} (an operator), as text when they are UTF-8, else hex, capped.
     */
    List<Letter> newest(String topic, int max, boolean withPayloads) {
        try (Consumer<byte[], byte[]> consumer = consumers.get()) {
            List<TopicPartition> partitions = partitions(consumer, topic);
            if (partitions.isEmpty()) {
                return List.of();
            }
            consumer.assign(partitions);
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            for (TopicPartition tp : partitions) {
                consumer.seek(tp, Math.max(begin.get(tp), end.get(tp) - max));
            }
            List<Letter> letters = new ArrayList<>();
            long deadline = System.nanoTime() + READ_LIMIT.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))
                    && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                        letters.add(letter(r, withPayloads));
                    }
                }
            }
            letters.sort(Comparator.comparing(Letter::timestamp).thenComparing(Letter::offset).reversed());
            return letters.size() > max ? List.copyOf(letters.subList(0, max)) : letters;
        }
    }

    /**
     * Replays {@code count} dead letters of {@code topic}'s {@code partition} from {@code from}.
     *
     * @throws IllegalArgumentException when {@code count} is not within 1..{@link #MAX_REPLAY}
     */
    Replay replay(String topic, int partition, long from, int count, boolean force, String operator)
            throws Exception {
        if (count < 1 || count > MAX_REPLAY) {
            throw new IllegalArgumentException("replay 1 to " + MAX_REPLAY + " messages at a time, not " + count);
        }
        int done = 0;
        int refused = 0;
        int orphans = 0;
        int forbidden = 0;
        try (Consumer<byte[], byte[]> consumer = consumers.get()) {
            TopicPartition tp = new TopicPartition(topic, partition);
            consumer.assign(List.of(tp));
            long end = Math.min(from + count, consumer.endOffsets(List.of(tp)).get(tp));
            consumer.seek(tp, from);
            long deadline = System.nanoTime() + READ_LIMIT.toNanos();
            while (consumer.position(tp) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.offset() >= end) {
                        continue;
                    }
                    String id = topic + "/" + partition + "/" + r.offset();
                    Header origin = r.headers().lastHeader(io.sluice.runtime.DeadLetterHeaders.TOPIC);
                    if (origin == null) {
                        orphans++;
                        continue;
                    }
                    String destination = new String(origin.value(), StandardCharsets.UTF_8);
                    if (!replayableTo(destination)) {
                        forbidden++;
                        continue;
                    }
                    if (replayed.contains(id) && !force) {
                        refused++;
                        continue;
                    }
                    RecordHeaders headers = new RecordHeaders();
                    for (Header h : r.headers()) {
                        if (!h.key().startsWith(DLQ_HEADERS) && !h.key().equals(REPLAY_OF)) {
                            headers.add(h);
                        }
                    }
                    headers.add(REPLAY_OF, id.getBytes(StandardCharsets.UTF_8));
                    replayer.send(new ProducerRecord<>(destination, null, r.key(), r.value(), headers))
                            .get(10, TimeUnit.SECONDS);
                    Map<String, Object> marker = new LinkedHashMap<>();
                    marker.put("by", operator);
                    marker.put("at", System.currentTimeMillis());
                    markers.send(new ProducerRecord<>(markerTopic, markerKey(topic, partition, r.offset()),
                            io.sluice.web.internal.Json.write(marker))).get(10, TimeUnit.SECONDS);
                    replayed.add(id);
                    done++;
                }
            }
        }
        return new Replay(done, refused, orphans, forbidden);
    }

    /** Whether a replay may write to {@code topic}, the original topic a dead letter names. */
    static boolean replayableTo(String topic) {
        if (!TOPIC_NAME.matcher(topic).matches() || topic.equals(".") || topic.equals("..")
                || topic.startsWith("__") || isDeadLetterTopic(topic)) {
            return false;
        }
        return CONSOLE_TOPICS.stream().noneMatch(t -> topic.equals(t) || topic.endsWith("." + t));
    }

    private static boolean isDeadLetterTopic(String topic) {
        return topic.endsWith(".dlq") || topic.endsWith("-dlq") || topic.endsWith("_dlq");
    }

    private static Letter letter(ConsumerRecord<byte[], byte[]> r, boolean withPayloads) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header h : r.headers()) {
            headers.put(h.key(), shown(h.value()));
        }
        return new Letter(r.partition(), r.offset(), Instant.ofEpochMilli(r.timestamp()), headers,
                withPayloads ? shown(r.key()) : null, withPayloads ? shown(r.value()) : null);
    }

    /** UTF-8 text when the bytes are valid UTF-8, else {@code hex:...}; capped; {@code null} stays null. */
    static String shown(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        byte[] capped = bytes.length > MAX_SHOWN_BYTES ? java.util.Arrays.copyOf(bytes, MAX_SHOWN_BYTES) : bytes;
        String suffix = bytes.length > MAX_SHOWN_BYTES ? " … (" + bytes.length + " bytes)" : "";
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(capped)).toString();
            if (text.chars().noneMatch(c -> c < 0x20 && c != '\n' && c != '\r' && c != '\t')) {
                return text + suffix;
            }
        } catch (CharacterCodingException e) {
            // binary: shown as hex below
        }
        return "hex:" + HexFormat.of().formatHex(capped) + suffix;
    }

    private static KafkaConsumer<byte[], byte[]> consumer(Map<String, Object> kafka) {
        Map<String, Object> config = new HashMap<>(kafka);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "sluice-console-dead-letters");
        config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false); // browsing never creates a topic
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static List<TopicPartition> partitions(Consumer<byte[], byte[]> consumer, String topic) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, READ_LIMIT);
        return infos == null ? List.of() : infos.stream().map(i -> new TopicPartition(i.topic(), i.partition()))
                .toList();
    }
}
