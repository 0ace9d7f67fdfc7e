package io.sluice.filters;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.dsl.Sluice;
import io.sluice.testing.TestDriver;
import io.sluice.testing.TestDriverExtension;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The README's ten-line driver test, kept true by running it. */
@ExtendWith(TestDriverExtension.class)
class ReadmeExampleTest {

    @Test
    void throttlesToTwoPerSecond(TestDriver driver) {
        driver.start(Sluice.topology().topic("orders").consumer(() -> (batch, ctx) -> { })
                .throttle(2, Duration.ofSeconds(1)).build());
        driver.send("orders", 0, "k", "a").send("orders", 0, "k", "b").send("orders", 0, "k", "c");
        driver.assign("orders", 0).runUntilIdle();
        assertEquals(List.of(0L, 1L), driver.consumedOffsets("orders", 0));
        driver.advanceAndRun(Duration.ofSeconds(1));
        assertEquals(List.of(0L, 1L, 2L), driver.consumedOffsets("orders", 0));
    }
}
