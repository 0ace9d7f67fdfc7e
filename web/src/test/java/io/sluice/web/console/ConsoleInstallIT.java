package io.sluice.web.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.testing.EmbeddedKafka;
import io.sluice.testing.EmbeddedKafkaExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(EmbeddedKafkaExtension.class)
class ConsoleInstallIT {

    private final EmbeddedKafka kafka;

    ConsoleInstallIT(EmbeddedKafka kafka) {
        this.kafka = kafka;
    }

    @Test
    void installCreatesEveryTopicOnceWithItsSettingsAndNamesWhatIsMissingBefore(@TempDir Path dir)
            throws Exception {
        ConsoleTopics topics = new ConsoleTopics("it");
        try (Admin admin = kafka.admin()) {
            IllegalStateException missing = assertThrows(IllegalStateException.class,
                    () -> topics.requireInstalled(admin));
            assertTrue(missing.getMessage().contains("it.sluice.reports")
                    && missing.getMessage().contains("sluice-web.jar install") && missing.getMessage()
                    .contains("--prefix it"), missing.getMessage());

            // the client settings come from a file, as SASL/SSL settings would
            Path config = dir.resolve("client.properties");
            Files.writeString(config, "client.id=sluice-install-test\n");
            String first = run("install", "--bootstrap-servers", kafka.bootstrapServers(), "--prefix", "it",
                    "--kafka-config", config.toString());
            assertEquals(6, first.lines().filter(l -> l.startsWith("created ")).count(), first);

            topics.requireInstalled(admin);
            Set<String> names = admin.listTopics().names().get();
            for (ConsoleTopics.Spec spec : topics.specs()) {
                assertTrue(names.contains(spec.name()), spec.name());
                ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, spec.name());
                Config actual = admin.describeConfigs(List.of(resource)).all().get().get(resource);
                for (Map.Entry<String, String> e : spec.configs().entrySet()) {
                    assertEquals(e.getValue(), actual.get(e.getKey()).value(), spec.name() + " " + e.getKey());
                }
                assertEquals(1, admin.describeTopics(List.of(spec.name())).allTopicNames().get().get(spec.name())
                        .partitions().size(), spec.name());
            }

            String second = run("install", "--bootstrap-servers", kafka.bootstrapServers(), "--prefix", "it");
            assertEquals(6, second.lines().filter(l -> l.startsWith("exists ")).count(), second);
        }
    }

    private static String run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = SluiceWebCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }
}
