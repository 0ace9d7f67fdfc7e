package io.sluice.samples.ordersboot;

import io.sluice.dsl.Message;
import org.springframework.data.annotation.Id;
import org.springframework.data.relational.core.mapping.Table;

/**
 * One order as stored: the Kafka key is the order id, the value its body; the partition and offset it came from
 * are kept to show where each row came from. Spring Data JDBC quotes names, and on H2 upper-cases the derived
 * ones: hence the table's name in upper case, as H2 stores the unquoted {@code orders} of {@code schema.sql}.
 */
@Table("ORDERS")
public record Order(@Id Long id, String orderId, String body, int kafkaPartition, long kafkaOffset) {

    /** The row of one message; the database assigns the id. */
    public static Order from(Message<String, String> message) {
        return new Order(null, message.key(), message.value(), message.partition(), message.offset());
    }
}
