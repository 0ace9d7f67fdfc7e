package io.sluice.filters;

import io.sluice.dsl.Sluice;
import io.sluice.testing.TestDriver;
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
}
