package io.sluice.testing;

import io.sluice.dsl.ConsumerContext;
import io.sluice.dsl.Message;
import io.sluice.dsl.TopicSettings;
import io.sluice.dsl.Verdict;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.TopicPartition;

/**
 * A hand-set {@link ConsumerContext} (and so {@code FilterContext}) for unit-testing one filter or one consumer
 * without the runtime: the test sets revocation, the log range, the settings and the clock, and reads back the
 * marks and the seek or pause requested. For a filter chain or a whole topology use {@link TestDriver}.
 *
 * <p>Thread-safe; subclass it to observe calls (e.g. to act when {@link #revoked()} is read).
 */
public class TestContext implements ConsumerContext {

    private final TopicPartition topicPartition;
    private final Clock clock;
    private final List<Long> marks = new CopyOnWriteArrayList<>();
    private volatile boolean revoked;
    private volatile TopicSettings settings = TopicSettings.DEFAULTS;
    private volatile OptionalLong logStart = OptionalLong.empty();
    private volatile OptionalLong logEnd = OptionalLong.empty();
    private volatile long generation = 1;
    private volatile int attempt = 1;
    private volatile String consumerGroup = "sluice-test";
    private volatile Verdict requested;

    /** A context of {@code topicPartition} with a {@link ManualClock}. */
    public TestContext(TopicPartition topicPartition) {
        this(topicPartition, new ManualClock());
    }

    /** A context of {@code topicPartition} reading {@code clock}. */
    public TestContext(TopicPartition topicPartition, Clock clock) {
        this.topicPartition = Objects.requireNonNull(topicPartition, "topicPartition");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Sets the log range the partition reports; returns this. */
    public TestContext logRange(long start, long end) {
        return logRange(OptionalLong.of(start), OptionalLong.of(end));
    }

    /** Sets the log range, either side possibly unknown; returns this. */
    public TestContext logRange(OptionalLong start, OptionalLong end) {
        this.logStart = Objects.requireNonNull(start, "start");
        this.logEnd = Objects.requireNonNull(end, "end");
        return this;
    }

    /** Sets the topic's settings; returns this. */
    public TestContext settings(TopicSettings value) {
        this.settings = Objects.requireNonNull(value, "settings");
        return this;
    }

    /** Sets whether the partition counts as revoked; returns this. */
    public TestContext revoked(boolean value) {
        this.revoked = value;
        return this;
    }

    /** Sets the consumer group ({@code sluice-test} by default); returns this. */
    public TestContext consumerGroup(String value) {
        this.consumerGroup = Objects.requireNonNull(value, "consumerGroup");
        return this;
    }

    @Override
    public String consumerGroup() {
        return consumerGroup;
    }

    /** Sets the assignment generation (1 by default); returns this. */
    public TestContext generation(long value) {
        this.generation = value;
        return this;
    }

    /** Sets the attempt {@link #attempt()} answers (1 by default); returns this. */
    public TestContext attempt(int value) {
        if (value < 1) {
            throw new IllegalArgumentException("an attempt is at least 1, was " + value);
        }
        this.attempt = value;
        return this;
    }

    @Override
    public int attempt() {
        return attempt;
    }

    /** Every next offset marked (taken while not revoked), in call order. */
    public List<Long> marks() {
        return List.copyOf(marks);
    }

    /** The seek or pause the code under test requested last, if any. */
    public Optional<Verdict> requested() {
        return Optional.ofNullable(requested);
    }

    @Override
    public TopicPartition topicPartition() {
        return topicPartition;
    }

    @Override
    public TopicSettings settings() {
        return settings;
    }

    @Override
    public boolean revoked() {
        return revoked;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public OptionalLong logStartOffset() {
        return logStart;
    }

    @Override
    public OptionalLong logEndOffset() {
        return logEnd;
    }

    @Override
    public long generation() {
        return generation;
    }

    @Override
    public boolean markAsConsumed(Message<?, ?> message) {
        return markAsConsumed(message.nextOffset());
    }

    /** Records the mark unless the context is set revoked; answers as the runtime does. */
    @Override
    public boolean markAsConsumed(long nextOffset) {
        if (nextOffset < 0) {
            throw new IllegalArgumentException("a mark is a next offset and must be >= 0, was " + nextOffset);
        }
        if (revoked) {
            return false;
        }
        marks.add(nextOffset);
        return true;
    }

    @Override
    public long markedOffset() {
        return marks.stream().mapToLong(Long::longValue).max().orElse(-1);
    }

    @Override
    public void seek(long offset) {
        requested = Verdict.seek(offset);
    }

    @Override
    public void pause(long offset, Duration timeout) {
        requested = Verdict.pause(offset, timeout);
    }
}
