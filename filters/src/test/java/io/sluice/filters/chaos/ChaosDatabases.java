package io.sluice.filters.chaos;

import io.sluice.testing.H2Server;
import io.sluice.testing.MariaDbDatabase;
import io.sluice.testing.MariaDbServer;
import io.sluice.testing.PostgresDatabase;
import io.sluice.testing.PostgresServer;
import java.io.IOException;
import org.junit.jupiter.api.Assumptions;

/**
 * Provisions the database of one chaos run, by the name the summary line uses: an H2 TCP server, or a PostgreSQL or
 * MariaDB server of its own when the binaries are installed (otherwise the run is skipped, saying what to install).
 */
final class ChaosDatabases {

    private ChaosDatabases() {
    }

    /** A database for one run: its URL, what a row may do to it, and how it goes away. */
    static final class Opened implements ChaosRun.Database, AutoCloseable {
        private final String jdbcUrl;
        private final Runnable stop;
        private final Runnable startAgain;
        private final AutoCloseable[] resources;

        Opened(String jdbcUrl, Runnable stop, Runnable startAgain, AutoCloseable... resources) {
            this.jdbcUrl = jdbcUrl;
            this.stop = stop;
            this.startAgain = startAgain;
            this.resources = resources;
        }

        @Override
        public String jdbcUrl() {
            return jdbcUrl;
        }

        @Override
        public void stop() {
            stop.run();
        }

        @Override
        public void startAgain() {
            startAgain.run();
        }

        /** Closes the database, then its server. */
        @Override
        public void close() {
            RuntimeException failure = null;
            for (AutoCloseable resource : resources) {
                try {
                    resource.close();
                } catch (Exception e) {
                    if (failure == null) {
                        failure = new IllegalStateException("cannot close " + resource, e);
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        }
    }

    static Opened open(String kind) throws IOException {
        switch (kind) {
            case "h2" -> {
                H2Server h2 = H2Server.start();
                return new Opened(h2.jdbcUrl("chaos"), h2::stop, h2::startAgain, h2);
            }
            case "postgresql" -> {
                Assumptions.assumeTrue(PostgresServer.findBinaries().isPresent(),
                        "PostgreSQL binaries (initdb, pg_ctl) not found: skipping a PostgreSQL chaos run"
                                + " (install the postgresql package)");
                PostgresServer postgres = PostgresServer.start();
                PostgresDatabase database = postgres.createDatabase("chaos");
                return new Opened(database.jdbcUrl(), postgres::stop, postgres::startAgain, database, postgres);
            }
            case "mariadb" -> {
                Assumptions.assumeTrue(MariaDbServer.findBinaries().isPresent(),
                        "MariaDB binaries (mariadbd, mariadb-install-db) not found: skipping a MariaDB chaos run"
                                + " (install the mariadb-server package)");
                MariaDbServer mariaDb = MariaDbServer.start();
                MariaDbDatabase database = mariaDb.createDatabase("chaos");
                return new Opened(database.jdbcUrl(), () -> {
                    throw new UnsupportedOperationException("the MariaDB fixture cannot stop and start again");
                }, () -> {
                    throw new UnsupportedOperationException("the MariaDB fixture cannot stop and start again");
                }, database, mariaDb);
            }
            default -> throw new IllegalArgumentException("unknown database " + kind);
        }
    }
}
