package io.sluice.filters.chaos;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The stretches of offsets each consume transaction moved a partition's row over, written by the member inside
 * that transaction: {@code [from, to)} where {@code from} is the row read under the lock and {@code to} the row it
 * commits. Committed ranges must <em>tile</em> the partition: never overlap (an overlap means the row moved back and
 * something was applied again), and leave holes only where the row moved without a consume transaction (the
 * runtime's advance over offsets without records: transaction markers, aborted records, compaction gaps) — so a
 * hole must hold no record the run expected to be applied.
 *
 * <p>With virtual partitions each group transaction moves its own virtual partition's row {@code r_v}, not the
 * partition's: its range is recorded against {@code (partition, mapping, vp)}, {@code from} being {@code r_v} read
 * under the group's lock, and the audit tiles each virtual partition's own messages ({@link Audit#virtualTiling}).
 * Whole-partition ranges have {@code vp = -1} and an empty mapping.
 *
 * <pre>
 * CREATE TABLE "chaos_ranges" ("topic" VARCHAR(255), "partition" INTEGER, "vp" INTEGER, "mapping" VARCHAR(64),
 *                              "from_offset" BIGINT, "to_offset" BIGINT, "member" VARCHAR(64))
 * </pre>
 */
final class Ranges {

    static final Table<Record> TABLE = DSL.table(DSL.name("chaos_ranges"));
    static final Field<String> TOPIC = DSL.field(DSL.name("topic"), SQLDataType.VARCHAR(255).notNull());
    static final Field<Integer> PARTITION = DSL.field(DSL.name("partition"), SQLDataType.INTEGER.notNull());
    static final Field<Integer> VP = DSL.field(DSL.name("vp"), SQLDataType.INTEGER.notNull());
    static final Field<String> MAPPING = DSL.field(DSL.name("mapping"), SQLDataType.VARCHAR(64).notNull());
    static final Field<Long> FROM = DSL.field(DSL.name("from_offset"), SQLDataType.BIGINT.notNull());
    static final Field<Long> TO = DSL.field(DSL.name("to_offset"), SQLDataType.BIGINT.notNull());
    static final Field<String> MEMBER = DSL.field(DSL.name("member"), SQLDataType.VARCHAR(64).notNull());

    private static final Field<String> ROW_GROUP = DSL.field(DSL.name("consumer_group"), String.class);
    private static final Field<String> ROW_TOPIC = DSL.field(DSL.name("topic"), String.class);
    private static final Field<Integer> ROW_PARTITION = DSL.field(DSL.name("partition"), Integer.class);
    private static final Field<Long> ROW_NEXT = DSL.field(DSL.name("next_offset"), Long.class);
    private static final Field<Integer> ROW_VP = DSL.field(DSL.name("vp"), Integer.class);

    private Ranges() {
    }

    static void createTable(DSLContext db) {
        db.createTableIfNotExists(TABLE).column(TOPIC).column(PARTITION).column(VP).column(MAPPING).column(FROM)
                .column(TO).column(MEMBER).execute();
    }

    /** The row's next offset as this transaction sees it: under {@code consume}'s lock, before its update. */
    static long storedNextOffset(DSLContext tx, String offsetsTable, String group, TopicPartition tp) {
        Long next = tx.select(ROW_NEXT).from(DSL.table(DSL.name(offsetsTable)))
                .where(ROW_GROUP.eq(group)).and(ROW_TOPIC.eq(tp.topic())).and(ROW_PARTITION.eq(tp.partition()))
                .fetchOne(ROW_NEXT);
        if (next == null) {
            throw new IllegalStateException("no offset row for " + tp + " inside consume's transaction");
        }
        return next;
    }

    /**
     * Virtual partition {@code v}'s row {@code r_v} as this group transaction sees it: under {@code consume}'s lock of
     * that row, before its update.
     */
    static long storedVirtualNextOffset(DSLContext tx, String virtualTable, String group, TopicPartition tp, int v) {
        Long next = tx.select(ROW_NEXT).from(DSL.table(DSL.name(virtualTable)))
                .where(ROW_GROUP.eq(group)).and(ROW_TOPIC.eq(tp.topic())).and(ROW_PARTITION.eq(tp.partition()))
                .and(ROW_VP.eq(v)).fetchOne(ROW_NEXT);
        if (next == null) {
            throw new IllegalStateException("no row of virtual partition " + v + " of " + tp + " inside consume's"
                    + " transaction");
        }
        return next;
    }

    static void insert(DSLContext tx, TopicPartition tp, long from, long to, String member) {
        insert(tx, tp, -1, "", from, to, member);
    }

    /** A group transaction's range of virtual partition {@code vp} under {@code mapping}. */
    static void insert(DSLContext tx, TopicPartition tp, int vp, String mapping, long from, long to, String member) {
        tx.insertInto(TABLE, TOPIC, PARTITION, VP, MAPPING, FROM, TO, MEMBER)
                .values(tp.topic(), tp.partition(), vp, mapping, from, to, member).execute();
    }

    /** One committed range; {@code vp} is -1 and {@code mapping} empty for a whole-partition one. */
    record Range(long from, long to, String member, int vp, String mapping) {

        Range(long from, long to, String member) {
            this(from, to, member, -1, "");
        }
    }

    /** The committed ranges of {@code topic}, per partition, in order of {@code from}. */
    static Map<Integer, List<Range>> read(DSLContext db, String topic) {
        Map<Integer, List<Range>> ranges = new HashMap<>();
        db.select(PARTITION, FROM, TO, MEMBER, VP, MAPPING).from(TABLE).where(TOPIC.eq(topic))
                .orderBy(PARTITION, FROM, TO)
                .forEach(r -> ranges.computeIfAbsent(r.value1(), p -> new ArrayList<>())
                        .add(new Range(r.value2(), r.value3(), r.value4(), r.value5(), r.value6())));
        return ranges;
    }
}
