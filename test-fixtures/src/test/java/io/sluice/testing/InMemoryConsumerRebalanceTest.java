package io.sluice.testing;

import static io.sluice.testing.Fixtures.TOPIC;
import static io.sluice.testing.Fixtures.offsets;
import static io.sluice.testing.Fixtures.produce;
import static io.sluice.testing.Fixtures.tp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Rebalances run inside poll, call the listener in order, and follow KafkaConsumer's position and pause rules. */
class InMemoryConsumerRebalanceTest {

    private static final Duration POLL = Duration.ZERO;

    private final InMemoryLog log = new InMemoryLog();
    private final Fixtures.RecordingListener listener = new Fixtures.RecordingListener();
    private final InMemoryConsumer consumer;

    InMemoryConsumerRebalanceTest() {
        log.createTopic(TOPIC, 3);
        log.createTopic("other", 1);
        consumer = new InMemoryConsumer(log, InMemoryConsumerConfig.forGroup("g")
                .withAutoOffsetReset(AutoOffsetReset.EARLIEST));
        consumer.subscribe(List.of(TOPIC), listener);
    }

    @Test
    void anAssignmentRunsInsideTheNextPollBeforeFetching() {
        produce(log, tp(0), 2);
        consumer.assignPartitions(List.of(tp(0)));

        assertEquals(Set.of(), consumer.assignment(), "nothing happens before poll");
        assertEquals(List.of(), listener.events);
        assertEquals(1, consumer.pendingRebalances());

        assertEquals(List.of(0L, 1L), offsets(consumer.poll(POLL), tp(0)), "the same poll fetches");
        assertEquals(List.of("assigned [orders-0]"), listener.events);
        assertEquals(Set.of(tp(0)), consumer.assignment());
        assertEquals(0, consumer.pendingRebalances());
    }

    @Test
    void incrementalAssignmentReportsOnlyTheNewPartitions() {
        consumer.assignPartitions(List.of(tp(0)));
        consumer.poll(POLL);
        consumer.assignPartitions(List.of(tp(0), tp(1)));
        consumer.poll(POLL);

        assertEquals(List.of("assigned [orders-0]", "assigned [orders-1]"), listener.events);
        assertEquals(Set.of(tp(0), tp(1)), consumer.assignment());
        assertEquals(2, consumer.generation());
    }

    @Test
    void duringOnPartitionsAssignedTheAssignmentAndCommittedPositionAreVisible() {
        produce(log, tp(0), 5);
        log.commit("g", Map.of(tp(0), new OffsetAndMetadata(3)));
        List<Object> seen = new ArrayList<>();
        listener.onAssigned = partitions -> {
            seen.add(consumer.assignment());
            seen.add(consumer.position(tp(0)));
        };
        consumer.assignPartitions(List.of(tp(0)));

        assertEquals(List.of(3L, 4L), offsets(consumer.poll(POLL), tp(0)));
        assertEquals(List.of(Set.of(tp(0)), 3L), seen);
    }

    @Test
    void aSeekInOnPartitionsAssignedDecidesWhereFetchingStarts() {
        produce(log, tp(0), 5);
        listener.onAssigned = partitions -> consumer.seek(tp(0), 4);
        consumer.assignPartitions(List.of(tp(0)));

        assertEquals(List.of(4L), offsets(consumer.poll(POLL), tp(0)));
    }

    @Test
    void aCooperativeRevokeCallsRevokedWhileStillOwnedThenAssignedWithNothing() {
        produce(log, tp(0), 3);
        produce(log, tp(1), 3);
        consumer.assignPartitions(List.of(tp(0), tp(1)));
        consumer.poll(POLL);
        List<Object> seen = new ArrayList<>();
        listener.onRevoked = partitions -> {
            seen.add(consumer.assignment());
            consumer.commitSync(Map.of(tp(0), new OffsetAndMetadata(2)));
        };

        consumer.revokePartitions(List.of(tp(0)));
        consumer.poll(POLL);

        assertEquals(List.of("assigned [orders-0, orders-1]", "revoked [orders-0]", "assigned []"),
                listener.events);
        assertEquals(List.of(Set.of(tp(0), tp(1))), seen);
        assertEquals(Set.of(tp(1)), consumer.assignment());
        assertEquals(Map.of(tp(0), new OffsetAndMetadata(2)), consumer.committedOffsets());
    }

