package io.sluice.dsl;

import java.util.OptionalLong;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a topic's consumed offsets truly live when Kafka's committed offset is only a copy (the transactional
 * offset manager). The runtime reads it when a partition is assigned, so the stored offset is enforced even when
 * nothing is fetched, and before it marks an offset on its own — a dead-lettered message, messages the filters
 * dropped for good, offsets a fetch stepped over without records — it advances the authority, so the authority
 * never lags behind what was decided.
 *
 * <p>Offsets are kept per consumer group: two groups consuming one topic never see each other's offsets.
 */
public interface OffsetAuthority {

    /**
     * The stored next offset of {@code topicPartition} for {@code consumerGroup}, without taking a lock or creating
     * anything; empty when nothing is stored yet.
     *
     * @throws Exception when the store cannot be reached; the runtime keeps the partition paused and retries
     */
    OptionalLong read(String consumerGroup, TopicPartition topicPartition) throws Exception;

    /**
     * Durably moves the stored next offset of {@code topicPartition} for {@code consumerGroup} up to
     * {@code nextOffset}; never moves it back. Returns only once the change is committed.
     *
     * @throws Exception when the store cannot be reached or refuses (an {@link OffsetRefusedException}); the
     *                   runtime then marks nothing and retries
     */
    void advance(String consumerGroup, TopicPartition topicPartition, long nextOffset) throws Exception;

    /**
     * Moves the stored offset for an operator, in one transaction under the row lock: only while it still equals
     * {@link OffsetMove#expected()}, recording who moved it where; a backwards move fences every writer that saw the
     * row before. The runtime then enforces the partition again.
     *
     * @return {@link OffsetMove.Outcome#UNSUPPORTED} unless the authority implements it
     * @throws Exception when the store cannot be reached or the lock not taken; nothing changed
     */
    default OffsetMove.Outcome move(OffsetMove move) throws Exception {
        return OffsetMove.Outcome.UNSUPPORTED;
    }
}
