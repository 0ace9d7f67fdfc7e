package io.sluice.bench;

import io.sluice.dsl.Batch;
import io.sluice.dsl.Filter;
import io.sluice.dsl.FilterContext;
import io.sluice.dsl.Message;
import io.sluice.filters.Expiry;
import io.sluice.filters.MessagePredicate;
import io.sluice.filters.Throttle;
import io.sluice.runtime.internal.ChainOutcome;
import io.sluice.runtime.internal.FilterChain;
import io.sluice.testing.TestContext;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The cost of the filter-chain applier per message: the three stateless filters of {@code sluice_filters} (a
 * predicate that keeps all, an expiry that expires none, a throttle that never bites) over a 500-message batch,
 * as the runtime applies them on a worker. The filters remove nothing, so one batch serves every invocation;
 * the tear-down checks that it stayed whole.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FilterChainBenchmark {

    /** Messages per batch: {@code max.poll.records} of the end-to-end cases. */
    public static final int BATCH = 500;

    private static final TopicPartition TP = new TopicPartition("bench", 0);

    private FilterChain<byte[], byte[]> chain;
    private Batch<byte[], byte[]> batch;
    private FilterContext context;

    /** Builds the filters through their public factories, as the runtime does on assignment. */
    @Setup(Level.Trial)
    public void setUp() {
        List<Filter<? super byte[], ? super byte[]>> filters = List.of(
                MessagePredicate.<byte[], byte[]>keepIf(m -> m.offset() >= 0).create(TP),
                Expiry.<byte[], byte[]>after(SluiceRun.NEVER_EXPIRES).create(TP),
                Throttle.<byte[], byte[]>of(SluiceRun.NEVER_THROTTLES, Duration.ofSeconds(1)).create(TP));
        chain = new FilterChain<>(filters);
        long now = System.currentTimeMillis();
        byte[] value = new byte[100];
        List<Message<byte[], byte[]>> messages = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            byte[] key = ByteBuffer.allocate(Long.BYTES).putLong(i).array();
            messages.add(Message.of(TP.topic(), TP.partition(), 1_000_000L + i, now, key, value));
        }
        batch = Batch.of(messages);
        // a partition context as a worker sees it: not revoked, the system clock
        context = new TestContext(TP, Clock.systemUTC()).logRange(0, 2_000_000);
    }

    /** The applier over one batch; the score is per message. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public ChainOutcome threeStatelessFilters() throws Exception {
        return chain.apply(batch, context);
    }

    /** A chain that removed anything would make later invocations measure a smaller batch. */
    @TearDown(Level.Iteration)
    public void checkBatchIsWhole() {
        if (batch.size() != BATCH || batch.removedCount() != 0) {
            throw new IllegalStateException("the chain removed messages: " + batch);
        }
    }
}