    @Test
    void keptPartitionsKeepPositionAndPauseAcrossACooperativeRebalance() {
        produce(log, tp(0), 3);
        produce(log, tp(1), 3);
        consumer.assignPartitions(List.of(tp(0), tp(1)));
        consumer.poll(POLL);
        consumer.seek(tp(1), 1);
        consumer.pause(List.of(tp(1)));

        consumer.cooperativeRebalance(List.of(tp(0)), List.of(tp(2)));
        consumer.poll(POLL);

        assertEquals(List.of("assigned [orders-0, orders-1]", "revoked [orders-0]", "assigned [orders-2]"),
                listener.events);
        assertEquals(Set.of(tp(1)), consumer.paused());
        assertEquals(1, consumer.position(tp(1)));
    }

    @Test
    void aPartitionAssignedAgainForgetsPauseAndStartsFromTheCommittedOffset() {
        produce(log, tp(0), 5);
        consumer.assignPartitions(List.of(tp(0)));
        consumer.poll(POLL);
        consumer.commitSync(Map.of(tp(0), new OffsetAndMetadata(2)));
        consumer.pause(List.of(tp(0)));

        consumer.revokePartitions(List.of(tp(0)));
        consumer.assignPartitions(List.of(tp(0)));

        assertEquals(List.of(2L, 3L, 4L), offsets(consumer.poll(POLL), tp(0)));
        assertEquals(Set.of(), consumer.paused());
    }

    @Test
    void anEagerRebalanceRevokesEverythingThenAssignsTheNewSet() {
        produce(log, tp(0), 5);
        consumer.assignPartitions(List.of(tp(0), tp(1)));
        consumer.poll(POLL);
        consumer.pause(List.of(tp(0)));
        consumer.commitSync(Map.of(tp(0), new OffsetAndMetadata(1)));
        List<Object> seenInRevoke = new ArrayList<>();
        listener.onRevoked = partitions -> seenInRevoke.add(consumer.assignment());

        consumer.eagerRebalance(List.of(tp(0), tp(2)));

        assertEquals(List.of(1L, 2L, 3L, 4L), offsets(consumer.poll(POLL), tp(0)),
                "the kept partition lost its pause and restarts from the committed offset");
        assertEquals(List.of("assigned [orders-0, orders-1]", "revoked [orders-0, orders-1]",
                "assigned [orders-0, orders-2]"), listener.events);
        assertEquals(List.of(Set.of(tp(0), tp(1))), seenInRevoke);
        assertEquals(Set.of(tp(0), tp(2)), consumer.assignment());
    }

    @Test
    void aLostPartitionCallsOnPartitionsLostAndCannotBeCommittedThere() {
        consumer.assignPartitions(List.of(tp(0), tp(1)));
        consumer.poll(POLL);
        List<Exception> errors = new ArrayList<>();
        listener.onLost = partitions -> {
            try {
                consumer.commitSync(Map.of(tp(0), new OffsetAndMetadata(1)));
            } catch (CommitFailedException e) {
                errors.add(e);
            }
        };

        consumer.losePartitions(List.of(tp(0)));
        consumer.poll(POLL);

        assertEquals(List.of("assigned [orders-0, orders-1]", "lost [orders-0]"), listener.events);
        assertEquals(1, errors.size());
        assertEquals(Set.of(tp(1)), consumer.assignment());
        assertEquals(Map.of(), consumer.committedOffsets());
    }

