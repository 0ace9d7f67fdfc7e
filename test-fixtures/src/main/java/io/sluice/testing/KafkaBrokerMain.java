package io.sluice.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The main class of the broker JVM that {@link KafkaBrokerProcess} starts (a {@link ChildJvm}): runs an
 * {@link EmbeddedKafka} on a given log directory and ports until its standard input ends
 * ({@link ChildJvm#exitWhenParentGone}).
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
        Thread watcher = ChildJvm.exitWhenParentGone(() -> {
            EmbeddedKafka kafka = running.get();
            if (kafka != null) {
                kafka.close();
            }
        }, Duration.ofSeconds(SHUTDOWN_GRACE_SECONDS));
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
}
