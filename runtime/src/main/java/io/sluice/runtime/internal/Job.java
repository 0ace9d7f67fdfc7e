package io.sluice.runtime.internal;

import io.sluice.dsl.Batch;
import io.sluice.dsl.Consumer;
import io.sluice.dsl.Header;
import io.sluice.dsl.MarkingMode;
import io.sluice.dsl.Message;
import io.sluice.dsl.MessageFailedException;
import io.sluice.dsl.OffsetAuthority;
import io.sluice.dsl.TopicDefinition;
import io.sluice.dsl.Verdict;
import io.sluice.runtime.JobObserver;
import io.sluice.runtime.SluiceEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One batch of one partition, run on a worker: deserialize message by message, run the filter chain, hand what
 * is left to the consumer, work out the marks and the verdict, and report. Never throws; every outcome becomes a
 * {@link Report}. Decides nothing about retries: the partition machine does, from the report.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
final class Job<K, V> implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(Job.class);

    /** What a job does with its batch. */
    enum Mode {
        /** Chain, then consumer, on a partition without virtual partitions. */
        BATCH,
        /** Chain only, then split what is left by virtual partition ({@link Report.Split}); marks nothing. */
        SPLIT,
        /** The consumer on one group of a virtual partition (the chain already ran); marks only that partition. */
        GROUP
    }

    private final Mode mode;
    /** The mapping a SPLIT job splits by (the one the partition's lanes run); null otherwise. */
    private final io.sluice.dsl.VirtualPartitions split;

    private final TopicDefinition<K, V> topic;
    private final FilterChain<K, V> chain;
    private final Consumer<K, V> consumer;
    private final PartitionContext context;
    private final List<ConsumerRecord<byte[], byte[]>> records;
    private final long fetchOffset;
    private final long nextOffset;
    private final java.util.function.Consumer<Report> sink;
    private final String instance;
    private final Events events;
    private final LongSupplier nanos;
    private KafkaTransactor transactor;

    Job(String instance, Events events, TopicDefinition<K, V> topic, FilterChain<K, V> chain, Consumer<K, V> consumer,
        PartitionContext context, List<ConsumerRecord<byte[], byte[]>> records, long fetchOffset, long nextOffset,
        LongSupplier nanos, java.util.function.Consumer<Report> sink) {
        this(Mode.BATCH, instance, events, topic, chain, consumer, context, records, fetchOffset, nextOffset, nanos,
                sink, null);
    }

    Job(Mode mode, String instance, Events events, TopicDefinition<K, V> topic, FilterChain<K, V> chain,
        Consumer<K, V> consumer, PartitionContext context, List<ConsumerRecord<byte[], byte[]>> records,
        long fetchOffset, long nextOffset, LongSupplier nanos, java.util.function.Consumer<Report> sink,
        io.sluice.dsl.VirtualPartitions split) {
        this.mode = mode;
        this.split = split;
        this.topic = topic;
        this.chain = chain;
        this.consumer = consumer;
        this.context = context;
        this.records = records;
        this.fetchOffset = fetchOffset;
        this.nextOffset = nextOffset;
        this.nanos = nanos;
        this.sink = sink;
        this.instance = instance;
        this.events = events;
    }

    /** Lets the consumer run a Kafka transaction (a topic with {@code kafkaTransactions()}). */
    Job<K, V> transactions(KafkaTransactor value) {
        this.transactor = value;
        return this;
    }

    @Override
    public void run() {
        JobObserver observer = events.observer();
        JobObserver.Scope scope = JobObserver.Scope.NONE;
        if (observer != JobObserver.NONE) {
            List<Headers> headers = new ArrayList<>(records.size());
            records.forEach(r -> headers.add(r.headers()));
            scope = events.jobStarted(new JobObserver.Job(instance, context.consumerGroup(), context.topicPartition(),
                    context.generation(), fetchOffset, headers));
            context.observer(observer);
        }
        Report report;
        try {
            report = execute();
        } catch (Throwable unexpected) {
            // a bug of ours: report it as a chain failure so the partition retries instead of hanging
            LOG.error("job for {} failed unexpectedly", context.topicPartition(), unexpected);
            report = failed(unexpected, Report.Origin.CHAIN, OptionalLong.empty(), 0);
        }
        if (scope != JobObserver.Scope.NONE) {
            events.jobEnded(scope, outcome(report));
        }
        sink.accept(report);
    }

    private static JobObserver.Outcome outcome(Report report) {
        if (report.outcome() instanceof Report.Failed f) {
            return new JobObserver.Outcome(f.consumedBefore(), Optional.of(f.error()));
        }
        int consumed = report.outcome() instanceof Report.Succeeded s ? s.consumed() : 0;
        return new JobObserver.Outcome(consumed, Optional.empty());
    }

    private Report execute() {
        TopicPartition tp = context.topicPartition();
        List<Message<K, V>> messages = new ArrayList<>(records.size());
        long end = nextOffset;
        Throwable poison = null;
        long poisonOffset = -1;
        for (ConsumerRecord<byte[], byte[]> r : records) {
            try {
                messages.add(deserialize(r));
            } catch (RuntimeException e) {
                poison = e;
                poisonOffset = r.offset();
                end = r.offset();
                LOG.error("poison message at {}@{}: cannot deserialize: {}", tp, r.offset(), e.toString());
                break;
            }
        }
        Batch<K, V> batch = Batch.of(tp, fetchOffset, end, messages);

        ChainOutcome outcome;
        try {
            outcome = chain.apply(batch, context);
        } catch (Throwable e) {
            LOG.warn("filter chain of {} failed on the batch from {}: {}", tp, fetchOffset, e.toString());
            return failed(e, Report.Origin.CHAIN, OptionalLong.empty(), 0);
        }
        long chainNanos = nanos.getAsLong();

        if (outcome.verdict().applied()) {
            events.emit(new SluiceEvent.Filtered(instance, tp, context.generation(), outcome.verdict(),
                    outcome.removedByFilters()));
        }
        if (mode == Mode.SPLIT) {
            return split(batch, outcome, chainNanos, poison, poisonOffset);
        }
        int handed = batch.size();
        if (!batch.isEmpty()) {
            // the consumer's batch ends at the settled end; when nothing was cut that is the batch itself
            Batch<K, V> forConsumer = outcome.settledEnd() == batch.nextOffset()
                    ? batch
                    : Batch.of(tp, fetchOffset, outcome.settledEnd(), batch.messages());
            long started = System.nanoTime();
            if (transactor != null) {
                context.transactions(transactor, forConsumer.nextOffset());
            }
            try {
                consumer.consume(forConsumer, context);
            } catch (Throwable e) {
                return consumerFailed(forConsumer, e);
            }
            if (context.transactionFailure().isPresent()) {
                // the consumer swallowed its aborted transaction: nothing it sent is visible, so nothing is decided
                return consumerFailed(forConsumer, context.transactionFailure().get());
            }
            events.emit(new SluiceEvent.Consumed(instance, tp, context.generation(),
                    List.copyOf(forConsumer.messages()), Duration.ofNanos(System.nanoTime() - started)));
        }

        // the consumer's own seek or pause is one more verdict: combined with the chain's, its cursor also bounds
        // what this batch settles, so no mark covers a message that will be fetched again; a pause's deadline is
        // fixed when its verdict was made, so the job's own duration never stretches it
        Verdict verdict = outcome.verdict();
        long settledEnd = outcome.settledEnd();
        OptionalLong deadline = verdict instanceof Verdict.Pause p
                ? OptionalLong.of(chainNanos + p.timeout().toNanos()) : OptionalLong.empty();
        Optional<Verdict> own = context.override();
        if (own.isPresent()) {
            List<Verdict> applied = new ArrayList<>(2);
            if (verdict.applied()) {
                applied.add(verdict);
            }
            applied.add(own.get());
            if (own.get() instanceof Verdict.Pause p) {
                long ownDeadline = context.overrideNanos() + p.timeout().toNanos();
                deadline = OptionalLong.of(deadline.isPresent() ? Math.min(deadline.getAsLong(), ownDeadline)
                        : ownDeadline);
            }
            verdict = FilterChain.combine(applied);
            settledEnd = Math.min(settledEnd, verdict.resumeAt().orElse(Long.MAX_VALUE));
        }
        OptionalLong cursor = verdict.resumeAt();
        if (!(verdict instanceof Verdict.Pause)) {
            deadline = OptionalLong.empty();
        }

        // automatic marking settles the whole batch, dropped tail included; manual honours the filters' clamped ask
        // a group's marks are its virtual partition's alone: the partition's offset row is not its to move
        Optional<OffsetAuthority> authority = mode == Mode.GROUP ? Optional.empty() : topic.offsetAuthority();
        long ownMark = topic.settings().marking() == MarkingMode.AUTOMATIC
                ? settledEnd
                : Math.min(outcome.filterMark().orElse(-1), settledEnd);
        if (authority.isPresent() && handed == 0 && poison == null) {
            // nothing reached the consumer: what the filters removed below the settled end is dropped for good,
            // and the store must say so too, or the next batch would be refused as skipping it
            ownMark = Math.max(ownMark, settledEnd);
        }
        // a revoked partition's job must not move the offset store: the new owner may be deciding those messages
        boolean owner = !(authority.isPresent() && context.revoked());
        if (owner && authority.isPresent() && cursor.isPresent() && cursor.getAsLong() > batch.nextOffset()
                && poison == null) {
            // a seek forward past the batch skips offsets on purpose: the store moves there first, so the next
            // batch (fetched from the cursor) continues from the stored offset instead of being refused
            ownMark = Math.max(ownMark, cursor.getAsLong());
        }
        // on an offset-managed topic every mark, the consumer's own included, is the store's first: the store makes
        // this cheap when its own transaction already moved the row there
        long mark = authority.isPresent() ? Math.max(ownMark, context.jobMark().orElse(-1)) : ownMark;
        if (cursor.isPresent()) {
            // no mark of this job covers what will be fetched again
            mark = Math.min(mark, Math.max(cursor.getAsLong(), ownMark));
        }
        if (owner && mark > context.markedAtStart()) {
            if (authority.isPresent()) {
                try {
                    authority.get().advance(context.consumerGroup(), tp, mark);
                } catch (Throwable e) {
                    LOG.warn("offset authority of {} could not advance to {}: {}", tp, mark, e.toString());
                    return failed(e, Report.Origin.ADVANCE, OptionalLong.empty(), 0);
                }
            }
            if (mark > context.markedOffset()) {
                context.record(mark);
            }
        }

        if (poison != null) {
            // a cursor other than the poison message itself (a seek back, or past it to an offset the offset
            // manager already applied) is carried out; the poison message is met again only if it lies ahead
            if (cursor.isEmpty() || cursor.getAsLong() == poisonOffset) {
                return failed(poison, Report.Origin.POISON, OptionalLong.of(poisonOffset), 0);
            }
        }
        OptionalLong reported = context.jobMark();
        if (reported.isPresent() && cursor.isPresent() && reported.getAsLong() > Math.max(cursor.getAsLong(), mark)) {
            // the consumer marked past its own (or the chain's) cursor: those messages are fetched again
            reported = OptionalLong.of(Math.max(cursor.getAsLong(), mark));
        }
        return new Report(tp, context.generation(), reported,
                new Report.Succeeded(verdict, cursor, deadline, handed, outcome.removedByFilters(), settledEnd));
    }

    /**
     * A chain job of a partition with virtual partitions: what the chain left below its settled end is split by
     * virtual partition; nothing is handed to the consumer and nothing is marked here. A poison message ends the
     * batch: it joins its virtual partition's group (which fails on it and dead-letters it there), and the partition
     * goes on after it.
     */
    private Report split(Batch<K, V> batch, ChainOutcome outcome, long chainNanos, Throwable poison,
                         long poisonOffset) {
        io.sluice.dsl.VirtualPartitions vps = split != null ? split
                : topic.settings().virtualPartitions().orElseThrow();
        java.util.Map<Long, ConsumerRecord<byte[], byte[]>> byOffset = new java.util.HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            byOffset.put(r.offset(), r);
        }
        java.util.Map<Integer, List<ConsumerRecord<byte[], byte[]>>> groups = new java.util.TreeMap<>();
        long settledEnd = outcome.settledEnd();
        for (Message<K, V> m : batch.messages()) {
            ConsumerRecord<byte[], byte[]> r = byOffset.get(m.offset());
            if (r == null || m.offset() >= settledEnd) {
                continue;
            }
            int v;
            try {
                v = vps.of(r.key(), r.value(), r.offset());
            } catch (Throwable e) {
                LOG.warn("virtual partitioner of {} failed at {}: {}", context.topicPartition(), r.offset(),
                        e.toString());
                return failed(e, Report.Origin.CHAIN, OptionalLong.empty(), 0);
            }
            groups.computeIfAbsent(v, k -> new ArrayList<>()).add(r);
        }
        Verdict verdict = outcome.verdict();
        OptionalLong cursor = verdict.resumeAt();
        OptionalLong deadline = verdict instanceof Verdict.Pause p
                ? OptionalLong.of(chainNanos + p.timeout().toNanos()) : OptionalLong.empty();
        if (poison != null && cursor.isEmpty()) {
            // the poison message goes to its own virtual partition, whose group fails on it, retries it and
            // dead-letters it (moving only that virtual partition's row): it blocks no other virtual partition.
            // The partition goes on after it (the records behind it were not deserialized: fetched again).
            ConsumerRecord<byte[], byte[]> r = byOffset.get(poisonOffset);
            int v;
            try {
                v = vps.of(r.key(), r.value(), r.offset());
            } catch (Throwable e) {
                return failed(e, Report.Origin.CHAIN, OptionalLong.empty(), 0);
            }
            groups.computeIfAbsent(v, k -> new ArrayList<>()).add(r);
            verdict = Verdict.seek(poisonOffset + 1);
            cursor = OptionalLong.of(poisonOffset + 1);
            deadline = OptionalLong.empty();
            settledEnd = poisonOffset + 1;
        }
        Report.Succeeded chained = new Report.Succeeded(verdict, cursor, deadline, 0, outcome.removedByFilters(),
                settledEnd);
        return new Report(context.topicPartition(), context.generation(), OptionalLong.empty(),
                new Report.Split(chained, fetchOffset, groups));
    }

    /**
     * The consumer threw. The failing message is known when the consumer named it (and it is in the batch) or
     * when the batch held one message; then, under automatic marking, the messages before it count as consumed.
     */
    private Report consumerFailed(Batch<K, V> handed, Throwable e) {
        OptionalLong failedOffset = OptionalLong.empty();
        if (e instanceof MessageFailedException mfe) {
            long named = mfe.offset();
            if (mfe.topicPartition().equals(context.topicPartition())
                    && handed.stream().anyMatch(m -> m.offset() == named)) {
                failedOffset = OptionalLong.of(named);
            } else {
                LOG.warn("consumer of {} named offset {} as failed, which its batch does not hold; narrowing instead",
                        context.topicPartition(), named);
            }
        } else if (handed.size() == 1) {
            failedOffset = OptionalLong.of(handed.get(0).offset());
        }
        // on a topic with Kafka transactions the messages before the failing one are handled only if the
        // transaction carrying their outputs committed (its mark is then past them already); an aborted one, or
        // none at all, produced nothing visible for them, so they are run again, never marked
        if (failedOffset.isPresent() && e instanceof MessageFailedException && transactor == null
                && topic.settings().marking() == MarkingMode.AUTOMATIC
                && failedOffset.getAsLong() > context.markedOffset()
                && !(topic.offsetAuthority().isPresent())) {
            // the consumer named the failing message: under automatic marking the ones before it were handled
            context.record(failedOffset.getAsLong());
        }
        long marked = context.markedOffset();
        long failed = failedOffset.orElse(Long.MAX_VALUE);
        List<Message<K, V>> before = handed.stream().filter(m -> m.offset() < marked && m.offset() < failed).toList();
        if (!before.isEmpty()) {
            events.emit(new SluiceEvent.Consumed(instance, context.topicPartition(), context.generation(),
                    List.copyOf(before), Duration.ZERO));
        }
        return failed(e, Report.Origin.CONSUMER, failedOffset, before.size());
    }

    private Report failed(Throwable error, Report.Origin origin, OptionalLong failedOffset, int consumedBefore) {
        long marked = context.markedOffset();
        long firstUndecided = nextOffset;
        for (ConsumerRecord<byte[], byte[]> r : records) {
            if (r.offset() >= marked) {
                firstUndecided = r.offset();
                break;
            }
        }
        Optional<ConsumerRecord<byte[], byte[]>> record = failedOffset.isPresent()
                ? recordAt(failedOffset.getAsLong()) : Optional.empty();
        return new Report(context.topicPartition(), context.generation(), context.jobMark(),
                new Report.Failed(error, origin, failedOffset, firstUndecided, nextOffset, record, consumedBefore));
    }

    private Optional<ConsumerRecord<byte[], byte[]>> recordAt(long offset) {
        return records.stream().filter(r -> r.offset() == offset).findFirst();
    }

    private Message<K, V> deserialize(ConsumerRecord<byte[], byte[]> r) {
        K key = topic.keyDeserializer().deserialize(r.topic(), r.headers(), r.key());
        V value = topic.valueDeserializer().deserialize(r.topic(), r.headers(), r.value());
        org.apache.kafka.common.header.Header[] raw = r.headers().toArray();
        List<Header> headers = raw.length == 0 ? List.of() : new ArrayList<>(raw.length);
        for (org.apache.kafka.common.header.Header h : raw) {
            headers.add(new Header(h.key(), h.value()));
        }
        return new Message<>(r.topic(), r.partition(), r.offset(), r.timestamp(), key, value, headers);
    }
}
