package io.sluice.samples.ordersboot;

import org.springframework.data.jdbc.repository.query.Query;
import org.springframework.data.repository.CrudRepository;

/** Spring Data JDBC's repository of orders. */
public interface OrderRepository extends CrudRepository<Order, Long> {

    /** How many different order ids are stored: equal to {@code count()} when no order was stored twice. */
    @Query("select count(distinct order_id) from orders")
    long countDistinctOrderIds();
}
