package io.sluice.filters.chaos;

import io.sluice.testing.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One {@link ChaosMember} JVM (a {@link ChildJvm} with a 256 MB heap and the test JVM's class path), its output in its
 * own log file, named by the member id the harness gave it. The harness crashes it ({@link #kill()}, SIGKILL), freezes
 * and thaws it ({@link #suspend()}/{@link #resume()}, SIGSTOP/SIGCONT) or removes it in order ({@link #terminate},
 * SIGTERM).
 */
final class MemberProcess {

    private final String id;
    private final ChildJvm jvm;

    private MemberProcess(String id, ChildJvm jvm) {
        this.id = id;
        this.jvm = jvm;
    }

    /**
     * Starts a member.
     *
     * @param id        the member's name, also its rows' {@code member} column
     * @param log       where its standard output and error go
     * @param jvmFlags  extra JVM flags (system properties)
     * @param arguments {@link ChaosMember}'s arguments
     */
    static MemberProcess start(String id, Path log, List<String> jvmFlags, List<String> arguments) {
        List<String> flags = new ArrayList<>(List.of("-Xmx256m"));
        flags.addAll(jvmFlags);
        return new MemberProcess(id, ChildJvm.start(ChaosMember.class.getName(), flags, arguments, log));
    }

    String id() {
        return id;
    }

    Path log() {
        return jvm.log();
    }

    boolean isAlive() {
        return jvm.isAlive();
    }

    /** SIGKILL, and waits until it is gone. Also ends a suspended member. */
    void kill() {
        jvm.kill();
    }

    /** SIGTERM: the member closes its runtime in order; SIGKILL if it is not gone within {@code grace}. */
    void terminate(Duration grace) {
        jvm.terminate(grace);
    }

    /** Sends SIGTERM (after SIGCONT if stopped) without waiting. */
    void requestStop() {
        jvm.requestTermination();
    }

    /** Waits up to {@code grace} for the member to exit after {@link #requestStop()}, then SIGKILLs it. */
    void awaitStop(Duration grace) {
        if (!jvm.awaitExit(grace)) {
            jvm.kill();
        }
    }

    /** SIGSTOP: every thread of the member freezes, heartbeats included. */
    void suspend() {
        jvm.suspend();
    }

    /** SIGCONT. */
    void resume() {
        jvm.resume();
    }

    /** The last {@code lines} lines of the member's log, for failure messages. */
    String logTail(int lines) {
        return jvm.logTail(lines);
    }

    @Override
    public String toString() {
        return id + "(pid " + jvm.pid() + (jvm.isSuspended() ? ", stopped" : "") + (jvm.isAlive() ? "" : ", dead")
                + ")";
    }
}
