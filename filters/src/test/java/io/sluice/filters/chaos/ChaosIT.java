package io.sluice.filters.chaos;

import static io.sluice.filters.chaos.ChaosRun.Action.ADD;
import static io.sluice.filters.chaos.ChaosRun.Action.KILL;
import static io.sluice.filters.chaos.ChaosRun.Action.REMOVE;
import static io.sluice.filters.chaos.ChaosRun.Action.ZOMBIE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.dsl.OffsetRefusedException;
import io.sluice.testing.EmbeddedKafka;
import io.sluice.testing.EmbeddedKafkaExtension;
import io.sluice.testing.H2Server;
import io.sluice.testing.MariaDbDatabase;
import io.sluice.testing.MariaDbServer;
import io.sluice.testing.PostgresDatabase;
import io.sluice.testing.PostgresServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The crash-chaos proof of the transactional offset manager (issue 4; see docs/architecture.md, "Offset flow and
 * table format" and "Testing"): separate member JVMs
 * consume one topic into one shared database while the harness SIGKILLs and restarts them, adds and removes
 * members, and makes a zombie (a member frozen past its session timeout with a job parked before its row lock,
 * thawed once the partition's new owner has moved the row past that job's batch). At the end every message has
 * exactly one row in the effects table, on H2, on PostgreSQL and on MariaDB.
 *
 * <p>The control run switches fencing and the {@code revoked()} check off (the naive design) and must show the
 * zombie's duplicate — proof that the chaos can catch the bug the design prevents. Each run appends its summary
 * line to {@code target/chaos-summary.txt}.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class ChaosIT {

    private static final Logger LOG = LoggerFactory.getLogger(ChaosIT.class);
    private static final Path SUMMARY = Path.of("target", "chaos-summary.txt");

    /** SIGKILLs with restarts, an added and a removed member, and a zombie, spread over the stream. */
    private static final List<ChaosRun.Step> CHAOS = List.of(
            new ChaosRun.Step(0.06, KILL),
            new ChaosRun.Step(0.14, KILL),
            new ChaosRun.Step(0.22, ADD),
            new ChaosRun.Step(0.30, REMOVE),
            new ChaosRun.Step(0.38, ZOMBIE),
            new ChaosRun.Step(0.62, KILL),
            new ChaosRun.Step(0.74, KILL));

    private static final long MESSAGES = 100_000;
    private static final Duration PRODUCE_OVER = Duration.ofSeconds(60);
    private static final Duration RUN_LIMIT = Duration.ofMinutes(5);

    private final EmbeddedKafka kafka;

    ChaosIT(EmbeddedKafka kafka) {
        this.kafka = kafka;
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void everyMessageHasExactlyOneEffectOnH2() throws Exception {
        try (H2Server h2 = H2Server.start()) {
            ChaosRun.Outcome outcome = chaos(h2.jdbcUrl("chaos"), new ChaosRun.Plan("h2", MESSAGES, PRODUCE_OVER,
                    true, CHAOS, RUN_LIMIT));
            assertExactlyOnce(outcome);
        }
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void everyMessageHasExactlyOneEffectOnPostgres() throws Exception {
        Assumptions.assumeTrue(PostgresServer.findBinaries().isPresent(),
                "PostgreSQL binaries (initdb, pg_ctl) not found: skipping the PostgreSQL chaos run"
                        + " (install the postgresql package)");
        try (PostgresServer postgres = PostgresServer.start();
             PostgresDatabase database = postgres.createDatabase("chaos")) {
            ChaosRun.Outcome outcome = chaos(database.jdbcUrl(), new ChaosRun.Plan("postgresql", MESSAGES,
                    PRODUCE_OVER, true, CHAOS, RUN_LIMIT));
            assertExactlyOnce(outcome);
        }
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void everyMessageHasExactlyOneEffectOnMariaDb() throws Exception {
        Assumptions.assumeTrue(MariaDbServer.findBinaries().isPresent(),
                "MariaDB binaries (mariadbd, mariadb-install-db) not found: skipping the MariaDB chaos run"
                        + " (install the mariadb-server package)");
        try (MariaDbServer mariaDb = MariaDbServer.start();
             MariaDbDatabase database = mariaDb.createDatabase("chaos")) {
            ChaosRun.Outcome outcome = chaos(database.jdbcUrl(), new ChaosRun.Plan("mariadb", MESSAGES,
                    PRODUCE_OVER, true, CHAOS, RUN_LIMIT));
            assertExactlyOnce(outcome);
        }
    }

    /** The naive design (no fencing, no revoked() check) applies the zombie's parked batch a second time. */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void theNaiveDesignDuplicatesTheZombiesBatch() throws Exception {
        try (H2Server h2 = H2Server.start()) {
            ChaosRun.Outcome outcome = chaos(h2.jdbcUrl("control"), new ChaosRun.Plan("control", 20_000,
                    Duration.ofSeconds(20), false, List.of(new ChaosRun.Step(0.2, ZOMBIE)), Duration.ofMinutes(2)));
            assertEquals(1, outcome.zombies().size());
            assertTrue(outcome.zombies().get(0).startsWith("applied=") && !outcome.zombies().get(0).equals("applied=0"),
                    "the zombie applied its parked batch: " + outcome.zombies());
            assertTrue(outcome.duplicates() > 0, "the naive design showed no duplicate: " + outcome.summary());
        }
    }

    private ChaosRun.Outcome chaos(String jdbcUrl, ChaosRun.Plan plan) throws Exception {
        ChaosRun.Outcome outcome;
        try (ChaosRun run = new ChaosRun(kafka, jdbcUrl, plan)) {
            outcome = run.run();
        }
        String line = outcome.summary();
        LOG.info("{}", line);
        LOG.info("chaos {}: {} s, {} effect rows, zombie outcome {}", plan.label(), outcome.took().toSeconds(),
                outcome.rows(), outcome.zombies());
        appendSummary(line);
        return outcome;
    }

    private static void assertExactlyOnce(ChaosRun.Outcome outcome) {
        assertTrue(outcome.messages() >= MESSAGES, outcome.summary());
        assertTrue(outcome.kills() > 0 && outcome.stops() > 0 && outcome.rebalances() > 0, outcome.summary());
        // fenced (nothing applied), or refused by consume's defence in depth (the row lies beyond the log end the
        // zombie saw): either way nothing of its parked batch was applied
        assertEquals(1, outcome.zombies().size(), outcome.zombies().toString());
        String zombie = outcome.zombies().get(0);
        assertTrue(zombie.equals("applied=0") || zombie.startsWith("failed " + OffsetRefusedException.class.getName()),
                "the zombie applied nothing of its parked batch: " + zombie);
        assertEquals(0, outcome.duplicates(), outcome.summary());
        assertEquals(0, outcome.lost(), outcome.summary());
    }

    private static synchronized void appendSummary(String line) throws IOException {
        Files.createDirectories(SUMMARY.getParent());
        Files.writeString(SUMMARY, line + System.lineSeparator(), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }
}