    @Test
    void theDefaultOnPartitionsLostFallsBackToOnPartitionsRevoked() {
        List<String> events = new ArrayList<>();
        InMemoryConsumer plain = new InMemoryConsumer(log, "g2");
        plain.subscribe(List.of(TOPIC), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                events.add("revoked " + partitions);
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                events.add("assigned " + partitions);
            }
        });
        plain.assignPartitions(List.of(tp(0)));
        plain.losePartitions(List.of(tp(0)));
        plain.poll(POLL);

        assertEquals(List.of("assigned [orders-0]", "revoked [orders-0]"), events);
    }

    @Test
    void severalQueuedRebalancesRunInOrderInOnePoll() {
        consumer.assignPartitions(List.of(tp(0)));
        consumer.assignPartitions(List.of(tp(1)));
        consumer.revokePartitions(List.of(tp(0)));

        consumer.poll(POLL);

        assertEquals(List.of("assigned [orders-0]", "assigned [orders-1]", "revoked [orders-0]", "assigned []"),
                listener.events);
        assertEquals(Set.of(tp(1)), consumer.assignment());
    }

    @Test
    void aThrowingCallbackStillAppliesTheRebalanceAndPollThrowsAfterwards() {
        RuntimeException boom = new RuntimeException("boom");
        listener.onAssigned = partitions -> {
            throw boom;
        };
        consumer.assignPartitions(List.of(tp(0)));
        consumer.assignPartitions(List.of(tp(1)));

        KafkaException error = assertThrows(KafkaException.class, () -> consumer.poll(POLL));

        assertSame(boom, error.getCause());
        assertEquals(Set.of(tp(0), tp(1)), consumer.assignment());
        assertEquals(2, listener.events.size());
    }

    @Test
    void revokingAPartitionNotOwnedFailsThatPollAndChangesNothing() {
        consumer.revokePartitions(List.of(tp(2)));

        IllegalStateException error = assertThrows(IllegalStateException.class, () -> consumer.poll(POLL));
        assertTrue(error.getMessage().contains("orders-2"), error.getMessage());
        assertEquals(List.of(), listener.events);
    }

    @Test
    void queueingRefusesUnknownPartitionsAndUnsubscribedTopics() {
        assertThrows(IllegalArgumentException.class, () -> consumer.assignPartitions(List.of(tp(7))));
        assertThrows(IllegalStateException.class,
                () -> consumer.assignPartitions(List.of(new TopicPartition("other", 0))));
    }

    @Test
    void rebalancesQueuedBeforeSubscribingWaitForTheSubscription() {
        InMemoryConsumer late = new InMemoryConsumer(log, "g3");
        late.assignPartitions(List.of(tp(0)));
        late.subscribe(List.of(TOPIC));

        late.poll(POLL);

        assertEquals(Set.of(tp(0)), late.assignment());
    }

    @Test
    void manualAssignmentHasNoCallbacksAndExcludesSubscribing() {
        InMemoryConsumer manual = new InMemoryConsumer(log, "g4");
        manual.assign(List.of(tp(0)));

        assertEquals(InMemoryConsumer.State.MANUALLY_ASSIGNED, manual.state());
        IllegalStateException error = assertThrows(IllegalStateException.class,
                () -> manual.subscribe(List.of(TOPIC)));
        assertTrue(error.getMessage().contains("MANUALLY_ASSIGNED"), error.getMessage());
        assertThrows(IllegalStateException.class, () -> manual.assignPartitions(List.of(tp(1))));
        assertThrows(IllegalStateException.class, () -> consumer.assign(List.of(tp(1))));
    }

    @Test
    void unsubscribeRevokesOwnedPartitionsAndDropsQueuedRebalances() {
        consumer.assignPartitions(List.of(tp(0)));
        consumer.poll(POLL);
        consumer.assignPartitions(List.of(tp(1)));

        consumer.unsubscribe();

        assertEquals(List.of("assigned [orders-0]", "revoked [orders-0]"), listener.events);
        assertEquals(Set.of(), consumer.assignment());
        assertEquals(0, consumer.pendingRebalances());
        assertEquals(InMemoryConsumer.State.UNSUBSCRIBED, consumer.state());
    }

    @Test
    void closeRevokesOwnedPartitionsUnlessRemainingInTheGroup() {
        consumer.assignPartitions(List.of(tp(0)));
        consumer.poll(POLL);
        consumer.close();
        consumer.close();
        assertEquals(List.of("assigned [orders-0]", "revoked [orders-0]"), listener.events);

        Fixtures.RecordingListener staying = new Fixtures.RecordingListener();
        InMemoryConsumer other = new InMemoryConsumer(log, "g5");
        other.subscribe(List.of(TOPIC), staying);
        other.assignPartitions(List.of(tp(0)));
        other.poll(POLL);
        other.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP));
        assertEquals(List.of("assigned [orders-0]"), staying.events);
    }

    @Test
    void everyCallAfterCloseThrowsNamingTheState() {
        consumer.close();

        IllegalStateException error = assertThrows(IllegalStateException.class, () -> consumer.poll(POLL));
        assertTrue(error.getMessage().contains("CLOSED"), error.getMessage());
        assertThrows(IllegalStateException.class, consumer::assignment);
        assertThrows(IllegalStateException.class, consumer::commitSync);
        assertThrows(IllegalStateException.class, () -> consumer.assignPartitions(List.of(tp(0))));
        consumer.wakeup();
        assertEquals(InMemoryConsumer.State.CLOSED, consumer.state());
    }

    @Test
    void pollFromInsideACallbackIsRefused() {
        List<Exception> errors = new ArrayList<>();
        listener.onAssigned = partitions -> {
            try {
                consumer.poll(POLL);
            } catch (IllegalStateException e) {
                errors.add(e);
            }
        };
        consumer.assignPartitions(List.of(tp(0)));
        consumer.poll(POLL);

        assertEquals(1, errors.size());
    }
}
