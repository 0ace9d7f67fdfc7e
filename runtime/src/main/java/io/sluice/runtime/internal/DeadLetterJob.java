package io.sluice.runtime.internal;

import io.sluice.dsl.OffsetAuthority;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one failed message to its dead-letter topic on a worker (or, when the topic's queue discards, publishes
 * nothing), waits for the broker's confirmation, advances
 * the offset authority if the topic has one, and only then reports the message as done. A failed publication
 * marks nothing; a failed advance after a publication is reported apart, so only the advance is retried and the
 * dead letter is not published again.
 */
final class DeadLetterJob implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterJob.class);

    private final AtomicBoolean revoked;
    private final TopicPartition topicPartition;
    private final String group;
    private final long generation;
    private final Optional<String> topic;
    private final boolean errorDetails;
    private final ConsumerRecord<byte[], byte[]> record;
    private final Throwable error;
    private final int attempts;
    private final DeadLetterPublisher publisher;
    private final Optional<OffsetAuthority> authority;
    private final java.util.function.Consumer<Report> sink;
    private KafkaTransactor transactor;
    /** What is decided once the message is: its own next offset, or a virtual partition's group end. */
    private final long next;

    DeadLetterJob(AtomicBoolean revoked, TopicPartition topicPartition, String group, long generation,
                  Optional<String> topic, ConsumerRecord<byte[], byte[]> record, Throwable error, int attempts,
                  boolean errorDetails, DeadLetterPublisher publisher,
                  Optional<OffsetAuthority> authority, java.util.function.Consumer<Report> sink) {
        this(revoked, topicPartition, group, generation, topic, record, error, attempts, errorDetails, publisher,
                authority, sink, record.offset() + 1);
    }

    DeadLetterJob(AtomicBoolean revoked, TopicPartition topicPartition, String group, long generation,
                  Optional<String> topic, ConsumerRecord<byte[], byte[]> record, Throwable error, int attempts,
                  boolean errorDetails, DeadLetterPublisher publisher,
                  Optional<OffsetAuthority> authority, java.util.function.Consumer<Report> sink, long next) {
        this.next = next;
        this.revoked = revoked;
        this.topicPartition = topicPartition;
        this.group = group;
        this.generation = generation;
        this.topic = topic;
        this.record = record;
        this.error = error;
        this.attempts = attempts;
        this.errorDetails = errorDetails;
        this.publisher = publisher;
        this.authority = authority;
        this.sink = sink;
    }

    /**
     * On a topic with Kafka transactions: the dead letter is sent in a transaction together with the offset past
     * the message (a discarded one is only marked, and its mark goes out in an offsets-only transaction).
     */
    DeadLetterJob transactions(KafkaTransactor value) {
        this.transactor = value;
        return this;
    }

    @Override
    public void run() {
        try {
            if (revoked.get()) {
                // the partition moved on: its new owner decides this message again
                throw new IllegalStateException(topicPartition + " was revoked before its dead letter was sent");
            }
            if (topic.isPresent()) {
                var deadLetter = DeadLetters.of(topic.get(), record, error, attempts, group, errorDetails);
                if (transactor != null) {
                    transactor.run(topicPartition, generation, revoked, next, tx -> tx.send(deadLetter));
                } else {
                    publisher.publish(deadLetter);
                }
            }
        } catch (Throwable e) {
            LOG.warn("dead-lettering {}@{} to {} failed; nothing is marked and it is tried again: {}", topicPartition,
                    record.offset(), topic.orElse("(discard)"), e.toString());
            sink.accept(new Report(topicPartition, generation, OptionalLong.empty(),
                    Report.Failed.of(e, Report.Origin.DEAD_LETTER_PUBLISH)));
            return;
        }
        if (topic.isPresent()) {
            LOG.warn("dead-lettered {}@{} to {} after {} failed attempt(s): {}", topicPartition, record.offset(),
                    topic.get(), attempts, errorDetails ? error.toString() : error.getClass().getName());
        } else {
            LOG.warn("discarded {}@{} after {} failed attempt(s): {}", topicPartition, record.offset(), attempts,
                    errorDetails ? error.toString() : error.getClass().getName());
        }
        advanceAndReport(revoked, authority, group, topicPartition, generation, next,
                new Report.DeadLettered(record.offset(), topic, attempts), Report.Origin.DEAD_LETTER_ADVANCE, sink);
    }

    /**
     * Advances the authority (when there is one and the partition is still ours) to {@code next}, then reports
     * {@code done} with that mark, or a failure of {@code origin} that marks nothing.
     */
    static void advanceAndReport(AtomicBoolean revoked, Optional<OffsetAuthority> authority, String group,
                                 TopicPartition tp, long generation, long next, Report.Outcome done,
                                 Report.Origin origin, java.util.function.Consumer<Report> sink) {
        if (authority.isPresent()) {
            if (revoked.get()) {
                // the store is the new owner's now: mark nothing, it decides these offsets again
                sink.accept(new Report(tp, generation, OptionalLong.empty(), done));
                return;
            }
            try {
                authority.get().advance(group, tp, next);
            } catch (Throwable e) {
                LOG.warn("advancing the stored offset of {} to {} failed; it is tried again: {}", tp, next,
                        e.toString());
                sink.accept(new Report(tp, generation, OptionalLong.empty(), Report.Failed.of(e, origin)));
                return;
            }
        }
        sink.accept(new Report(tp, generation, OptionalLong.of(next), done));
    }
}
