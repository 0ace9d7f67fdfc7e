package io.sluice.runtime.observation;

import io.micrometer.observation.transport.ReceiverContext;
import io.sluice.runtime.JobObserver;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The context of one {@code sluice.job} observation: the job, the trace contexts of its messages and, once it ended,
 * its outcome.
 *
 * <p>A batch's messages may come from many traces, so a job has no single parent: {@link #links()} holds each
 * distinct {@code traceparent} of its messages, in offset order, for a tracing handler to add as span links. Only a
 * job of one message is a true continuation: then the receiver context's carrier is that message's headers, so a
 * propagating tracing handler makes the job's span a child of the message's trace; for a larger batch the carrier
 * is empty and the span starts a trace of its own.
 */
public class SluiceJobContext extends ReceiverContext<Headers> {

    private static final Headers NONE = readOnlyEmpty();

    private final JobObserver.Job job;
    private final List<TraceParent> links;
    private volatile JobObserver.Outcome outcome;

    /** The context of {@code job}. */
    public SluiceJobContext(JobObserver.Job job) {
        super(SluiceJobContext::lastHeader);
        this.job = Objects.requireNonNull(job, "job");
        LinkedHashSet<TraceParent> distinct = new LinkedHashSet<>();
        job.headers().forEach(h -> TraceParent.of(h).ifPresent(distinct::add));
        this.links = List.copyOf(distinct);
        setCarrier(job.size() == 1 ? job.headers().get(0) : NONE);
        setRemoteServiceName("kafka");
    }

    private static Headers readOnlyEmpty() {
        RecordHeaders headers = new RecordHeaders();
        headers.setReadOnly();
        return headers;
    }

    private static String lastHeader(Headers headers, String key) {
        Header h = headers.lastHeader(key);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** The job. */
    public JobObserver.Job job() {
        return job;
    }

    /** The distinct trace contexts of the job's messages, in offset order: the span's links. */
    public List<TraceParent> links() {
        return links;
    }

    /** How the job ended; empty while it runs. */
    public Optional<JobObserver.Outcome> outcome() {
        return Optional.ofNullable(outcome);
    }

    void outcome(JobObserver.Outcome value) {
        outcome = value;
    }
}
