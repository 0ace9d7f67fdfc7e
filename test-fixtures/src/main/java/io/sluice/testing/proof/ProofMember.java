package io.sluice.testing.proof;

import io.sluice.dsl.Topology;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.ChildJvm;
import java.lang.reflect.Constructor;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The main class of a member JVM of an {@link ExactlyOnceProof} run: instantiates the user's {@link ProofTopology},
 * builds its topology and runs it on a {@link SluiceRuntime} until it is killed, stopped by SIGTERM (the runtime
 * closes in order) or orphaned (standard input closes: it halts at once).
 *
 * <p>Arguments, all required: {@code --topology=<class> --bootstrap=<host:port> --topic=<t> --group=<g>
 * --member=<id> --db=<H2|POSTGRESQL> --jdbc=<url> --user=<u> --password=<p>}.
 */
final class ProofMember {

    /** The consumer's session timeout: a frozen member is dropped after it. */
    static final int SESSION_TIMEOUT_MS = 6_000;

    private static final Logger LOG = LoggerFactory.getLogger(ProofMember.class);
    private static final List<String> REQUIRED =
            List.of("topology", "bootstrap", "topic", "group", "member", "db", "jdbc", "user", "password");

    private ProofMember() {
    }

    public static void main(String[] args) throws Exception {
        ChildJvm.exitWhenParentGone(() -> { }, Duration.ofSeconds(1));
        Map<String, String> options = options(args);
        ProofEnvironment environment = new ProofEnvironment(options.get("bootstrap"), options.get("topic"),
                options.get("group"), options.get("member"), ProofDatabase.valueOf(options.get("db")),
                options.get("jdbc"), options.get("user"), options.get("password"));
        ProofTopology factory = requireFactory(options.get("topology"), ProofMember.class.getClassLoader())
                .getConstructor().newInstance();
        Topology topology = factory.create(environment);
        SluiceRuntime runtime = SluiceRuntime.create(topology, kafka(environment), factory.settings()).start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("proof member {} closing", environment.memberId());
            runtime.close();
            LOG.info("proof member {} closed", environment.memberId());
        }, "proof-member-shutdown"));
        LOG.info("proof member {} (pid {}) runs {} on {}", environment.memberId(), ProcessHandle.current().pid(),
                factory.getClass().getName(), environment.topic());
        new CountDownLatch(1).await(); // runs until killed, stopped by SIGTERM, or orphaned
    }

    /**
     * The user's factory class, checked: a public, concrete {@link ProofTopology} with a public no-argument
     * constructor.
     *
     * @throws IllegalStateException naming what is wrong
     */
    static Class<? extends ProofTopology> requireFactory(String className, ClassLoader loader) {
        Class<?> type;
        try {
            type = Class.forName(className, false, loader);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("topology class " + className + " is not on the class path", e);
        }
        if (!ProofTopology.class.isAssignableFrom(type)) {
            throw new IllegalStateException(className + " does not implement " + ProofTopology.class.getName());
        }
        if (!Modifier.isPublic(type.getModifiers()) || Modifier.isAbstract(type.getModifiers())) {
            throw new IllegalStateException(className + " must be a public concrete class");
        }
        Class<? extends ProofTopology> factory = type.asSubclass(ProofTopology.class);
        try {
            Constructor<? extends ProofTopology> constructor = factory.getConstructor();
            if (!Modifier.isPublic(constructor.getModifiers())) {
                throw new NoSuchMethodException(className + ".<init>()");
            }
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(className + " needs a public no-argument constructor", e);
        }
        return factory;
    }

    private static Properties kafka(ProofEnvironment environment) {
        Properties p = new Properties();
        p.put("bootstrap.servers", environment.bootstrapServers());
        p.put("group.id", environment.group());
        // the runtime appends its own suffix; the harness finds the member in the group by this prefix
        p.put("client.id", environment.memberId());
        p.put("group.protocol", "classic");
        p.put("session.timeout.ms", String.valueOf(SESSION_TIMEOUT_MS));
        p.put("heartbeat.interval.ms", "500");
        p.put("max.poll.interval.ms", "30000");
        p.put("auto.offset.reset", "earliest");
        return p;
    }

    private static Map<String, String> options(String[] args) {
        return ChildJvm.arguments(args, REQUIRED.toArray(String[]::new));
    }
}
