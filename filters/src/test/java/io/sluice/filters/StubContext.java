package io.sluice.filters;

import io.sluice.dsl.ConsumerContext;
import io.sluice.dsl.Message;
import io.sluice.dsl.TopicSettings;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.TopicPartition;

/** A hand-made partition context for tests: settable revocation, log range and settings; records marks. */
class StubContext implements ConsumerContext {

    private final TopicPartition topicPartition;
    private final List<Long> marks = new CopyOnWriteArrayList<>();
    private volatile boolean revoked;
    private volatile TopicSettings settings = TopicSettings.DEFAULTS;
    private volatile OptionalLong logStart = OptionalLong.empty();
    private volatile OptionalLong logEnd = OptionalLong.empty();

    StubContext(TopicPartition topicPartition) {
        this.topicPartition = topicPartition;
    }

    StubContext logRange(long start, long end) {
        this.logStart = OptionalLong.of(start);
        this.logEnd = OptionalLong.of(end);
        return this;
    }

    StubContext logRange(OptionalLong start, OptionalLong end) {
        this.logStart = start;
        this.logEnd = end;
        return this;
    }

    StubContext settings(TopicSettings value) {
        this.settings = value;
        return this;
    }

    StubContext revoked(boolean value) {
        this.revoked = value;
        return this;
    }

    /** Every next offset marked, in order. */
    List<Long> marks() {
        return List.copyOf(marks);
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
        return Clock.systemUTC();
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
        return 1;
    }

    @Override
    public void markAsConsumed(Message<?, ?> message) {
        markAsConsumed(message.nextOffset());
    }

    @Override
    public void markAsConsumed(long nextOffset) {
        marks.add(nextOffset);
    }

    @Override
    public long markedOffset() {
        return marks.stream().mapToLong(Long::longValue).max().orElse(0);
    }

    @Override
    public void seek(long offset) {
        throw new UnsupportedOperationException("seek is not expected in these tests");
    }

    @Override
    public void pause(long offset, Duration timeout) {
        throw new UnsupportedOperationException("pause is not expected in these tests");
    }
}
