package io.sluice.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChildJvmIT {

    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    /** A child that counts in a file every 20 ms, says so once it runs, and logs its orderly stop. */
    public static final class Ticker {
        public static void main(String[] args) throws Exception {
            ChildJvm.exitWhenParentGone(() -> System.out.println("parent gone"), Duration.ofSeconds(5));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("stopped in order")));
            Path counter = Path.of(args[0]);
            AtomicLong ticks = new AtomicLong();
            Thread ticker = new Thread(() -> {
                while (true) {
                    try {
                        Files.writeString(counter, Long.toString(ticks.incrementAndGet()));
                    } catch (IOException e) {
                        return;
                    }
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
                }
            });
            ticker.setDaemon(true);
            ticker.start();
            System.out.println("ready");
            new CountDownLatch(1).await();
        }
    }

    @Test
    void suspendFreezesEveryThreadUntilResumeAndTerminateRunsTheShutdownHooks() throws Exception {
        Path counter = dir.resolve("ticks");
        try (ChildJvm child = ChildJvm.start(Ticker.class.getName(), List.of("-Xmx64m"),
                List.of(counter.toString()), dir.resolve("logs").resolve("ticker.log"))) {
            awaitTrue("ready", () -> child.logTail(5).contains("ready") && Files.exists(counter));
            awaitTrue("ticking", () -> ticks(counter) > 2);

            child.suspend();
            assertTrue(child.isSuspended());
            assertTrue(child.isAlive());
            long frozen = ticks(counter);
            // a stopped process cannot tick: the count stays put while we watch it for a while
            long watchUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
            while (System.nanoTime() - watchUntil < 0) {
                assertTrue(ticks(counter) <= frozen + 1, "no tick while suspended");
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
            child.resume();
            assertFalse(child.isSuspended());
            awaitTrue("ticking again", () -> ticks(counter) > frozen + 3);

            child.suspend();
            assertTrue(child.terminate(DEADLINE), "SIGCONT then SIGTERM: an orderly stop");
            assertFalse(child.isAlive());
            assertEquals(143, child.exitValue().orElseThrow(), "exit status of SIGTERM");
            assertTrue(child.logTail(5).contains("stopped in order"), child.logTail(5));
        }
    }

    @Test
    void killEndsTheChildWithoutItsShutdownHooks() {
        try (ChildJvm child = ChildJvm.start(Ticker.class.getName(), List.of("-Xmx64m"),
                List.of(dir.resolve("ticks").toString()), dir.resolve("ticker.log"))) {
            awaitTrue("ready", () -> child.logTail(5).contains("ready"));
            child.suspend();
            child.kill();
            assertFalse(child.isAlive());
            assertEquals(137, child.exitValue().orElseThrow(), "exit status of SIGKILL");
            assertFalse(child.logTail(5).contains("stopped in order"));
            child.kill(); // nothing to kill
        }
    }

    @Test
    void aChildWatchingItsInputExitsWhenTheParentsEndCloses() {
        try (ChildJvm child = ChildJvm.start(Ticker.class.getName(), List.of("-Xmx64m"),
                List.of(dir.resolve("ticks").toString()), dir.resolve("ticker.log"))) {
            awaitTrue("ready", () -> child.logTail(5).contains("ready"));
            child.closeStandardInput();
            assertTrue(child.awaitExit(DEADLINE));
            assertEquals(0, child.exitValue().orElseThrow());
            assertTrue(child.logTail(5).contains("parent gone"), child.logTail(5));
            assertFalse(child.logTail(5).contains("stopped in order"), "halted: no shutdown hook");
        }
    }

    private static long ticks(Path counter) {
        try {
            String text = Files.readString(counter, StandardCharsets.UTF_8).trim();
            return text.isEmpty() ? 0 : Long.parseLong(text);
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    private static void awaitTrue(String what, BooleanSupplier condition) {
        long until = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - until > 0) {
                throw new AssertionError("timed out waiting for " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // a pause between polls
        }
    }
}
