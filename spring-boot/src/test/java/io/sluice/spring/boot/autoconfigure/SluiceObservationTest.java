package io.sluice.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.common.KeyValue;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.sluice.dsl.Header;
import io.sluice.dsl.Message;
import io.sluice.dsl.Sluice;
import io.sluice.dsl.Topology;
import io.sluice.runtime.JobObserver;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.runtime.observation.JobObservations;
import io.sluice.runtime.observation.SluiceJobContext;
import io.sluice.runtime.observation.SluiceMessageContext;
import io.sluice.runtime.observation.TraceParent;
import io.sluice.testing.TestDriver;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The {@code sluice.job} observation of a job on the test driver (its key values, its links to the messages' trace
 * contexts, a child observation inside {@code ctx.observe} continuing one message's trace, a true parent for a
 * one-message batch) and the auto-configuration that sets it on every runtime.
 */
class SluiceObservationTest {

    private static final String TP1 = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    private static final String TP2 = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    /** Records every observation as it stops, with the observation that was current when it started. */
    static final class Recorder implements ObservationHandler<Observation.Context> {
        final List<Observation.Context> stopped = new CopyOnWriteArrayList<>();
        final List<Observation.Context> failed = new CopyOnWriteArrayList<>();

        @Override
        public void onError(Observation.Context context) {
            failed.add(context);
        }

        @Override
        public void onStop(Observation.Context context) {
            stopped.add(context);
        }

        @Override
        public boolean supportsContext(Observation.Context context) {
            return true;
        }

        <C extends Observation.Context> List<C> stopped(Class<C> type) {
            return stopped.stream().filter(type::isInstance).map(type::cast).toList();
        }
    }

    private final Recorder recorder = new Recorder();
    private final ObservationRegistry registry = ObservationRegistry.create();
    private final List<String> seenInside = new CopyOnWriteArrayList<>();
    private volatile boolean fail;
    private TestDriver driver;

