package io.sluice.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Java program running in a JVM of its own, a child of this one, that a test can crash, stop in order, freeze
 * and thaw the way an operating system does it to a production process.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>{@link #start} runs {@code java} of this JVM's {@code java.home} with this JVM's class path, a lean set of
 *       flags (C1 only, serial GC, 512 KB thread stacks, no perf data) followed by the caller's, the main class and
 *       its arguments; standard output and error are appended to the given log file (its directory is created);
 *       the child's standard input is a pipe whose other end only this object holds and never writes to;</li>
 *   <li>a child whose main calls {@link #exitWhenParentGone} never outlives this JVM: the operating system closes
 *       the pipe when this JVM dies, even by SIGKILL, and the child then exits;</li>
 *   <li>{@link #kill()} is SIGKILL (no shutdown hooks run) and returns once the process is gone;
 *       {@link #terminate(Duration)} is SIGTERM (the child's shutdown hooks run), after SIGCONT if it was
 *       suspended, and SIGKILL if it has not exited within the grace period; {@link #suspend()} and
 *       {@link #resume()} are SIGSTOP and SIGCONT ({@code kill -STOP}/{@code -CONT}): a suspended child runs no
 *       thread at all, heartbeats included, until resumed;</li>
 *   <li>{@link #close()} kills the child if it is alive and releases the pipe; it is idempotent.</li>
 * </ul>
 *
 * <p>Signals need a POSIX system with a {@code kill} command. Instances are thread-safe.
 */
public final class ChildJvm implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ChildJvm.class);
    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration SIGNAL_TIMEOUT = Duration.ofSeconds(10);
    private static final List<String> LEAN_FLAGS =
            List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss512k", "-XX:-UsePerfData");

    private final String name;
    private final Process process;
    private final OutputStream parentPipe;
    private final Path log;
    private volatile boolean suspended;
    private boolean pipeClosed;

    private ChildJvm(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.parentPipe = process.getOutputStream();
        this.log = log;
    }

    /**
     * Starts {@code mainClass} in a child JVM with this JVM's class path.
     *
     * @param mainClass  the fully qualified name of a class with a {@code main} method, never {@code null}
     * @param jvmOptions flags and system properties after the lean defaults, e.g. {@code -Xmx256m}, never
     *     {@code null}
     * @param arguments  the arguments of {@code main}, never {@code null}
     * @param log        the file the child's standard output and error are appended to, never {@code null}
     * @return the running child, never {@code null}; the caller closes it
     * @throws UncheckedIOException if the process could not be started
     */
    public static ChildJvm start(String mainClass, List<String> jvmOptions, List<String> arguments, Path log) {
        Objects.requireNonNull(mainClass, "mainClass");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(LEAN_FLAGS);
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(arguments);
        try {
            Path parent = log.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            String shortName = mainClass.substring(mainClass.lastIndexOf('.') + 1);
            return new ChildJvm(shortName, process, log);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start a JVM running " + mainClass, e);
        }
    }

    /**
     * For the child's {@code main}: watches standard input and ends this JVM when it closes, which means the parent
     * closed its end ({@link #close()}, {@link #closeStandardInput()}) or died. At the end of the input it logs,
     * runs {@code beforeExit} and halts with status 0; if {@code beforeExit} takes longer than {@code grace}, or
     * throws, it halts with status 3. Never returns to the caller's code after the input ends: no shutdown hook
     * runs.
     *
     * @param beforeExit an orderly stop, e.g. closing a server; {@code () -> { }} to halt at once; never
     *     {@code null}
     * @param grace      how long {@code beforeExit} may take, never {@code null}
     * @return the watching thread (a daemon, already started), which a {@code main} with nothing else to do may
     *     {@link Thread#join()}
     */
    public static Thread exitWhenParentGone(Runnable beforeExit, Duration grace) {
        Objects.requireNonNull(beforeExit, "beforeExit");
        Objects.requireNonNull(grace, "grace");
        Thread watcher = new Thread(() -> {
            try (InputStream in = System.in) {
                while (in.read() >= 0) {
                    // the parent sends nothing; only the end of the stream counts
                }
            } catch (IOException e) {
                // a broken pipe ends the input just the same
            }
            LOG.warn("standard input closed: the parent is gone or done; exiting");
            Thread halter = new Thread(() -> {
                try {
                    Thread.sleep(grace.toMillis()); // a grace period, not a synchronisation
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                Runtime.getRuntime().halt(3);
            }, "child-jvm-halter");
            halter.setDaemon(true);
            halter.start();
            try {
                beforeExit.run();
            } catch (RuntimeException e) {
                LOG.error("the orderly stop failed", e);
                Runtime.getRuntime().halt(3);
            }
            Runtime.getRuntime().halt(0);
        }, "child-jvm-parent-watch");
        watcher.setDaemon(true);
        watcher.start();
        return watcher;
    }

    /**
     * For the child's {@code main}: its {@code --name=value} arguments as a map.
     *
     * @param args     the arguments of {@code main}, never {@code null}
     * @param required names that must be present
     * @return the arguments by name, never {@code null}
     * @throws IllegalArgumentException naming the first argument not of the form {@code --name=value}, or the first
     *                                  required name missing
     */
    public static Map<String, String> arguments(String[] args, String... required) {
        Map<String, String> options = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 0) {
                throw new IllegalArgumentException("expected --name=value, got " + arg);
            }
            options.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        for (String name : required) {
            if (!options.containsKey(name)) {
                throw new IllegalArgumentException("missing --" + name + "=...");
            }
        }
        return options;
    }

    /**
     * The child's process id.
     *
     * @return the pid
     */
    public long pid() {
        return process.pid();
    }

    /**
     * The file the child's output is appended to; kept after the child ends.
     *
     * @return the path given to {@link #start}, never {@code null}
     */
    public Path log() {
        return log;
    }

    /**
     * Whether the process is alive; a suspended child is alive.
     *
     * @return {@code false} once it has exited, by itself or by a signal
     */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Whether the child was {@linkplain #suspend() suspended} and not resumed, terminated or killed since.
     *
     * @return {@code true} while it is stopped by SIGSTOP from this object
     */
    public synchronized boolean isSuspended() {
        return suspended && process.isAlive();
    }

    /**
     * The exit status, once the child has exited.
     *
     * @return the status (128 + the signal number after a signal), or empty while it runs
     */
    public OptionalInt exitValue() {
        return process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
    }

    /**
     * Crashes the child: SIGKILL, also when it is suspended, and returns once it is gone. Does nothing when it has
     * exited already.
     *
     * @throws IllegalStateException if it did not exit within 30 s of the signal
     */
    public synchronized void kill() {
        if (process.isAlive()) {
            process.destroyForcibly();
            if (!awaitExit(EXIT_TIMEOUT)) {
                throw new IllegalStateException(this + " did not exit within " + EXIT_TIMEOUT + " of SIGKILL");
            }
            LOG.debug("{} killed", this);
        }
        suspended = false;
        closePipe();
    }

    /**
     * Asks the child to stop in order: SIGCONT first if it is suspended, then SIGTERM, without waiting. The pipe
     * stays open, so a child that watches its input runs its shutdown hooks rather than halting.
     */
    public synchronized void requestTermination() {
        if (!process.isAlive()) {
            return;
        }
        if (suspended) {
            resume();
        }
        // ProcessHandle.destroy() only signals; Process.destroy() would also close the pipe
        process.toHandle().destroy();
    }

    /**
     * Stops the child in order: {@link #requestTermination()}, then waits up to {@code grace} for it to exit, and
     * {@linkplain #kill() kills} it if it has not.
     *
     * @param grace how long the orderly stop may take, never {@code null}
     * @return {@code true} if it exited within the grace period (or had exited before), {@code false} if it had to
     *     be killed
     */
    public boolean terminate(Duration grace) {
        requestTermination();
        boolean exited = awaitExit(grace);
        if (!exited) {
            LOG.warn("{} did not stop within {} of SIGTERM: SIGKILL", this, grace);
        }
        kill();
        return exited;
    }

    /**
     * Waits for the child to exit.
     *
     * @param limit how long to wait at most, never {@code null}
     * @return {@code true} if it has exited; {@code false} on timeout or interruption (the interrupt flag is kept)
     */
    public boolean awaitExit(Duration limit) {
        try {
            return process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Freezes the child: SIGSTOP. Every thread stops until {@link #resume()} (or a terminate or kill).
     *
     * @throws IllegalStateException if the signal could not be sent (e.g. the child has exited)
     */
    public synchronized void suspend() {
        signal("STOP");
        suspended = true;
    }

    /**
     * Thaws a suspended child: SIGCONT. Harmless on a child that runs.
     *
     * @throws IllegalStateException if the signal could not be sent (e.g. the child has exited)
     */
    public synchronized void resume() {
        signal("CONT");
        suspended = false;
    }

    /**
     * Closes this side of the child's standard input, as the death of this JVM would; a child that called
     * {@link #exitWhenParentGone} then exits on its own. Idempotent.
     */
    public synchronized void closeStandardInput() {
        closePipe();
    }

    /**
     * The last lines of the child's log, for failure messages.
     *
     * @param lines how many lines at most
     * @return the lines joined by newlines, or a note saying why the log cannot be read; never {@code null}
     */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /** Kills the child if it is alive and releases the pipe. Idempotent. */
    @Override
    public void close() {
        kill();
    }

    private void closePipe() {
        if (pipeClosed) {
            return;
        }
        pipeClosed = true;
        try {
            parentPipe.close();
        } catch (IOException e) {
            // the child is gone or going: nothing reads the pipe any more
        }
    }

    private void signal(String signal) {
        String pid = Long.toString(process.pid());
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, pid).redirectErrorStream(true).start();
            if (!kill.waitFor(SIGNAL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                kill.destroyForcibly();
                throw new IllegalStateException("kill -" + signal + " " + pid + " did not return");
            }
            if (kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + pid + " failed: "
                        + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot send SIG" + signal + " to " + this, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted sending SIG" + signal + " to " + this, e);
        }
    }

    @Override
    public String toString() {
        return name + "(pid " + process.pid() + (suspended ? ", stopped" : "") + (process.isAlive() ? "" : ", dead")
                + ")";
    }
}
