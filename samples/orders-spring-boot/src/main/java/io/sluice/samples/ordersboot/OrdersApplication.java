package io.sluice.samples.ordersboot;

import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.filters.OffsetManager;
import io.sluice.filters.PartitionOffsets;
import io.sluice.spring.tx.SpringTransactionalOffsets;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * Consumes the {@code orders} topic into the {@code orders} table through a Spring Data JDBC repository. Sluice's
 * auto-configuration runs the {@link Topology} bean, makes {@link PartitionOffsets} on the application's DataSource
 * and {@link SpringTransactionalOffsets} on its transaction manager: each batch's rows are saved in the same
 * transaction that moves the partition's stored offset, so every order is stored exactly once across crashes and
 * rebalances.
 */
@SpringBootApplication
public class OrdersApplication {

    /** The topic consumed. */
    public static final String TOPIC = "orders";

    public static void main(String[] args) {
        SpringApplication.run(OrdersApplication.class, args);
    }

    /** The topology: one topic, its rows and offsets in one transaction, the offset manager first in the chain. */
    @Bean
    Topology orders(PartitionOffsets partitionOffsets, SpringTransactionalOffsets offsets,
                    OrderRepository repository) {
        return Sluice.topology()
                .topic(TOPIC)
                    .deserializers(new StringDeserializer(), new StringDeserializer())
                    .consumer(() -> (batch, ctx) -> offsets.consume(ctx, batch, messages -> messages.forEach(m ->
                            ctx.observe(m, () -> repository.save(Order.from(m))))))
                    .filter(OffsetManager.using(partitionOffsets))
                .build();
    }
}
