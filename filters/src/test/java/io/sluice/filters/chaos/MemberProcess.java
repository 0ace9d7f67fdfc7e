package io.sluice.filters.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One {@link ChaosMember} JVM, started with the test JVM's class path: a lean JVM (C1 only, serial GC, 256 MB),
 * its output in its own log file. The harness crashes it ({@link #kill()}, SIGKILL), freezes and thaws it
 * ({@link #suspend()}/{@link #resume()}, SIGSTOP/SIGCONT) or removes it in order ({@link #terminate}, SIGTERM).
 */
final class MemberProcess {

    private static final Duration SIGNAL_TIMEOUT = Duration.ofSeconds(10);

    private final String id;
    private final Process process;
    private final Path log;
    private volatile boolean suspended;

    private MemberProcess(String id, Process process, Path log) {
        this.id = id;
        this.process = process;
        this.log = log;
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
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m", "-Xss512k",
                "-XX:-UsePerfData"));
        command.addAll(jvmFlags);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ChaosMember.class.getName()));
        command.addAll(arguments);
        try {
            // stdin stays a pipe held open by this JVM: the member exits when it closes
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            return new MemberProcess(id, process, log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start chaos member " + id, e);
        }
    }

    String id() {
        return id;
    }

    long pid() {
        return process.pid();
    }

    Path log() {
        return log;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    boolean isSuspended() {
        return suspended;
    }

    /** SIGKILL, and waits until it is gone. Also ends a suspended member. */
    void kill() {
        process.destroyForcibly();
        awaitExit(SIGNAL_TIMEOUT);
        suspended = false;
    }

    /** SIGTERM: the member closes its runtime in order; SIGKILL if it is not gone within {@code grace}. */
    void terminate(Duration grace) {
        requestStop();
        awaitStop(grace);
    }

    /** Sends SIGTERM (after SIGCONT if stopped) without waiting. */
    void requestStop() {
        if (suspended) {
            resume();
        }
        // ProcessHandle.destroy() only signals; Process.destroy() would also close our end of its stdin, which
        // makes the member halt at once instead of closing in order
        process.toHandle().destroy();
    }

    /** Waits up to {@code grace} for the member to exit after {@link #requestStop()}, then SIGKILLs it. */
    void awaitStop(Duration grace) {
        if (!awaitExit(grace)) {
            kill();
        }
    }

    /** SIGSTOP: every thread of the member freezes, heartbeats included. */
    void suspend() {
        signal("STOP");
        suspended = true;
    }

    /** SIGCONT. */
    void resume() {
        signal("CONT");
        suspended = false;
    }

    /** The last {@code lines} lines of the member's log, for failure messages. */
    String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    private boolean awaitExit(Duration limit) {
        try {
            return process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void signal(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                    .redirectErrorStream(true)
                    .start();
            if (!kill.waitFor(SIGNAL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                kill.destroyForcibly();
                throw new IllegalStateException("kill -" + signal + " " + process.pid() + " did not return");
            }
            if (kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed: "
                        + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot send SIG" + signal + " to member " + id, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted sending SIG" + signal + " to member " + id, e);
        }
    }

    @Override
    public String toString() {
        return id + "(pid " + process.pid() + (suspended ? ", stopped" : "") + (process.isAlive() ? "" : ", dead")
                + ")";
    }
}
