package io.sluice.filters;

import io.sluice.dsl.Sluice;
import io.sluice.dsl.TopicBuilder;
import io.sluice.dsl.Topology;
import io.sluice.testing.TestDriver;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jooq.SQLDialect;

/** The regression tests' smallest offset-managed topology: a consumer that applies nothing but the row's advance. */
final class OffsetManagedDriver {

    private OffsetManagedDriver() {
    }

    /**
     * Starts {@code driver} on {@code topic} with the offset manager first and {@code consume} as the consumer, on a
     * fresh H2 table.
     *
     * @return the store, to read the rows
     */
    static PartitionOffsets start(TestDriver driver, String topic) {
        return start(driver, topic, Databases.h2());
    }

    /** As {@link #start(TestDriver, String)}, on {@code database}. */
    static PartitionOffsets start(TestDriver driver, String topic, javax.sql.DataSource database) {
        PartitionOffsets offsets = PartitionOffsets.create(database, SQLDialect.H2);
        offsets.createTableIfMissing();
        driver.start(Sluice.topology().topic(topic)
                .deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> (batch, ctx) -> offsets.consume(ctx, batch, (tx, messages) -> { }))
                .filter(OffsetManager.using(offsets))
                .build());
        return offsets;
    }

    /**
     * {@code topic} with the offset manager first and {@code settings} applied (a dead-letter queue, say): the
     * consumer records each offset it applies in {@code applied}, in the offset transaction, and fails on every
     * message valued "bad".
     */
    static Topology failingOnBad(String topic, PartitionOffsets offsets, List<Long> applied,
                                 UnaryOperator<TopicBuilder<String, String>> settings) {
        return settings.apply(Sluice.topology().topic(topic)
                .deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> (batch, ctx) -> offsets.consume(ctx, batch, (tx, messages) -> {
                    for (var m : messages) {
                        if (m.value().equals("bad")) {
                            throw new IllegalArgumentException("bad order");
                        }
                        applied.add(m.offset());
                    }
                }))
                .filter(OffsetManager.using(offsets))).build();
    }
}
