package io.sluice.samples.orders;

import io.sluice.dsl.Message;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.filters.OffsetManager;
import io.sluice.filters.PartitionOffsets;
import io.sluice.runtime.SluiceRuntime;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import javax.sql.DataSource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.h2.jdbcx.JdbcDataSource;
import org.jooq.SQLDialect;

/**
 * Consumes the {@code orders} topic (key: the order id, value: the order) into an {@code orders} table. Each
 * batch's rows are written in the same database transaction that moves the partition's stored offset, and the
 * {@link OffsetManager} makes a new owner of a partition start where the database says, so every order is
 * inserted exactly once across crashes and rebalances.
 */
public final class OrdersService {

    /** The topic consumed. */
    public static final String TOPIC = "orders";

    private OrdersService() {
    }

    /** The topology: one topic, its rows and offsets in one transaction, the offset manager first in the chain. */
    public static Topology topology(PartitionOffsets offsets) {
        return Sluice.topology()
                .topic(TOPIC)
                    .deserializers(new StringDeserializer(), new StringDeserializer())
                    .consumer(() -> (batch, ctx) -> offsets.consumeJdbc(ctx, batch, OrdersService::insert))
                    .filter(OffsetManager.using(offsets))
                .build();
    }

    /** Plain JDBC on the transaction's connection: no commit here, the store commits rows and offset together. */
    static void insert(Connection connection, List<Message<String, String>> orders) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "insert into orders (order_id, body, kafka_partition, kafka_offset) values (?, ?, ?, ?)")) {
            for (Message<String, String> order : orders) {
                insert.setString(1, order.key());
                insert.setString(2, order.value());
                insert.setInt(3, order.partition());
                insert.setLong(4, order.offset());
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    /** Creates the {@code orders} table (no unique key: an order applied twice would show as two rows). */
    public static void createTable(DataSource dataSource) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("create table if not exists orders (order_id varchar(64) not null, body varchar(4000),"
                    + " kafka_partition int not null, kafka_offset bigint not null)");
        }
    }

    /**
     * Runs the service until the JVM is stopped.
     *
     * @param args the Kafka bootstrap servers and an H2 JDBC URL, e.g.
     *             {@code localhost:9092 jdbc:h2:./target/orders}
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: OrdersService <bootstrap servers> <H2 JDBC URL>");
            System.exit(2);
        }
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL(args[1]);
        createTable(dataSource);
        PartitionOffsets offsets = PartitionOffsets.builder(dataSource, SQLDialect.H2).build();
        offsets.createTableIfMissing();

        Properties kafka = new Properties();
        kafka.put("bootstrap.servers", args[0]);
        kafka.put("group.id", "orders-jdbc");
        CountDownLatch stopped = new CountDownLatch(1);
        try (SluiceRuntime runtime = SluiceRuntime.start(topology(offsets), kafka)) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                runtime.close();
                stopped.countDown();
            }));
            stopped.await();
        }
    }
}
