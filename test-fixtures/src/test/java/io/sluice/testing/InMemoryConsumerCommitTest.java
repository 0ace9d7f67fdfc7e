package io.sluice.testing;

import static io.sluice.testing.Fixtures.TOPIC;
import static io.sluice.testing.Fixtures.offsets;
import static io.sluice.testing.Fixtures.produce;
import static io.sluice.testing.Fixtures.tp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

/** Commits: what is stored, shared by the group, rejected, made to fail, and when async callbacks run. */
class InMemoryConsumerCommitTest {

    private static final Duration POLL = Duration.ZERO;

    private final InMemoryLog log = new InMemoryLog();

    InMemoryConsumerCommitTest() {
        log.createTopic(TOPIC, 2);
        produce(log, tp(0), 5);
        produce(log, tp(1), 5);
    }

    private InMemoryConsumer member(String group) {
        InMemoryConsumer consumer = new InMemoryConsumer(log, InMemoryConsumerConfig.forGroup(group)
                .withAutoOffsetReset(AutoOffsetReset.EARLIEST).withMaxPollRecords(3));
        consumer.subscribe(List.of(TOPIC));
        return consumer;
    }

    @Test
    void commitSyncWithoutArgumentsCommitsThePositionsOfPositionedPartitions() {
        InMemoryConsumer consumer = member("g");
        consumer.assignPartitions(List.of(tp(0)));
        consumer.poll(POLL);
        consumer.assignPartitions(List.of(tp(1)));
        consumer.poll(POLL);  // tp(0)'s last two records, then the first of tp(1)

        consumer.commitSync();

        assertEquals(Map.of(tp(0), new OffsetAndMetadata(5), tp(1), new OffsetAndMetadata(1)),
                consumer.committedOffsets());
        assertEquals(List.of(consumer.committedOffsets()), consumer.commits());
    }

    @Test
    void aPartitionAwaitingItsPositionIsNotCommitted() {
        Fixtures.RecordingListener listener = new Fixtures.RecordingListener();
        InMemoryConsumer consumer = member("g");
        consumer.subscribe(List.of(TOPIC), listener);
        consumer.assignPartitions(List.of(tp(0)));
        consumer.poll(POLL);
        listener.onAssigned = consumer::pause;  // never fetched, so its position is never looked up
        consumer.assignPartitions(List.of(tp(1)));
        consumer.poll(POLL);

        consumer.commitSync();

        assertEquals(Map.of(tp(0), new OffsetAndMetadata(5)), consumer.committedOffsets());
    }

    @Test
    void aSecondMemberOfTheGroupStartsWhereTheFirstCommitted() {
        InMemoryConsumer first = member("g");
        first.assignPartitions(List.of(tp(0)));
        assertEquals(List.of(0L, 1L, 2L), offsets(first.poll(POLL), tp(0)));
        first.commitSync();
        first.close();

        InMemoryConsumer second = member("g");
        second.assignPartitions(List.of(tp(0)));
        assertEquals(List.of(3L, 4L), offsets(second.poll(POLL), tp(0)));

        InMemoryConsumer stranger = member("other-group");
        stranger.assignPartitions(List.of(tp(0)));
        assertEquals(List.of(0L, 1L, 2L), offsets(stranger.poll(POLL), tp(0)));
    }

    @Test
    void committedReturnsNullForPartitionsWithoutACommit() {
        InMemoryConsumer consumer = member("g");
        log.commit("g", Map.of(tp(0), new OffsetAndMetadata(2, "m")));

        Map<org.apache.kafka.common.TopicPartition, OffsetAndMetadata> committed =
                consumer.committed(Set.of(tp(0), tp(1)));

        assertEquals(new OffsetAndMetadata(2, "m"), committed.get(tp(0)));
        assertTrue(committed.containsKey(tp(1)));
        assertNull(committed.get(tp(1)));
    }

