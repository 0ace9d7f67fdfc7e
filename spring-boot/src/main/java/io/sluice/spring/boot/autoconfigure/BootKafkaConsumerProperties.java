package io.sluice.spring.boot.autoconfigure;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.SslConfigs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.boot.kafka.autoconfigure.SslBundleSslEngineFactory;
import org.springframework.boot.ssl.SslBundle;

/**
 * Boot's consumer settings as Sluice takes them: {@code spring.kafka.consumer.*} (built by Boot's
 * {@link KafkaProperties}) without the values that are only Boot's defaults (so Sluice's defaults apply, e.g.
 * {@code isolation.level=read_committed}), without the keys Sluice owns (logged once at WARN when they were set),
 * and with the connection — bootstrap servers, security protocol, SSL bundle — from {@link KafkaConnectionDetails},
 * as Boot's own Kafka auto-configuration applies it. Loaded only when spring-boot-kafka is on the classpath.
 */
final class BootKafkaConsumerProperties {

    private static final Logger LOG = LoggerFactory.getLogger(BootKafkaConsumerProperties.class);

    /** Keys the runtime sets itself; see {@code ConsumerConfigs}. */
    static final List<String> OWNED = List.of(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            ConsumerConfig.CLIENT_ID_CONFIG);

    private BootKafkaConsumerProperties() {
    }

    static Map<String, Object> of(KafkaProperties kafka, KafkaConnectionDetails connection) {
        Map<String, Object> props = new LinkedHashMap<>(kafka.buildConsumerProperties());
        Map<String, Object> bootDefaults = new KafkaProperties().buildConsumerProperties();
        bootDefaults.forEach((key, value) -> {
            if (Objects.equals(props.get(key), value)) {
                props.remove(key);
            }
        });
        TreeSet<String> overridden = new TreeSet<>();
        for (String key : OWNED) {
            if (props.remove(key) != null) {
                overridden.add(key);
            }
        }
        if (!overridden.isEmpty()) {
            LOG.warn("spring.kafka.consumer.* sets {}, which Sluice owns: its runtimes ignore them (byte-array "
                    + "deserializers, enable.auto.commit=false, a client.id per instance); other listeners of the "
                    + "application still get them", overridden);
        }
        if (connection != null) {
            KafkaConnectionDetails.Configuration consumer = connection.getConsumer();
            props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, String.join(",", consumer.getBootstrapServers()));
            if (consumer.getSecurityProtocol() != null) {
                props.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, consumer.getSecurityProtocol());
            }
            SslBundle bundle = consumer.getSslBundle();
            if (bundle != null) {
                props.put(SslConfigs.SSL_ENGINE_FACTORY_CLASS_CONFIG, SslBundleSslEngineFactory.class);
                props.put(SslBundle.class.getName(), bundle);
            }
        }
        return props;
    }
}
