package io.sluice.examples;

import io.sluice.dsl.Message;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record2;
import org.jooq.Row6;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The demo's {@code orders} table, where the consumer writes every order it applies, and the check at the end.
 *
 * <pre>
 * CREATE TABLE IF NOT EXISTS "orders" (
 *   "order_id"   BIGINT        NOT NULL,  -- deliberately not unique: a duplicate must be countable, not refused
 *   "topic"      VARCHAR(255)  NOT NULL,
 *   "partition"  INTEGER       NOT NULL,
 *   "msg_offset" BIGINT        NOT NULL,  -- where the order was read from
 *   "customer"   VARCHAR(64)   NOT NULL,
 *   "amount"     DECIMAL(12,2) NOT NULL
 * )
 * </pre>
 * Names are quoted, as in the offset store. Thread-safe: it holds only names.
 */
public final class OrdersTable {

    /** The table's name. */
    public static final String NAME = "orders";

    private static final Table<?> TABLE = DSL.table(DSL.name(NAME));
    private static final Field<Long> ORDER_ID = DSL.field(DSL.name("order_id"), SQLDataType.BIGINT.notNull());
    private static final Field<String> TOPIC = DSL.field(DSL.name("topic"), SQLDataType.VARCHAR(255).notNull());
    private static final Field<Integer> PARTITION = DSL.field(DSL.name("partition"), SQLDataType.INTEGER.notNull());
    private static final Field<Long> MSG_OFFSET = DSL.field(DSL.name("msg_offset"), SQLDataType.BIGINT.notNull());
    private static final Field<String> CUSTOMER = DSL.field(DSL.name("customer"), SQLDataType.VARCHAR(64).notNull());
    private static final Field<BigDecimal> AMOUNT =
            DSL.field(DSL.name("amount"), SQLDataType.DECIMAL(12, 2).notNull());

    private OrdersTable() {
    }

    /** Creates the table when it is missing, and removes earlier rows of {@code topic} (a new topic's are stale). */
    public static void prepare(DSLContext db, String topic) {
        db.createTableIfNotExists(TABLE)
                .columns(ORDER_ID, TOPIC, PARTITION, MSG_OFFSET, CUSTOMER, AMOUNT)
                .execute();
        db.deleteFrom(TABLE).where(TOPIC.eq(topic)).execute();
    }

    /**
     * Writes one row per message, in the caller's transaction.
     *
     * @param tx       the offset transaction {@code PartitionOffsets.consume} runs the work in
     * @param messages order events, never empty
     * @throws IllegalArgumentException when a value is not an order
     */
    public static void insert(DSLContext tx, List<Message<String, String>> messages) {
        List<Row6<Long, String, Integer, Long, String, BigDecimal>> rows = new ArrayList<>(messages.size());
        for (Message<String, String> m : messages) {
            Order order = Order.parse(Objects.requireNonNull(m.value(), "order value"));
            rows.add(DSL.row(order.id(), m.topic(), m.partition(), m.offset(), order.customer(), order.amount()));
        }
        tx.insertInto(TABLE, ORDER_ID, TOPIC, PARTITION, MSG_OFFSET, CUSTOMER, AMOUNT)
                .valuesOfRows(rows)
                .execute();
    }

    /**
     * Compares the table with what was produced: orders {@code 1..produced} of {@code topic}.
     *
     * @return the rows written, the extra rows of orders written more than once, and the orders never written
     */
    public static Tally check(DSLContext db, String topic, long produced) {
        Record2<Integer, Integer> counts = db.select(DSL.count(), DSL.countDistinct(ORDER_ID))
                .from(TABLE)
                .where(TOPIC.eq(topic).and(ORDER_ID.between(1L, produced)))
                .fetchSingle();
        int strays = db.fetchCount(TABLE, TOPIC.eq(topic).and(ORDER_ID.notBetween(1L, produced)));
        long rows = counts.value1() + (long) strays;
        long distinct = counts.value2();
        return new Tally(rows, rows - distinct, produced - distinct);
    }

    /**
     * The outcome of {@link #check}.
     *
     * @param processed  rows in the table for the topic
     * @param duplicates rows beyond the first of their order (and rows of orders never produced)
     * @param lost       produced orders without a row
     */
    public record Tally(long processed, long duplicates, long lost) {

        /** Whether every order was processed exactly once. */
        public boolean exactlyOnce() {
            return duplicates == 0 && lost == 0;
        }

        /** The demo's last line: {@code processed=<N> duplicates=<D> lost=<L>}. */
        @Override
        public String toString() {
            return "processed=" + processed + " duplicates=" + duplicates + " lost=" + lost;
        }
    }
}
