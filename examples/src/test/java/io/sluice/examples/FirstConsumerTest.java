package io.sluice.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.dsl.Message;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.TestDriver;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * The README's "Your first consumer": the code between the markers is copied into README.md verbatim (minus its
 * indentation), and {@link ReadmeSnippetsTest} fails when the two differ. Edit it here, then copy it there.
 */
class FirstConsumerTest {

    // README-BEGIN first-consumer
    /** The topology: which topic, how its bytes become values, and what a batch does. */
    static Topology topology(List<String> greetings) {
        return Sluice.topology()
                .topic("customers")
                    .deserializers(new StringDeserializer(), new StringDeserializer())
                    .consumer(() -> (batch, ctx) -> {
                        for (Message<String, String> customer : batch) {
                            greetings.add("Welcome, " + customer.value());
                        }
                    })
                .build();
    }

    /** In your service: a runtime on your cluster; close() it on shutdown (it commits what was consumed). */
    static SluiceRuntime start(Topology topology) {
        Properties kafka = new Properties();
        kafka.put("bootstrap.servers", "localhost:9092");
        kafka.put("group.id", "greeter");
        return SluiceRuntime.start(topology, kafka);
    }

    /** In your tests: the same topology on the TestDriver (sluice-test-fixtures): no broker, no threads. */
    @Test
    void welcomesEveryNewCustomer() {
        List<String> greetings = new CopyOnWriteArrayList<>();
        try (TestDriver driver = TestDriver.create()) {
            driver.start(topology(greetings))
                    .send("customers", 0, "c-1", "Ada")
                    .send("customers", 0, "c-2", "Grace")
                    .assign("customers", 0)
                    .runUntilIdle();
            assertEquals(List.of("Welcome, Ada", "Welcome, Grace"), greetings);
            assertEquals(2, driver.marked("customers", 0));
        }
    }
    // README-END first-consumer
}
