package io.sluice.web.console;

import io.sluice.dsl.OffsetAuthority;
import io.sluice.dsl.OffsetMove;
import io.sluice.dsl.TopicDefinition;
import io.sluice.runtime.SluiceRuntime;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.ToLongFunction;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a runtime does with an admitted operator command, wherever it came from (the commands topic, or the console
 * of one runtime), and the answer it gives: {@code applied}, {@code not_owner}, {@code prevented} or
 * {@code out_of_range}, with a detail.
 */
final class OperatorActions {

    /** An answer to a command. */
    record Answer(String outcome, String detail) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(OperatorActions.class);

    private OperatorActions() {
    }

    /**
     * Carries out {@code command} on {@code runtime} of consumer group {@code group}.
     *
     * @param movableTopics the topics whose rows may be moved
     * @param logStart      a partition's log start, for a move's range check
     * @param logEnd        a partition's log end
     */
    static Answer apply(SluiceRuntime runtime, String group, OperatorCommand command, Set<String> movableTopics,
                        ToLongFunction<TopicPartition> logStart, ToLongFunction<TopicPartition> logEnd) {
        TopicPartition tp = new TopicPartition(command.topic(), command.partition());
        if (command instanceof OperatorCommand.Pause) {
            boolean held = runtime.pauseByOperator(tp);
            LOG.info("[{}] operator {} paused {}", runtime.name(), command.issuer(), tp);
            return new Answer(held ? "applied" : "not_owner", held ? "paused" : "paused where it is assigned next");
        }
        if (command instanceof OperatorCommand.Resume) {
            boolean held = runtime.resumeByOperator(tp);
            LOG.info("[{}] operator {} resumed {}", runtime.name(), command.issuer(), tp);
            return new Answer(held ? "applied" : "not_owner", held ? "resumed" : "resumed where it is assigned next");
        }
        return move(runtime, group, (OperatorCommand.MoveOffset) command, tp, movableTopics, logStart, logEnd);
    }

    /**
     * Moves an offset-managed row for an operator, on the runtime that holds the partition, when its topic allows
     * it: within the log, only from the row the operator saw; then the runtime enforces the partition again.
     */
    private static Answer move(SluiceRuntime runtime, String group, OperatorCommand.MoveOffset move,
                               TopicPartition tp, Set<String> movableTopics,
                               ToLongFunction<TopicPartition> logStart, ToLongFunction<TopicPartition> logEnd) {
        if (!runtime.partitions().values().stream().flatMap(List::stream)
                .anyMatch(s -> s.topicPartition().equals(tp))) {
            return new Answer("not_owner", "the partition is not held here");
        }
        if (!movableTopics.contains(tp.topic())) {
            return new Answer("prevented", "topic " + tp.topic() + " does not allow moving offsets");
        }
        Optional<TopicDefinition<?, ?>> topic = runtime.topology().topic(tp.topic());
        Optional<OffsetAuthority> authority = topic.flatMap(TopicDefinition::offsetAuthority);
        if (authority.isEmpty()) {
            return new Answer("prevented", "topic " + tp.topic() + " keeps no offsets outside Kafka");
        }
        if (topic.get().settings().virtualPartitions().isPresent()) {
            return new Answer("prevented", "topic " + tp.topic() + " has virtual partitions, whose rows cannot be"
                    + " moved");
        }
        long start = logStart.applyAsLong(tp);
        long end = logEnd.applyAsLong(tp);
        if (move.target() < start || move.target() > end) {
            return new Answer("out_of_range", "target " + move.target() + " is outside the log [" + start + ", "
                    + end + "]");
        }
        OffsetMove.Outcome outcome;
        try {
            outcome = authority.get().move(new OffsetMove(group, tp, move.expected(), move.target(), move.issuer(),
                    move.id().toString()));
        } catch (Exception e) {
            LOG.warn("[{}] could not move the row of {} for {}: {}", runtime.name(), tp, move.issuer(), e.toString());
            return new Answer("prevented", "the offset store failed; nothing changed");
        }
        switch (outcome) {
            case MOVED:
                runtime.enforceAfterOperatorMove(tp);
                return new Answer("applied", "moved the row from " + move.expected() + " to " + move.target());
            case PREVENTED:
                return new Answer("prevented", "the row is no longer at " + move.expected());
            default:
                return new Answer("prevented", "the offset store cannot move rows");
        }
    }
}
