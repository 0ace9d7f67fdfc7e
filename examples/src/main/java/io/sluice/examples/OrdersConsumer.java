package io.sluice.examples;

import io.sluice.dsl.Batch;
import io.sluice.dsl.Consumer;
import io.sluice.dsl.ConsumerContext;
import io.sluice.filters.PartitionOffsets;
import java.util.Objects;

/**
 * Writes each order of a batch into the {@code orders} table inside the partition's offset transaction, so the
 * rows and the partition's next offset commit together or not at all ({@link PartitionOffsets#consume}). Orders
 * below the stored offset are fenced off there, so a consumer that lost its partition without knowing applies
 * nothing twice. One instance per partition assignment.
 */
final class OrdersConsumer implements Consumer<String, String> {

    private final PartitionOffsets offsets;
    private final ProcessedOrders processed;

    OrdersConsumer(PartitionOffsets offsets, ProcessedOrders processed) {
        this.offsets = Objects.requireNonNull(offsets, "offsets");
        this.processed = Objects.requireNonNull(processed, "processed");
    }

    @Override
    public void consume(Batch<String, String> batch, ConsumerContext context) throws Exception {
        int applied = offsets.consume(context, batch, OrdersTable::insert);
        processed.add(applied);
    }
}
