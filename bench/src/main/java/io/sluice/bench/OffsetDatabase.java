package io.sluice.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.sluice.filters.PartitionOffsets;
import io.sluice.testing.PostgresServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.h2.engine.Constants;
import org.h2.jdbcx.JdbcDataSource;
import org.jooq.SQLDialect;

/**
 * A database for the transactional cases behind a connection pool, as a production user would run
 * {@link PartitionOffsets}. Each run gets its own offsets table, so that a fresh consumer group also starts from
 * fresh rows (the row is the truth: an old row would make the offset manager seek past everything).
 */
final class OffsetDatabase implements AutoCloseable {

    private final String description;
    private final SQLDialect dialect;
    private final HikariDataSource pool;
    private final PostgresServer server;
    private final Path directory;
    private final AtomicInteger tables = new AtomicInteger();

    private OffsetDatabase(String description, SQLDialect dialect, DataSource source, int poolSize,
                           PostgresServer server, Path directory) {
        this.description = description;
        this.directory = directory;
        this.dialect = dialect;
        this.server = server;
        HikariConfig config = new HikariConfig();
        config.setDataSource(source);
        config.setMaximumPoolSize(poolSize);
        config.setMinimumIdle(poolSize);
        config.setPoolName("bench-" + dialect.getName().toLowerCase(Locale.ROOT));
        this.pool = new HikariDataSource(config);
    }

    /** H2 in file mode under {@code directory}, which {@link #close()} deletes. */
    static OffsetDatabase h2(Path directory, int poolSize) throws IOException {
        Files.createDirectories(directory);
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:file:" + directory.toAbsolutePath().resolve("offsets") + ";DB_CLOSE_DELAY=-1");
        h2.setUser("sa");
        return new OffsetDatabase("H2 " + Constants.VERSION + ", file mode", SQLDialect.H2, h2,
                poolSize, null, directory);
    }

    /** A throwaway PostgreSQL server from the installed binaries; empty when there are none. */
    static Optional<OffsetDatabase> postgres(int poolSize) throws IOException {
        if (PostgresServer.findBinaries().isEmpty()) {
            return Optional.empty();
        }
        PostgresServer server = PostgresServer.start();
        try {
            return Optional.of(new OffsetDatabase("PostgreSQL (fsync=off, synchronous_commit=off) on 127.0.0.1",
                    SQLDialect.POSTGRES, server.dataSource(), poolSize, server, null));
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** An offset store on a table of its own, created now. */
    PartitionOffsets freshOffsets() {
        PartitionOffsets offsets = PartitionOffsets.builder(pool, dialect)
                .tableName("bench_offsets_" + tables.incrementAndGet())
                .build();
        offsets.createTableIfMissing();
        return offsets;
    }

    String description() {
        return description;
    }

    @Override
    public void close() {
        pool.close();
        if (server != null) {
            server.close();
        }
        if (directory != null) {
            deleteRecursively(directory);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            Console.progress("could not delete %s: %s", dir, e);
        }
    }
}
