package io.sluice.filters;

import io.sluice.dsl.Message;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.runtime.RuntimeSettings;
import io.sluice.testing.proof.ProofEnvironment;
import io.sluice.testing.proof.ProofTopology;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import javax.sql.DataSource;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The control of {@link ProofKitIT}: the same "orders" consumer without the offset manager. Each batch's rows are
 * committed in a transaction of their own (auto-commit), and the Kafka offsets follow later, with the runtime's
 * periodic commit: the naive "write to the database, then commit to Kafka". A member killed between the two leaves
 * rows whose messages the next owner applies again. The commit interval is a minute, so every kill lands in that
 * window (as a park point makes the chaos test's zombie certain rather than likely).
 */
public final class AutoCommitOrdersProofTopology implements ProofTopology {

    @Override
    public Topology create(ProofEnvironment env) {
        DataSource dataSource = env.dataSource();
        return Sluice.topology()
                .defaults(d -> d.backoff(Duration.ofMillis(200), Duration.ofSeconds(2)))
                .topic(env.topic())
                    .deserializers(new StringDeserializer(), new StringDeserializer())
                    .consumer(() -> (batch, ctx) -> {
                        try (Connection connection = dataSource.getConnection();
                             PreparedStatement insert = connection.prepareStatement(
                                     "INSERT INTO orders (id, amount) VALUES (?, ?)")) {
                            for (Message<String, String> order : batch) {
                                String[] fields = order.value().split(",");
                                insert.setLong(1, Long.parseLong(fields[0]));
                                insert.setBigDecimal(2, new BigDecimal(fields[1]));
                                insert.executeUpdate();
                            }
                        }
                    })
                .build();
    }

    @Override
    public RuntimeSettings settings() {
        return RuntimeSettings.defaults().withCommitInterval(Duration.ofMinutes(1));
    }
}
