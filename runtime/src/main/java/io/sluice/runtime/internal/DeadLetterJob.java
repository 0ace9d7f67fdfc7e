package io.sluice.runtime.internal;

import io.sluice.dsl.OffsetAuthority;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one failed message to its dead-letter topic on a worker, waits for the broker's confirmation, advances
 * the offset authority if the topic has one, and only then reports the message as done. A failure marks nothing.
 */
final class DeadLetterJob implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterJob.class);

    private final TopicPartition topicPartition;
    private final long generation;
    private final String topic;
    private final ConsumerRecord<byte[], byte[]> record;
    private final Throwable error;
    private final int attempts;
    private final DeadLetterPublisher publisher;
    private final Optional<OffsetAuthority> authority;
    private final java.util.function.Consumer<Report> sink;
    private final java.util.concurrent.atomic.AtomicBoolean revoked;

    private final String group;

    DeadLetterJob(java.util.concurrent.atomic.AtomicBoolean revoked, TopicPartition topicPartition, String group, long generation, String topic, ConsumerRecord<byte[], byte[]> record,
                  Throwable error, int attempts, DeadLetterPublisher publisher, Optional<OffsetAuthority> authority,
                  java.util.function.Consumer<Report> sink) {
        this.topicPartition = topicPartition;
        this.group = group;
        this.generation = generation;
        this.topic = topic;
        this.record = record;
        this.error = error;
        this.attempts = attempts;
        this.publisher = publisher;
        this.authority = authority;
        this.sink = sink;
        this.revoked = revoked;
    }

    @Override
    public void run() {
        long next = record.offset() + 1;
        try {
            if (revoked.get()) {
                // the partition moved on: its new owner decides this message again
                throw new IllegalStateException(topicPartition + " was revoked before its dead letter was sent");
            }
            publisher.publish(DeadLetters.of(topic, record, error, attempts));
            if (authority.isPresent()) {
                if (revoked.get()) {
                    // sent, but the store is the new owner's now: mark nothing, it decides the message again
                    sink.accept(new Report(topicPartition, generation, OptionalLong.empty(),
                            new Report.DeadLettered(record.offset(), topic, attempts)));
                    return;
                }
                authority.get().advance(group, topicPartition, next);
            }
        } catch (Throwable e) {
            LOG.warn("dead-lettering {}@{} to {} failed; nothing is marked and it is tried again: {}", topicPartition,
                    record.offset(), topic, e.toString());
            sink.accept(new Report(topicPartition, generation, OptionalLong.empty(), new Report.Failed(e,
                    Report.FailureKind.DEAD_LETTER, OptionalLong.of(record.offset()), record.offset(), next,
                    Optional.of(record))));
            return;
        }
        LOG.warn("dead-lettered {}@{} to {} after {} failed attempt(s): {}", topicPartition, record.offset(), topic,
                attempts, error.toString());
        sink.accept(new Report(topicPartition, generation, OptionalLong.of(next),
                new Report.DeadLettered(record.offset(), topic, attempts)));
    }
}
