package io.sluice.web.console;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.runtime.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** Replaying dead letters over mock clients: what is re-produced, and where. */
class DeadLetterBrowserTest {

    private static final String DLQ = "orders.dlq";
    private static final TopicPartition DLQ_0 = new TopicPartition(DLQ, 0);

    private final MockProducer<String, String> markers = new MockProducer<>(true, null, new StringSerializer(),
            new StringSerializer());
    private final MockProducer<byte[], byte[]> replayer = new MockProducer<>(true, null, new ByteArraySerializer(),
            new ByteArraySerializer());

    /** A browser over a dead-letter topic whose letters name these original topics, at offsets 0, 1, ... */
    private DeadLetterBrowser browser(List<String> origins) {
        return new DeadLetterBrowser(() -> {
            MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
            consumer.updateBeginningOffsets(Map.of(DLQ_0, 0L));
            consumer.updateEndOffsets(Map.of(DLQ_0, (long) origins.size()));
            consumer.schedulePollTask(() -> {
                for (int i = 0; i < origins.size(); i++) {
                    RecordHeaders headers = new RecordHeaders();
                    headers.add(DeadLetterHeaders.TOPIC, origins.get(i).getBytes(StandardCharsets.UTF_8));
                    consumer.addRecord(new ConsumerRecord<>(DLQ, 0, i, 0L, TimestampType.CREATE_TIME, 0, 0,
                            ("k" + i).getBytes(StandardCharsets.UTF_8), ("v" + i).getBytes(StandardCharsets.UTF_8),
                            headers, Optional.empty()));
                }
            });
            return consumer;
        }, markers, replayer, "sluice.metrics");
    }

    @Test
    void aDeadLetterNamingAConsoleOrInternalTopicAsItsOriginIsNotReplayedThere() throws Exception {
        List<String> origins = List.of("orders", "sluice.commands", "sluice.pauses", "sluice.reports",
                "sluice.metrics", "__consumer_offsets", "payments.dlq", "");
        DeadLetterBrowser.Replay done = browser(origins).replay(DLQ, 0, 0, origins.size(), false, "alice");
        assertEquals(List.of("orders"), replayer.history().stream().map(ProducerRecord::topic).toList(),
                "the console's write access is not lent to whoever wrote the dead letter's headers");
        assertEquals(1, done.replayed());
        assertEquals(origins.size() - 1, done.forbiddenOrigin());
        assertEquals(List.of(false, false), List.of(DeadLetterBrowser.replayableTo("staging.sluice.commands"),
                DeadLetterBrowser.replayableTo("a/b")));
    }
}
