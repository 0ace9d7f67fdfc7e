package io.sluice.runtime.internal;

import io.sluice.runtime.JobObserver;
import io.sluice.runtime.SluiceEvent;
import io.sluice.runtime.SluiceEventListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers events to the user's listener and carries the runtime's {@link JobObserver} to the jobs; a listener or
 * observer that throws is logged, never allowed to break the loop or a job.
 */
final class Events {

    private static final Logger LOG = LoggerFactory.getLogger(Events.class);

    private final SluiceEventListener listener;
    private volatile JobObserver observer = JobObserver.NONE;

    Events(SluiceEventListener listener) {
        this.listener = listener;
    }

    /** Sets the observer of the jobs launched from now on. */
    void observer(JobObserver value) {
        observer = value;
    }

    JobObserver observer() {
        return observer;
    }

    /** Tells the observer a job starts; a failing observer gets no end call. */
    JobObserver.Scope jobStarted(JobObserver.Job job) {
        try {
            return observer.jobStarted(job);
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            LOG.warn("job observer failed when a job of {} started: {}", job.topicPartition(), e.toString());
            return JobObserver.Scope.NONE;
        }
    }

    /** Tells {@code scope} the job ended. */
    void jobEnded(JobObserver.Scope scope, JobObserver.Outcome outcome) {
        try {
            scope.jobEnded(outcome);
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            LOG.warn("job observer failed when a job ended: {}", e.toString());
        }
    }

    void emit(SluiceEvent event) {
        try {
            listener.on(event);
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            // a listener's failure, even an Error, must not turn a decided batch into a failed one
            LOG.warn("event listener failed on {}: {}", event.getClass().getSimpleName(), e.toString());
        }
    }
}
