package io.sluice.web;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Filter;
import io.sluice.dsl.FilterFactory;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.dsl.Verdict;
import io.sluice.testing.TestDriver;
import io.sluice.testing.TestDriverExtension;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The dashboard over partition states and events the real listener loop made, under the test driver. */
@ExtendWith(TestDriverExtension.class)
class DashboardDriverTest {

    /** Pauses each partition's first batch after two messages, for 30 s. */
    static final class PauseFirstBatch implements FilterFactory<Object, Object> {
        private final Set<TopicPartition> paused = ConcurrentHashMap.newKeySet();

        @Override
        public Filter<Object, Object> create(TopicPartition tp) {
            return (batch, ctx) -> {
                if (!paused.add(tp)) {
                    return Verdict.notApplied();
                }
                long cursor = batch.fetchOffset() + 2;
                batch.removeFrom(cursor);
                return Verdict.pause(cursor, Duration.ofSeconds(30));
            };
        }
    }

    @Test
    void aPausedPartitionShowsItsVerdictPauseAndLag(TestDriver driver) throws Exception {
        Topology topology = Sluice.topology()
                .topic("orders").deserializers(new StringDeserializer(), new StringDeserializer())
                .consumer(() -> (batch, ctx) -> { })
                .filter(new PauseFirstBatch())
                .build();
        EventLog events = new EventLog(driver.clock(), 10);
        driver.listener(events).start(topology);
        for (int i = 0; i < 8; i++) {
            driver.send("orders", 0, "k" + i, "v" + i);
        }
        driver.assign("orders", 0).runUntilIdle();

        FakeRuntime view = new FakeRuntime("driven", topology);
        view.partitions = driver.partitions();
        view.counters = driver.counters();
        try (SluiceDashboard dashboard = SluiceDashboard.start(view, events,
                DashboardSettings.defaults().withClock(driver.clock()))) {
            String html = Http.get(dashboard.url()).body();
            assertTrue(html.contains("<td>orders-0</td><td>" + TestDriver.INSTANCE
                    + "</td><td data-value=\"PAUSED\">PAUSED</td>"), html);
            assertTrue(html.contains("<td>PAUSE at 2 for 30 s, 6 dropped</td>"), html);
            String until = driver.clock().instant().plusSeconds(30).truncatedTo(ChronoUnit.MILLIS).toString();
            assertTrue(html.contains("<td>" + until + "</td>"), "paused until " + until);
            String json = Http.get(dashboard.url().resolve("/api/state")).body();
            assertTrue(json.contains("\"marked\":2,\"databaseOffset\":null,\"logEnd\":8,\"lag\":6"), json);
            assertTrue(json.contains("\"consumer\":\""), json);
        }
    }
}
