package io.sluice.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Message;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.testing.TestDriver;
import io.sluice.testing.TestDriverExtension;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Topics declared by pattern: routed to the pattern's consumer, including topics created after the start. */
@ExtendWith(TestDriverExtension.class)
class TopicPatternsDriverTest {

    private final List<String> byPattern = new CopyOnWriteArrayList<>();
    private final List<String> byName = new CopyOnWriteArrayList<>();

    private Topology topology() {
        return Sluice.topology()
                .topics(Pattern.compile("orders\\..*"))
                .consumer(() -> (batch, ctx) -> batch.forEach(m -> byPattern.add(where(m))))
                .topic("orders.vip")
                .consumer(() -> (batch, ctx) -> batch.forEach(m -> byName.add(where(m))))
                .build();
    }

    private static String where(Message<byte[], byte[]> m) {
        return m.topic() + "@" + m.offset();
    }

    @Test
    void aPatternConsumesTheTopicsItMatchesAndAnExplicitDeclarationKeepsItsOwn(TestDriver driver) {
        driver.createTopic("orders.eu", 1).createTopic("orders.vip", 1).start(topology());
        driver.send("orders.eu", 0, "k", "a").send("orders.vip", 0, "k", "b");
        driver.assign("orders.eu", 0).assign("orders.vip", 0).runUntilIdle();

        assertEquals(List.of("orders.eu@0"), byPattern);
        assertEquals(List.of("orders.vip@0"), byName, "the explicit declaration wins over the pattern");

        // a topic created after the start is matched too
        driver.createTopic("orders.us", 1).send("orders.us", 0, "k", "c");
        assertTrue(driver.consumer().subscription().contains("orders.us"), driver.consumer().subscription().toString());
        driver.assign("orders.us", 0).runUntilIdle();
        assertEquals(List.of("orders.eu@0", "orders.us@0"), byPattern);
        assertEquals(2, driver.assignments("orders.us", 0) + driver.assignments("orders.eu", 0));
    }

    @Test
    void aTopicThePatternDoesNotMatchCannotBeAssigned(TestDriver driver) {
        driver.createTopic("payments", 1).start(topology());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> driver.assign("payments", 0));
        assertTrue(e.getMessage().contains("payments-0"), e.getMessage());
    }
}