    @Test
    void aSubscribedMemberCannotCommitAPartitionItDoesNotOwn() {
        InMemoryConsumer consumer = member("g");
        consumer.assignPartitions(List.of(tp(0)));
        consumer.poll(POLL);

        CommitFailedException error = assertThrows(CommitFailedException.class,
                () -> consumer.commitSync(Map.of(tp(0), new OffsetAndMetadata(1), tp(1), new OffsetAndMetadata(1))));

        assertTrue(error.getMessage().contains("orders-1"), error.getMessage());
        assertEquals(Map.of(), consumer.committedOffsets(), "a rejected commit stores nothing");
        assertEquals(1, consumer.failedCommitCount());
    }

    @Test
    void aManuallyAssignedConsumerMayCommitAnyPartition() {
        InMemoryConsumer consumer = new InMemoryConsumer(log, "g");
        consumer.assign(List.of(tp(0)));

        consumer.commitSync(Map.of(tp(1), new OffsetAndMetadata(4)));

        assertEquals(Map.of(tp(1), new OffsetAndMetadata(4)), consumer.committedOffsets());
    }

    @Test
    void failedCommitsThrowTheGivenErrorAndStoreNothingUntilTheyRunOut() {
        InMemoryConsumer consumer = member("g");
        consumer.assignPartitions(List.of(tp(0)));
        consumer.poll(POLL);
        TimeoutException outage = new TimeoutException("coordinator unavailable");
        consumer.failNextCommits(2, outage);

        assertSame(outage, assertThrows(TimeoutException.class, consumer::commitSync));
        assertSame(outage, assertThrows(TimeoutException.class,
                () -> consumer.commitSync(Map.of(tp(0), new OffsetAndMetadata(1)))));
        assertEquals(Map.of(), consumer.committedOffsets());

        consumer.commitSync();
        assertEquals(Map.of(tp(0), new OffsetAndMetadata(3)), consumer.committedOffsets());
        assertEquals(2, consumer.failedCommitCount());
        assertEquals(1, consumer.commits().size());
    }

    @Test
    void commitAsyncAppliesAtOnceAndCallsBackOnTheNextPoll() {
        InMemoryConsumer consumer = member("g");
        consumer.assignPartitions(List.of(tp(0)));
        consumer.poll(POLL);
        List<Object> callbacks = new ArrayList<>();

        consumer.commitAsync((offsets, error) -> callbacks.add(offsets));

        assertEquals(Map.of(tp(0), new OffsetAndMetadata(3)), consumer.committedOffsets());
        assertEquals(List.of(), callbacks, "the callback waits for the next poll");
        consumer.poll(POLL);
        assertEquals(List.of(Map.of(tp(0), new OffsetAndMetadata(3))), callbacks);
    }

    @Test
    void aFailedCommitAsyncHandsTheErrorToItsCallback() {
        InMemoryConsumer consumer = member("g");
        consumer.assignPartitions(List.of(tp(0)));
        consumer.poll(POLL);
        CommitFailedException failure = new CommitFailedException("rebalancing");
        consumer.failNextCommits(1, failure);
        List<Exception> errors = new ArrayList<>();

        consumer.commitAsync(Map.of(tp(0), new OffsetAndMetadata(2)), (offsets, error) -> errors.add(error));
        consumer.commitAsync(Map.of(tp(1), new OffsetAndMetadata(2)), (offsets, error) -> errors.add(error));
        consumer.commitSync(Map.of());  // like KafkaConsumer, commitSync completes pending async callbacks

        assertSame(failure, errors.get(0));
        assertTrue(errors.get(1) instanceof CommitFailedException, "tp(1) is not owned");
        assertEquals(2, errors.size());
        assertEquals(Map.of(), consumer.committedOffsets());
    }

    @Test
    void commitsPublishedByTheLogAreVisibleToEveryMemberOfTheGroup() {
        InMemoryConsumer a = member("g");
        InMemoryConsumer b = member("g");
        a.assignPartitions(List.of(tp(0)));
        a.poll(POLL);
        a.commitSync();

        assertEquals(new OffsetAndMetadata(3), b.committed(new HashSet<>(List.of(tp(0)))).get(tp(0)));
    }
}
