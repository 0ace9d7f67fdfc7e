package io.sluice.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class VirtualPartitionsTest {

    private static TopicBuilder<byte[], byte[]> orders() {
        return Sluice.topology().topic("orders").consumer(() -> (batch, ctx) -> { });
    }

    @Test
    void buildRejectsACountOutside1To1024NamingTheTopic() {
        for (int bad : new int[] {0, -1, 1025}) {
            TopologyException e = assertThrows(TopologyException.class, () -> orders().virtualPartitions(bad).build());
            assertEquals(1, e.problems().size(), e.problems().toString());
            String problem = e.problems().get(0);
            assertTrue(problem.contains("'orders'") && problem.contains("1..1024") && problem.contains("" + bad),
                    problem);
        }
        assertEquals(1024, orders().virtualPartitions(1024).build().topic("orders").orElseThrow().settings()
                .virtualPartitions().orElseThrow().count());
    }

    @Test
    void buildRejectsVirtualPartitionsWithKafkaTransactionsNamingTheTopic() {
        TopologyException e = assertThrows(TopologyException.class,
                () -> orders().virtualPartitions(8).kafkaTransactions().build());
        assertEquals(1, e.problems().size(), e.problems().toString());
        assertTrue(e.problems().get(0).contains("'orders'") && e.problems().get(0).contains("virtualPartitions()")
                && e.problems().get(0).contains("kafkaTransactions()"), e.problems().get(0));
        orders().virtualPartitions(8).build();
        orders().kafkaTransactions().build();
    }

    @Test
    void aCustomPartitionerNeedsAnId() {
        VirtualPartitioner nameless = new VirtualPartitioner() {
            @Override
            public String id() {
                return " ";
            }

            @Override
            public int virtualPartition(byte[] key, byte[] value, long offset, int count) {
                return 0;
            }
        };
        TopologyException e = assertThrows(TopologyException.class,
                () -> orders().virtualPartitions(4, nameless).build());
        assertTrue(e.problems().get(0).contains("id"), e.problems().toString());
    }

    @Test
    void theDefaultMapsAKeyAlwaysToOneVirtualPartitionAndNullKeysByOffset() {
        VirtualPartitions vps = VirtualPartitions.of(8);
        byte[] key = "customer-42".getBytes(StandardCharsets.UTF_8);
        int v = vps.of(key, null, 0);
        for (long offset = 1; offset < 50; offset++) {
            assertEquals(v, vps.of(key, ("value" + offset).getBytes(StandardCharsets.UTF_8), offset));
        }
        Set<Integer> seen = new HashSet<>();
        for (long offset = 0; offset < 8; offset++) {
            assertEquals(offset % 8, vps.of(null, null, offset));
            seen.add(vps.of(("k" + offset).getBytes(StandardCharsets.UTF_8), null, offset));
        }
        assertTrue(seen.size() > 1, "keys spread over virtual partitions: " + seen);
        assertEquals("8:murmur2", vps.mapping());
    }

    @Test
    void aPartitionerAnswerOutsideTheRangeIsRefused() {
        VirtualPartitions vps = VirtualPartitions.of(4).withPartitioner(new VirtualPartitioner() {
            @Override
            public String id() {
                return "broken";
            }

            @Override
            public int virtualPartition(byte[] key, byte[] value, long offset, int count) {
                return count;
            }
        });
        assertThrows(IllegalStateException.class, () -> vps.of(null, null, 0));
    }
}
