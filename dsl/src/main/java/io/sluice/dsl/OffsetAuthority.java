package io.sluice.dsl;

import org.apache.kafka.common.TopicPartition;

/**
 * Where a topic's consumed offsets truly live when Kafka's committed offset is only a copy (the transactional
 * offset manager). Before the runtime marks an offset on its own — a dead-lettered message, messages the
 * filters dropped for good — it advances the authority, so the authority never lags behind what was decided.
 */
@FunctionalInterface
public interface OffsetAuthority {

    /**
     * Durably moves the stored next offset of {@code topicPartition} up to {@code nextOffset}; never moves it
     * back. Returns only once the change is committed.
     *
     * @throws Exception when the store cannot be reached; the runtime then marks nothing and retries
     */
    void advance(TopicPartition topicPartition, long nextOffset) throws Exception;
}
