package io.sluice.filters;

import io.sluice.dsl.Message;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.testing.proof.ProofDatabase;
import io.sluice.testing.proof.ProofEnvironment;
import io.sluice.testing.proof.ProofTopology;
import java.math.BigDecimal;
import java.time.Duration;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jooq.SQLDialect;

/**
 * The README's offset-managed "orders" consumer, as a proof-kit topology factory ({@link ProofKitIT}): each batch
 * is applied with {@link PartitionOffsets#consume}, one {@code orders} row per message, in the transaction that
 * moves the partition's offset row.
 */
// README-BEGIN proof-topology
public final class OrdersProofTopology implements ProofTopology {

    @Override
    public Topology create(ProofEnvironment env) {
        SQLDialect dialect = env.database() == ProofDatabase.H2 ? SQLDialect.H2 : SQLDialect.POSTGRES;
        PartitionOffsets offsets = PartitionOffsets.builder(env.dataSource(), dialect).build();
        offsets.createTableIfMissing();
        return Sluice.topology()
                .defaults(d -> d.backoff(Duration.ofMillis(200), Duration.ofSeconds(2)))
                .topic(env.topic())
                    .deserializers(new StringDeserializer(), new StringDeserializer())
                    .consumer(() -> (batch, ctx) -> offsets.consume(ctx, batch, (tx, orders) -> {
                        for (Message<String, String> order : orders) {
                            String[] fields = order.value().split(",");   // "<id>,<amount>"
                            tx.execute("INSERT INTO orders (id, amount) VALUES (?, ?)",
                                    Long.parseLong(fields[0]), new BigDecimal(fields[1]));
                        }
                    }))
                    .filter(OffsetManager.using(offsets))
                .build();
    }
}
// README-END proof-topology
