package io.sluice.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dead-letter producer's own properties, read from a file. */
class DeadLetterProducerPropertiesTest {

    @TempDir
    Path dir;

    private static final Topology TOPOLOGY = Sluice.topology().topic("t").consumer(() -> (b, c) -> { }).build();

    private static Properties consumer() {
        Properties p = new Properties();
        p.put("bootstrap.servers", "consumer-cluster:9092");
        p.put("group.id", "g");
        p.put("security.protocol", "SASL_SSL");
        p.put("sasl.jaas.config", "consumer-secret");
        p.put("client.id", "mine");
        return p;
    }

    @Test
    void withoutAFileTheProducerUsesTheConsumersConnectionAndSecurity() {
        Properties p = SluiceRuntime.create(TOPOLOGY, consumer()).deadLetterProducerConfig();
        assertEquals("consumer-cluster:9092", p.getProperty("bootstrap.servers"));
        assertEquals("SASL_SSL", p.getProperty("security.protocol"));
        assertEquals("consumer-secret", p.getProperty("sasl.jaas.config"));
        assertNull(p.getProperty("group.id"), "only what a producer knows");
        assertNull(p.getProperty("client.id"));
        assertEquals("all", p.getProperty("acks"));
    }

    @Test
    void aFileWithoutBootstrapServersOverridesTheConsumersSettings() throws IOException {
        Path file = write("sasl.jaas.config=producer-secret\nlinger.ms=5\nacks=0\n");
        Properties p = SluiceRuntime.create(TOPOLOGY, consumer()).deadLetterProducerProperties(file)
                .deadLetterProducerConfig();
        assertEquals("consumer-cluster:9092", p.getProperty("bootstrap.servers"));
        assertEquals("SASL_SSL", p.getProperty("security.protocol"));
        assertEquals("producer-secret", p.getProperty("sasl.jaas.config"));
        assertEquals("5", p.getProperty("linger.ms"));
        assertEquals("all", p.getProperty("acks"), "confirmed publication is Sluice's");
        assertEquals("true", p.getProperty("enable.idempotence"));
    }

    @Test
    void aFileNamingAnotherClusterTakesNothingFromTheConsumer() throws IOException {
        Path file = write("bootstrap.servers=dlq-cluster:9093\nsecurity.protocol=SSL\n");
        Properties p = SluiceRuntime.create(TOPOLOGY, consumer()).deadLetterProducerProperties(file)
                .deadLetterProducerConfig();
        assertEquals("dlq-cluster:9093", p.getProperty("bootstrap.servers"));
        assertEquals("SSL", p.getProperty("security.protocol"));
        assertNull(p.getProperty("sasl.jaas.config"), "the consumer's credentials never go to another cluster");
    }

    @Test
    void aFileThatCannotBeReadIsNamedWithoutItsContent() throws IOException {
        Path file = write("sasl.jaas.config=top-secret \\u12\n"); // a malformed escape
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SluiceRuntime.create(TOPOLOGY, consumer()).deadLetterProducerProperties(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertFalse(e.getMessage().contains("top-secret"), e.getMessage());
        assertNull(e.getCause(), "no cause that could quote the content");
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> SluiceRuntime.create(TOPOLOGY, consumer()).deadLetterProducerProperties(dir.resolve("none")));
        assertTrue(missing.getMessage().contains("none"), missing.getMessage());
    }

    private Path write(String content) throws IOException {
        Path file = dir.resolve("dlq-producer.properties");
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }
}
