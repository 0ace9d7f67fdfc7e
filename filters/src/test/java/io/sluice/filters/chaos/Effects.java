package io.sluice.filters.chaos;

import io.sluice.dsl.Message;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.InsertValuesStep4;
import org.jooq.Record;
import org.jooq.Record3;
import org.jooq.Record5;
import org.jooq.Result;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The chaos test's "user work": one row per applied message in {@code "effects"}, deliberately <em>without</em> a
 * unique key, so a message applied twice shows as two rows instead of failing the second insert.
 *
 * <pre>
 * CREATE TABLE "effects" ("topic" VARCHAR(255), "partition" INTEGER, "msg_offset" BIGINT, "member" VARCHAR(64))
 * </pre>
 */
final class Effects {

    static final Table<Record> TABLE = DSL.table(DSL.name("effects"));
    static final Field<String> TOPIC = DSL.field(DSL.name("topic"), SQLDataType.VARCHAR(255).notNull());
    static final Field<Integer> PARTITION = DSL.field(DSL.name("partition"), SQLDataType.INTEGER.notNull());
    static final Field<Long> MSG_OFFSET = DSL.field(DSL.name("msg_offset"), SQLDataType.BIGINT.notNull());
    static final Field<String> MEMBER = DSL.field(DSL.name("member"), SQLDataType.VARCHAR(64).notNull());

    private Effects() {
    }

    /** Creates the table; no primary key, no unique constraint. */
    static void createTable(DSLContext db) {
        db.createTableIfNotExists(TABLE).column(TOPIC).column(PARTITION).column(MSG_OFFSET).column(MEMBER).execute();
    }

    /** Inserts one row per message in one statement, inside the caller's transaction. */
    static void insert(DSLContext tx, List<? extends Message<?, ?>> messages, String member) {
        InsertValuesStep4<Record, String, Integer, Long, String> insert =
                tx.insertInto(TABLE, TOPIC, PARTITION, MSG_OFFSET, MEMBER);
        for (Message<?, ?> m : messages) {
            insert = insert.values(m.topic(), m.partition(), m.offset(), member);
        }
        insert.execute();
    }

    /** How many rows {@code topic} has: one per application of a message. */
    static long rows(DSLContext db, String topic) {
        return db.fetchCount(TABLE, TOPIC.eq(topic));
    }

    /** How many distinct messages of {@code topic} have at least one row. */
    static long distinctMessages(DSLContext db, String topic) {
        return db.fetchCount(db.selectDistinct(PARTITION, MSG_OFFSET).from(TABLE).where(TOPIC.eq(topic)));
    }

    /** Up to {@code limit} messages of {@code topic} with more than one row: partition, offset, rows. */
    static Result<Record3<Integer, Long, Integer>> duplicated(DSLContext db, String topic, int limit) {
        return db.select(PARTITION, MSG_OFFSET, DSL.count())
                .from(TABLE)
                .where(TOPIC.eq(topic))
                .groupBy(PARTITION, MSG_OFFSET)
                .having(DSL.count().gt(1))
                .orderBy(PARTITION, MSG_OFFSET)
                .limit(limit)
                .fetch();
    }

    /**
     * Who applied the duplicated messages of {@code topic}: per partition and member, the lowest and highest
     * duplicated offset and how many rows the member wrote for them.
     */
    static Result<Record5<Integer, String, Long, Long, Integer>> duplicatedBy(DSLContext db, String topic) {
        return db.select(PARTITION, MEMBER, DSL.min(MSG_OFFSET), DSL.max(MSG_OFFSET), DSL.count())
                .from(TABLE)
                .where(TOPIC.eq(topic))
                .and(DSL.row(PARTITION, MSG_OFFSET).in(db.select(PARTITION, MSG_OFFSET)
                        .from(TABLE)
                        .where(TOPIC.eq(topic))
                        .groupBy(PARTITION, MSG_OFFSET)
                        .having(DSL.count().gt(1))))
                .groupBy(PARTITION, MEMBER)
                .orderBy(PARTITION, MEMBER)
                .fetch();
    }
}
