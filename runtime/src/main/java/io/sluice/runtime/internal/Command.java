package io.sluice.runtime.internal;

import io.sluice.runtime.SluiceEvent;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What a {@link PartitionMachine} asks its host (the listener) to carry out. The machine decides; the host performs
 * each command in order, on the listener thread, and feeds what happened back as events.
 */
sealed interface Command {

    /**
     * Run one batch (chain and consumer) on a worker.
     *
     * @param records       the records to hand out, in offset order, never empty
     * @param fetchOffset   where the contiguous range ending at {@code nextOffset} began
     * @param nextOffset    the position after these records
     * @param markedAtStart the partition's mark when the job starts (-1 when none)
     * @param logStart      the log start as last read (at enforcement), when known
     * @param logEnd        the log end observed with this fetch, else the last one read
     * @param attempt       1 plus the failed attempts of the first record handed out
     */
    record Launch(List<ConsumerRecord<byte[], byte[]>> records, long fetchOffset, long nextOffset,
                  long markedAtStart, OptionalLong logStart, OptionalLong logEnd, int attempt) implements Command {
        public Launch {
            records = List.copyOf(records);
            if (records.isEmpty()) {
                throw new IllegalArgumentException("a launch needs records");
            }
        }
    }

    /**
     * Publish a dead letter on a worker (to {@code topic}; nothing when it is empty: the message is discarded),
     * then advance the offset authority past it.
     */
    record LaunchDeadLetter(ConsumerRecord<byte[], byte[]> record, Throwable error, int attempts,
                            Optional<String> topic) implements Command {
        public LaunchDeadLetter {
            Objects.requireNonNull(record, "record");
            Objects.requireNonNull(error, "error");
            Objects.requireNonNull(topic, "topic");
        }
    }

    /**
     * Run one group of a virtual partition (the consumer only; the chain already ran) on a worker.
     *
     * @param virtualPartition the virtual partition
     * @param records          the records, in offset order, never empty
     * @param fetchOffset      where the group's range began: the end of the previous group of its virtual
     *                         partition, the assignment start or the last seek
     * @param nextOffset       the chain batch's settled end when the group holds all of its virtual partition's
     *                         messages of that batch, else the offset of its next message not in the group
     * @param markedAtStart    the virtual partition's mark when the job starts (-1 when none)
     * @param logStart         the log start as last read, when known
     * @param logEnd           the log end last observed, when known
     * @param attempt          1 plus the failed attempts of the first record
     */
    record LaunchGroup(int virtualPartition, List<ConsumerRecord<byte[], byte[]>> records, long fetchOffset,
                       long nextOffset, long markedAtStart, OptionalLong logStart, OptionalLong logEnd, int attempt,
                       String mapping) implements Command {
        public LaunchGroup {
            records = List.copyOf(records);
            if (records.isEmpty()) {
                throw new IllegalArgumentException("a group launch needs records");
            }
        }
    }

    /**
     * Dead-letter (or discard) one message of a virtual partition on a worker; afterwards the virtual partition is
     * decided up to {@code nextOffset} (its group's end when the message is the group's last, else the message's own
     * next offset). Without {@code publish} the letter was published already and only the row advance is retried.
     */
    record LaunchGroupDeadLetter(int virtualPartition, ConsumerRecord<byte[], byte[]> record, Throwable error,
                                 int attempts, Optional<String> topic, String mapping, long nextOffset,
                                 boolean publish) implements Command {
        public LaunchGroupDeadLetter {
            Objects.requireNonNull(record, "record");
            Objects.requireNonNull(error, "error");
            Objects.requireNonNull(topic, "topic");
        }
    }

    /**
     * Move the partition row W of an offset-managed partition with virtual partitions to {@code max(W, watermark)}
     * on a worker (creating or replacing the virtual-partition rows with {@code mapping} when {@code drained} and
     * they differ); never for a revoked assignment.
     */
    record LaunchWatermark(long watermark, String mapping, int count, boolean drained) implements Command {
    }

    /** Advance the offset authority to {@code nextOffset} on a worker (no publication). */
    record LaunchAdvance(long nextOffset) implements Command {
    }

    /** Read the log range on the listener, then the stored offset on a worker (enforcement). */
    record LaunchEnforcement() implements Command {
    }

    /**
     * Make the partition's filters anew (its consumer instance stays): the offset manager of an assignment decides
     * only once, and an enforcement after an invalid offset or a refusal needs it to decide again.
     */
    record RenewFilters() implements Command {
    }

    /** Move the consumer's position to {@code offset}. */
    record Seek(long offset) implements Command {
    }

    /**
     * Find the partition a position and feed it back with {@link PartitionMachine#reset} (or
     * {@link PartitionMachine#resetFailed}): the group's committed offset when {@code committedFirst} and there is
     * one, else the user's {@code auto.offset.reset} (the runtime runs Kafka with {@code none}).
     */
    record ResetPosition(boolean committedFirst) implements Command {
    }

    /** Stop fetching the partition. */
    record Pause() implements Command {
    }

    /** Fetch the partition again. */
    record Resume() implements Command {
    }

    /** Send an event to the runtime's listeners. */
    record Emit(SluiceEvent event) implements Command {
        public Emit {
            Objects.requireNonNull(event, "event");
        }
    }
}
