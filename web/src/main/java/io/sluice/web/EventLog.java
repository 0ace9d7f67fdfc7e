package io.sluice.web;

import io.sluice.dsl.Verdict;
import io.sluice.runtime.SluiceEvent;
import io.sluice.runtime.SluiceEventListener;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;

/**
 * What the dashboard remembers of the runtime's events: the last combined verdict of each partition's current
 * assignment (from {@link SluiceEvent.Filtered}) and the most recent {@link SluiceEvent.Failed} events, at most
 * {@code capacity}, newest first. Thread-safe; keeps messages of errors, not the exceptions themselves.
 */
final class EventLog implements SluiceEventListener {

    /** The last verdict of one assignment. */
    record LastVerdict(long generation, Verdict verdict, int dropped, Instant at) {
    }

    /** One failure, as shown. */
    record RecentError(Instant at, String instance, TopicPartition topicPartition, String kind, int attempt,
                       OptionalLong offset, String error, java.time.Duration backoff) {
    }

    private record Key(String instance, TopicPartition topicPartition) {
    }

    private final Clock clock;
    private final int capacity;
    private final Map<Key, LastVerdict> verdicts = new ConcurrentHashMap<>();
    private final Deque<RecentError> errors = new ArrayDeque<>();

    EventLog(Clock clock, int capacity) {
        this.clock = clock;
        this.capacity = capacity;
    }

    @Override
    public void on(SluiceEvent event) {
        if (event instanceof SluiceEvent.Filtered f) {
            verdicts.put(new Key(f.instance(), f.topicPartition()),
                    new LastVerdict(f.generation(), f.verdict(), f.dropped(), clock.instant()));
        } else if (event instanceof SluiceEvent.Assigned a) {
            verdicts.remove(new Key(a.instance(), a.topicPartition()));
        } else if (event instanceof SluiceEvent.Revoked r) {
            verdicts.remove(new Key(r.instance(), r.topicPartition()));
        } else if (event instanceof SluiceEvent.Lost l) {
            verdicts.remove(new Key(l.instance(), l.topicPartition()));
        } else if (event instanceof SluiceEvent.Failed f) {
            RecentError e = new RecentError(clock.instant(), f.instance(), f.topicPartition(), f.kind().name(), f.attempt(),
                    f.failedOffset(), describe(f.error()), f.backoff());
            synchronized (errors) {
                errors.addFirst(e);
                while (errors.size() > capacity) {
                    errors.removeLast();
                }
            }
        }
    }

    /** The last verdict of {@code tp}'s assignment {@code generation} on {@code instance}, if its chain applied. */
    Optional<LastVerdict> lastVerdict(String instance, TopicPartition tp, long generation) {
        LastVerdict v = verdicts.get(new Key(instance, tp));
        return v != null && v.generation() == generation ? Optional.of(v) : Optional.empty();
    }

    /** The recent errors, newest first. */
    List<RecentError> recentErrors() {
        synchronized (errors) {
            return new ArrayList<>(errors);
        }
    }

    private static String describe(Throwable error) {
        if (error == null) {
            return "";
        }
        String message = error.getMessage();
        String type = error.getClass().getName();
        return message == null ? type : type + ": " + message;
    }
}
