package io.sluice.filters;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.dsl.Consumer;
import io.sluice.dsl.FilterFactory;
import io.sluice.dsl.Message;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.TopicBuilder;
import io.sluice.dsl.Topology;
import io.sluice.dsl.Verdict;
import io.sluice.testing.TestDriver;
import io.sluice.testing.TestDriverExtension;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jooq.SQLDialect;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A hostile review of the v2 core on offset-managed topics (test driver and H2). The consumer records each message
 * it applies in {@code "applied"} in the offset transaction. Each test fails today; its one-line comment says what
 * breaks and where.
 */
@ExtendWith(TestDriverExtension.class)
class HostileReviewTest {

    private static final String T = "orders";
    private static final TopicPartition TP = new TopicPartition(T, 0);
    private static final String GROUP = "sluice-test";

    private final DataSource database = Databases.h2();
    private PartitionOffsets offsets;

    @BeforeEach
    void store() throws SQLException {
        offsets = PartitionOffsets.builder(database, SQLDialect.H2).lockTimeout(Duration.ofMillis(20)).build();
        offsets.createTableIfMissing();
        AppliedTable.create(database);
    }

    /** Applies every message not valued "skip" in the offset transaction. */
    private Consumer<String, String> applying() {
        return (batch, ctx) -> offsets.consume(ctx, batch, (tx, messages) -> {
            for (Message<String, String> m : messages) {
                if (!m.value().equals("skip")) {
                    tx.execute("INSERT INTO \"applied\" VALUES (?)", m.offset());
                }
            }
        });
    }

    private Topology topology(Consumer<String, String> consumer, UnaryOperator<TopicBuilder<String, String>> more) {
        return more.apply(Sluice.topology().topic(T)
                .deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> consumer)
                .filter(OffsetManager.using(offsets))).build();
    }

    private List<Long> applied() {
        return AppliedTable.offsets(database);
    }

    private static void runFor(TestDriver driver, Duration total) {
        for (Duration d = Duration.ZERO; d.compareTo(total) < 0; d = d.plusSeconds(30)) {
            driver.advanceAndRun(Duration.ofSeconds(30));
        }
    }

    private static void send(TestDriver driver, String... values) {
        for (String v : values) {
            driver.send(T, 0, "k", v);
        }
    }

    // HANG (and Kafka's copy ahead of the row): a consumer's own markAsConsumed on an offset-managed topic never
    // reaches the row (Job line 153-175 advances the OffsetAuthority only to the runtime's own mark, and
    // markedOffset() already includes the consumer's), so Kafka is marked 2 while the row stays 0; the next batch,
    // fetched from 2, is refused, enforcement seeks back to 0, the consumer marks [0, 1] again, and so on forever:
    // 2 and 3 are never applied
    @Test
    void aConsumersOwnMarkOnAnOffsetManagedTopicReachesTheRow(TestDriver driver) {
        Consumer<String, String> apply = applying();
        driver.maxPollRecords(2).start(topology((batch, ctx) -> {
            if (batch.stream().allMatch(m -> m.value().equals("skip"))) {
                ctx.markAsConsumed(batch.nextOffset()); // nothing to apply: just say it is done
            } else {
                apply.consume(batch, ctx);
            }
        }, t -> t));
        send(driver, "skip", "skip", "ok", "ok");
        driver.assign(T, 0).runUntilIdle();
        runFor(driver, Duration.ofMinutes(3));
        assertAll(
                () -> assertEquals(List.of(2L, 3L), applied(), "applied"),
                () -> assertEquals(OptionalLong.of(4), offsets.nextOffset(GROUP, TP), "row"),
                () -> assertEquals(0L, driver.counters().get("refusals"), "refusals"));
    }

    // HANG: a filter that drops a whole batch for good without a mark request (allowed by the filter contract)
    // leaves nothing for the consumer, and under the manual marking build() forces on offset-managed topics Job
    // line 153-155 marks nothing and advances nothing; the next batch is refused (fetched above the row), enforced
    // back, dropped again... any run of dropped messages longer than max.poll.records blocks the partition forever
    @Test
    void aFilterDroppingAWholeBatchWithoutAMarkDoesNotBlockAnOffsetManagedPartition(TestDriver driver) {
        FilterFactory<String, String> dropSkips = tp -> (batch, ctx) -> {
            batch.removeIf(m -> m.value().equals("skip"));
            return Verdict.skip();
        };
        driver.maxPollRecords(2).start(topology(applying(), t -> t.filter(dropSkips)));
        send(driver, "skip", "skip", "ok", "ok");
        driver.assign(T, 0).runUntilIdle();
        runFor(driver, Duration.ofMinutes(3));
        assertAll(
                () -> assertEquals(List.of(2L, 3L), applied(), "applied"),
                () -> assertEquals(OptionalLong.of(4), offsets.nextOffset(GROUP, TP), "row"));
    }

    // HANG: a refusal of the idle advance (the row's epoch moved: an operator rewound it) is never treated as a
    // refusal -- PartitionMachine.failed handles origin ADVANCE (line 577-593) before it looks for an
    // OffsetRefusedException (line 603) -- so it retries the same refused advance forever instead of enforcing the
    // row again; the rewound 1 and 2 are never re-applied and the partition never leaves ADVANCING/BACKOFF
    @Test
    void aRefusedIdleAdvanceEnforcesTheRowAgainInsteadOfRetryingForever(TestDriver driver) {
        driver.start(topology(applying(), t -> t));
        send(driver, "ok", "ok", "ok");
        driver.assign(T, 0).runUntilIdle();
        assertEquals(List.of(0L, 1L, 2L), applied());
        offsets.locked(GROUP, TP, 0, row -> {              // an operator rewinds the row to 1: epoch 0 -> 1
            row.moveTo(1);
            return null;
        });
        driver.log().skip(TP, 2);                          // 3, 4: transaction markers; the poll steps over them
        runFor(driver, Duration.ofMinutes(3));
        assertAll(
                () -> assertEquals(List.of(0L, 1L, 1L, 2L, 2L), applied(), "the rewound 1 and 2 applied again"),
                () -> assertEquals(OptionalLong.of(5), offsets.nextOffset(GROUP, TP), "row"),
                () -> assertEquals(0L, driver.events(io.sluice.runtime.SluiceEvent.Failed.class).stream()
                        .filter(f -> f.attempt() > 3).count(), "failures beyond the third attempt"));
    }
}
