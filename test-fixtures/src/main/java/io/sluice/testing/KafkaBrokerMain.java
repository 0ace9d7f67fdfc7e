package io.sluice.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The main class of the broker JVM that {@link KafkaBrokerProcess} starts: runs an {@link EmbeddedKafka} on a
 * given log directory and ports until its standard input ends.
 *
 * <p>Arguments: {@code <log directory> <broker port> <controller port> [<setting>=<value> ...]}, the settings
 * being broker overrides. The parent holds the other end of standard input and never writes to it; when it
 * closes (the parent closed it or died, even by SIGKILL), this JVM stops the broker and exits, so it never
 * outlives its parent. If the orderly stop takes longer than {@value #SHUTDOWN_GRACE_SECONDS} s it halts (status
 * 3). Exit status 0 after such a stop, 1 when the broker did not start, 2 on bad arguments.
 */
final class KafkaBrokerMain {

    static final int SHUTDOWN_GRACE_SECONDS = 10;

    private static final Logger LOG = LoggerFactory.getLogger(KafkaBrokerMain.class);

    private KafkaBrokerMain() {
    }

    public static void main(String[] args) {
        if (args.length < 3) {
            LOG.error("usage: KafkaBrokerMain <log directory> <broker port> <controller port> [setting=value ...]");
            System.exit(2);
        }
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int i = 3; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq <= 0) {
                LOG.error("not a setting=value pair: {}", args[i]);
                System.exit(2);
            }
            overrides.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        Path logDir = Path.of(args[0]);
        AtomicReference<EmbeddedKafka> running = new AtomicReference<>();
        // watching from the start: a parent that dies while the broker starts must not leave it behind
        Thread watcher = new Thread(() -> {
            awaitEndOfInput();
            LOG.info("standard input closed: the parent is gone or done; stopping the broker");
            armHalter();
            EmbeddedKafka kafka = running.get();
            if (kafka != null) {
                kafka.close();
            }
            Runtime.getRuntime().halt(0);
        }, "kafka-broker-parent-watch");
        watcher.setDaemon(true);
        watcher.start();
        try {
            EmbeddedKafka kafka =
                    EmbeddedKafka.start(logDir, Integer.parseInt(args[1]), Integer.parseInt(args[2]), overrides);
            running.set(kafka);
            LOG.info("broker process {} serving {} from {}", ProcessHandle.current().pid(),
                    kafka.bootstrapServers(), logDir);
        } catch (RuntimeException e) {
            LOG.error("the broker did not start", e);
            Runtime.getRuntime().halt(1);
        }
        try {
            watcher.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Halts this JVM if the orderly stop is not over within the grace period. */
    private static void armHalter() {
        Thread halter = new Thread(() -> {
            try {
                Thread.sleep(SHUTDOWN_GRACE_SECONDS * 1000L); // a grace period, not a synchronisation
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Runtime.getRuntime().halt(3);
        }, "kafka-broker-halter");
        halter.setDaemon(true);
        halter.start();
    }

    private static void awaitEndOfInput() {
        try (InputStream in = System.in) {
            while (in.read() >= 0) {
                // the parent sends nothing; only the end of the stream counts
            }
        } catch (IOException e) {
            // a broken pipe ends the input just the same
        }
    }
}
