package io.sluice.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.configurationprocessor.json.JSONArray;
import org.springframework.boot.configurationprocessor.json.JSONObject;

/** The generated configuration metadata: every sluice.* key has a description and a default. */
class SluicePropertiesMetadataTest {

    @Test
    void everySluiceKeyHasADescriptionAndADefault() throws Exception {
        List<Map<String, Object>> properties = sluiceProperties();
        assertThat(properties).extracting(p -> p.get("name")).contains("sluice.auto-startup", "sluice.phase",
                "sluice.shutdown-timeout", "sluice.kafka.bootstrap-servers", "sluice.kafka.properties",
                "sluice.offsets.dialect", "sluice.runtimes", "sluice.topics", "sluice.dashboard.port");
        List<String> problems = new ArrayList<>();
        for (Map<String, Object> p : properties) {
            Object description = p.get("description");
            if (!(description instanceof String d) || d.isBlank()) {
                problems.add(p.get("name") + ": no description");
            }
            if (!p.containsKey("defaultValue")) {
                problems.add(p.get("name") + ": no default");
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void defaultsAreTheRecordsDefaults() throws Exception {
        Map<Object, Object> defaults = new java.util.HashMap<>();
        sluiceProperties().forEach(p -> defaults.put(p.get("name"), p.get("defaultValue")));
        assertThat(defaults).containsEntry("sluice.auto-startup", true)
                .containsEntry("sluice.shutdown-timeout", "20s")
                .containsEntry("sluice.phase", 2147483547L)
                .containsEntry("sluice.offsets.table-name", "kafka_partitions");
    }

    private static List<Map<String, Object>> sluiceProperties() throws IOException, org.springframework.boot.configurationprocessor.json.JSONException {
        try (InputStream in = SluicePropertiesMetadataTest.class.getResourceAsStream(
                "/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("generated metadata").isNotNull();
            // the JSON reader the configuration processor ships (Boot's BasicJsonParser reads no nested objects)
            JSONObject json = new JSONObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            JSONArray all = json.getJSONArray("properties");
            List<Map<String, Object>> sluice = new ArrayList<>();
            for (int i = 0; i < all.length(); i++) {
                JSONObject p = all.getJSONObject(i);
                if (p.getString("name").startsWith("sluice.")) {
                    Map<String, Object> property = new java.util.HashMap<>();
                    for (String key : List.of("name", "type", "description", "defaultValue")) {
                        if (p.has(key)) {
                            Object value = p.get(key);
                            property.put(key, value instanceof Integer n ? Long.valueOf(n) : value);
                        }
                    }
                    sluice.add(property);
                }
            }
            return sluice;
        }
    }
}
