package io.sluice.samples.orders;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.filters.PartitionOffsets;
import io.sluice.testing.TestDriver;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.OptionalLong;
import java.util.UUID;
import org.apache.kafka.common.TopicPartition;
import org.h2.jdbcx.JdbcDataSource;
import org.jooq.SQLDialect;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The service's topology on the TestDriver (the real runtime, no broker) and an in-memory H2 database. */
class OrdersServiceTest {

    /** The consumer group the TestDriver consumes as by default: the offset rows are this group's. */
    private static final String GROUP = "sluice-test";

    private final JdbcDataSource dataSource = new JdbcDataSource();
    private PartitionOffsets offsets;

    @BeforeEach
    void database() throws SQLException {
        dataSource.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        OrdersService.createTable(dataSource);
        offsets = PartitionOffsets.builder(dataSource, SQLDialect.H2).build();
        offsets.createTableIfMissing();
    }

    @Test
    void everyOrderIsInsertedOnceAcrossALostPartitionAndItsReassignment() throws SQLException {
        try (TestDriver driver = TestDriver.create().createTopic(OrdersService.TOPIC, 1)) {
            driver.start(OrdersService.topology(offsets));
            send(driver, 1, 6);
            driver.assign(OrdersService.TOPIC, 0).runUntilIdle();
            assertEquals(6, rows());

            // lost like a crash: nothing was committed to Kafka, so the next owner is fetched from offset 0 ...
            driver.lose(OrdersService.TOPIC, 0).runUntilIdle();
            assertEquals(OptionalLong.empty(), driver.committed(OrdersService.TOPIC, 0));
            send(driver, 7, 10);
            driver.assign(OrdersService.TOPIC, 0).runUntilIdle();

            // ... and the offset manager seeks to the database's offset: orders 1-6 are not inserted again
            assertEquals(10, rows());
            assertEquals(10, distinctOrders());
            assertEquals(OptionalLong.of(10), offsets.nextOffset(GROUP, new TopicPartition(OrdersService.TOPIC, 0)));
        }
    }

    @Test
    void aFailingInsertRollsBackTheRowsAndTheOffsetTogether() throws SQLException {
        try (TestDriver driver = TestDriver.create().createTopic(OrdersService.TOPIC, 1)) {
            driver.start(OrdersService.topology(offsets));
            driver.send(OrdersService.TOPIC, 0, "too-long-" + "x".repeat(64), "an order whose id does not fit");
            driver.assign(OrdersService.TOPIC, 0).runUntilIdle();

            assertEquals(0, rows());
            assertEquals(0, offsets.nextOffset(GROUP, new TopicPartition(OrdersService.TOPIC, 0)).orElse(0),
                    "the stored offset did not move past the failed order");
            assertEquals(0, driver.consumedOffsets(OrdersService.TOPIC, 0).size());
        }
    }

    private static void send(TestDriver driver, int first, int last) {
        for (int id = first; id <= last; id++) {
            driver.send(OrdersService.TOPIC, 0, "order-" + id, "{\"id\":" + id + "}");
        }
    }

    private long rows() throws SQLException {
        return count("select count(*) from orders");
    }

    private long distinctOrders() throws SQLException {
        return count("select count(distinct order_id) from orders");
    }

    private long count(String sql) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }
}
