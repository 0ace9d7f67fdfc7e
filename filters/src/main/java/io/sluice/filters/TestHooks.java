package io.sluice.filters;

import io.sluice.dsl.Batch;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * <strong>Test-only</strong> switches for {@link PartitionOffsets#consume}, for the crash-chaos test
 * (docs/architecture.md, "Testing"). Never use them in production.
 *
 * <p>Guarantees: every hook is off by default, and none can be turned on unless the JVM runs with
 * {@code -Dsluice.filters.test-hooks=true} ({@link #ENABLED_PROPERTY}); without it the setters throw
 * {@link IllegalStateException} and {@code consume} behaves exactly as documented. Turning a hook on logs a
 * warning.
 * <ul>
 *   <li>{@link #beforeRowLock(BeforeRowLock)}: a callback that {@code consume} runs after it has its batch and
 *       before it takes the row lock. Blocking in it parks the job right there, so a harness can stop the
 *       process (SIGSTOP) at that point, let the partition move to another member, and resume it as a
 *       zombie.</li>
 *   <li>{@link #fencing(boolean) fencing(false)}: switches off the {@code revoked()} checks, the refuse rule (epoch,
 *       fetch offset above the row, row beyond the log end) and the fencing of messages below the stored offset —
 *       the naive design (database first, then Kafka) that the chaos
 *       test's control run must show duplicating. Also settable at startup with
 *       {@code -Dsluice.filters.test-hooks.fencing=off} ({@link #FENCING_PROPERTY}), for member processes.</li>
 * </ul>
 * The hooks are global to the JVM (static) because the chaos test drives whole member processes.
 */
public final class TestHooks {

    /** The system property that must be {@code true} for any hook to be set. */
    public static final String ENABLED_PROPERTY = "sluice.filters.test-hooks";

    /** The system property that switches fencing off at startup when it is {@code off} (and hooks are enabled). */
    public static final String FENCING_PROPERTY = "sluice.filters.test-hooks.fencing";

    private static final Logger LOG = LoggerFactory.getLogger(TestHooks.class);

    private static volatile BeforeRowLock beforeRowLock;
    private static volatile boolean fencing = initialFencing();

    private TestHooks() {
    }

    /**
     * What {@link PartitionOffsets#consume} calls after it has its batch and before it takes the row lock.
     * Test-only.
     */
    @FunctionalInterface
    public interface BeforeRowLock {

        /**
         * Called on the consuming thread; may block to park the job.
         *
         * @param topicPartition the batch's partition
         * @param batch          the batch about to be applied; do not modify it
         * @throws Exception to fail the batch (as the consumer's failure) instead of going on
         */
        void reached(TopicPartition topicPartition, Batch<?, ?> batch) throws Exception;
    }

    /** Whether {@link #ENABLED_PROPERTY} is {@code true} in this JVM. */
    public static boolean enabled() {
        return Boolean.getBoolean(ENABLED_PROPERTY);
    }

    /**
     * Installs {@code hook} to run before every row lock taken by {@code consume}; {@code null} removes it.
     *
     * @throws IllegalStateException unless {@link #ENABLED_PROPERTY} is {@code true}
     */
    public static void beforeRowLock(BeforeRowLock hook) {
        if (hook != null) {
            requireEnabled("beforeRowLock");
            LOG.warn("TEST HOOK: consume() will call {} before taking each row lock", hook);
        }
        beforeRowLock = hook;
    }

    /**
     * Switches fencing and the {@code revoked()} check of {@code consume} off ({@code false}, the naive design)
     * or back on ({@code true}, the default).
     *
     * @throws IllegalStateException when switching off unless {@link #ENABLED_PROPERTY} is {@code true}
     */
    public static void fencing(boolean on) {
        if (!on) {
            requireEnabled("fencing(false)");
            LOG.warn("TEST HOOK: fencing and the revoked() check are OFF; consume() may apply messages twice");
        }
        fencing = on;
    }

    /** Turns every hook off: no callback, fencing on. Always allowed. */
    public static void reset() {
        beforeRowLock = null;
        fencing = true;
    }

    static void beforeRowLock(TopicPartition topicPartition, Batch<?, ?> batch) throws Exception {
        BeforeRowLock hook = beforeRowLock;
        if (hook != null) {
            hook.reached(topicPartition, batch);
        }
    }

    static boolean fencing() {
        return fencing;
    }

    private static boolean initialFencing() {
        boolean off = enabled() && "off".equalsIgnoreCase(System.getProperty(FENCING_PROPERTY));
        if (off) {
            LOG.warn("TEST HOOK: {}=off: fencing and the revoked() check are OFF", FENCING_PROPERTY);
        }
        return !off;
    }

    private static void requireEnabled(String what) {
        if (!enabled()) {
            throw new IllegalStateException("test hook " + what + " refused: run with -D" + ENABLED_PROPERTY
                    + "=true (tests only)");
        }
    }
}