    SluiceObservationTest() {
        registry.observationConfig().observationHandler(recorder);
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    private Topology topology() {
        return Sluice.topology().topic("orders").consumer(() -> (batch, ctx) -> {
            for (Message<byte[], byte[]> m : batch.messages()) {
                ctx.observe(m, () -> {
                    Observation current = registry.getCurrentObservation();
                    seenInside.add(current == null ? "none" : current.getContext().getName());
                });
            }
            if (fail) {
                throw new IllegalStateException("the database is down");
            }
        }).build();
    }

    private void send(int partition, String traceparent) {
        List<Header> headers = traceparent == null ? List.of()
                : List.of(new Header("traceparent", traceparent.getBytes(StandardCharsets.UTF_8)));
        driver.sendAt("orders", partition, null, "v".getBytes(StandardCharsets.UTF_8), driver.clock().millis(),
                headers);
    }

    private static Map<String, String> keyValues(Observation.Context context) {
        return context.getAllKeyValues().stream().collect(Collectors.toMap(KeyValue::getKey, KeyValue::getValue));
    }

    @Test
    void oneJobObservationLinksToItsMessagesTraceContextsAndObserveMakesAChildContinuingOneMessage() {
        driver = TestDriver.create().jobObserver(JobObservations.create(registry)).start(topology());
        send(0, TP1);
        send(0, null);
        send(0, TP2);
        send(0, TP1);

        driver.assign("orders", 0).runUntilIdle();

        List<SluiceJobContext> jobs = recorder.stopped(SluiceJobContext.class);
        assertThat(jobs).hasSize(1);
        SluiceJobContext job = jobs.get(0);
        assertThat(job.getName()).isEqualTo("sluice.job");
        assertThat(job.links()).extracting(TraceParent::toString).containsExactly(TP1, TP2);
        assertThat(keyValues(job)).containsEntry("sluice.topic", "orders").containsEntry("sluice.partition", "0")
                .containsEntry("sluice.batch.size", "4").containsEntry("sluice.outcome", "success")
                .containsEntry("sluice.consumed", "4");
        // four messages from three traces: no single parent, so the carrier holds none
        assertThat(job.getGetter().get(job.getCarrier(), "traceparent")).isNull();

        List<SluiceMessageContext> children = recorder.stopped(SluiceMessageContext.class);
        assertThat(children).hasSize(4);
        assertThat(children).allSatisfy(child -> {
            assertThat(child.getName()).isEqualTo("sluice.message");
            assertThat(child.getParentObservation().getContextView()).isSameAs(job);
        });
        // each child's carrier is its message, so a tracing handler continues that message's trace
        assertThat(children).extracting(c -> c.getGetter().get(c.getCarrier(), "traceparent"))
                .containsExactly(TP1, null, TP2, TP1);
        assertThat(keyValues(children.get(2))).containsEntry("sluice.offset", "2");
        assertThat(seenInside).containsExactly("sluice.message", "sluice.message", "sluice.message",
                "sluice.message");
    }

    @Test
    void aOneMessageJobContinuesThatMessagesTraceAndAFailedJobRecordsItsError() {
        driver = TestDriver.create().jobObserver(JobObservations.create(registry)).start(topology());
        fail = true;
        send(1, TP2);

        driver.assign("orders", 1).runUntilIdle();

        SluiceJobContext job = recorder.stopped(SluiceJobContext.class).get(0);
        assertThat(job.getGetter().get(job.getCarrier(), "traceparent")).isEqualTo(TP2);
        assertThat(job.links()).extracting(TraceParent::toString).containsExactly(TP2);
        assertThat(keyValues(job)).containsEntry("sluice.outcome", "failure").containsEntry("sluice.batch.size", "1");
        assertThat(job.getError()).isInstanceOf(IllegalStateException.class).hasMessage("the database is down");
        assertThat(recorder.failed).contains(job);
    }

    @Test
    void withoutAnObserverObserveOnlyRunsTheWork() {
        driver = TestDriver.create().start(topology());
        send(0, TP1);

        driver.assign("orders", 0).runUntilIdle();

        assertThat(recorder.stopped).isEmpty();
        assertThat(seenInside).containsExactly("none");
    }

    @Test
    void aThrowingObserverNeverBreaksAJob() {
        List<String> consumed = new CopyOnWriteArrayList<>();
        driver = TestDriver.create().jobObserver(job -> {
            throw new IllegalStateException("observer bug");
        }).start(Sluice.topology().topic("orders").consumer(() -> (batch, ctx) ->
                batch.messages().forEach(m -> consumed.add(m.topicPartition() + "@" + m.offset()))).build());
        send(0, TP1);

        driver.assign("orders", 0).runUntilIdle();

        assertThat(consumed).containsExactly("orders-0@0");
        assertThat(driver.marked("orders", 0)).isEqualTo(1);
    }

    @Test
    void deadLettersCarryTheMessagesTraceContextOn() {
        driver = TestDriver.create().jobObserver(JobObservations.create(registry))
                .start(Sluice.topology().topic("orders").consumer(() -> (batch, ctx) -> {
                    throw new IllegalArgumentException("poison");
                }).deadLetterQueue("orders.dlq", 0).build());
        send(0, TP1);

        driver.assign("orders", 0).runUntilIdle();

        assertThat(driver.deadLetters()).hasSize(1);
        org.apache.kafka.common.header.Header traceparent = driver.deadLetters().get(0).headers()
                .lastHeader("traceparent");
        assertThat(new String(traceparent.value(), StandardCharsets.UTF_8)).isEqualTo(TP1);
    }

    @Test
    void traceParentsAreParsedStrictly() {
        assertThat(TraceParent.parse(TP1)).hasValueSatisfying(t -> {
            assertThat(t.traceId()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
            assertThat(t.spanId()).isEqualTo("b7ad6b7169203331");
            assertThat(t.sampled()).isTrue();
        });
        assertThat(TraceParent.parse("00-00000000000000000000000000000000-b7ad6b7169203331-01")).isEmpty();
        assertThat(TraceParent.parse("00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01")).isEmpty();
        assertThat(TraceParent.parse("ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")).isEmpty();
        assertThat(TraceParent.parse("00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01")).isEmpty();
        assertThat(TraceParent.parse("garbage")).isEmpty();
    }

    // ------------------------------------------------------------------ auto-configuration

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SluiceAutoConfiguration.class,
                    SluiceObservationAutoConfiguration.class))
            .withPropertyValues("sluice.kafka.bootstrap-servers=127.0.0.1:1", "sluice.auto-startup=false",
                    "sluice.runtimes.orders.group-id=g", "sluice.commit-timeout=1s", "sluice.shutdown-timeout=1s")
            .withBean("orders", Topology.class, () -> SluiceAutoConfigurationTest.topology("orders"));

    private static SluiceRuntime unstarted() {
        Properties kafka = new Properties();
        kafka.put("bootstrap.servers", "127.0.0.1:1");
        kafka.put("group.id", "g");
        return SluiceRuntime.create(SluiceAutoConfigurationTest.topology("orders"), kafka);
    }

    @Test
    void everyRuntimeGetsJobObservationsWhenTheContextHasAnObservationRegistry() {
        runner.withBean(ObservationRegistry.class, () -> registry).run(context -> {
            SluiceRuntime runtime = unstarted();
            context.getBean("sluiceObservationCustomizer", SluiceRuntimeCustomizer.class).customize("orders", runtime);
            assertThat(runtime.jobObserver()).isInstanceOf(JobObservations.class);
        });
        runner.run(context -> {
            SluiceRuntime runtime = unstarted();
            context.getBean("sluiceObservationCustomizer", SluiceRuntimeCustomizer.class).customize("orders", runtime);
            assertThat(runtime.jobObserver()).as("no registry").isSameAs(JobObserver.NONE);
        });
        runner.withBean(ObservationRegistry.class, () -> ObservationRegistry.NOOP).run(context -> {
            SluiceRuntime runtime = unstarted();
            context.getBean("sluiceObservationCustomizer", SluiceRuntimeCustomizer.class).customize("orders", runtime);
            assertThat(runtime.jobObserver()).as("a no-op registry").isSameAs(JobObserver.NONE);
        });
        runner.withClassLoader(new FilteredClassLoader(ObservationRegistry.class))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("sluiceObservationCustomizer"));
    }
}
