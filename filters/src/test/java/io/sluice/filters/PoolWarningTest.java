package io.sluice.filters;

import io.sluice.testing.DelegatingDataSource;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.OptionalInt;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcConnectionPool;
import org.h2.jdbcx.JdbcDataSource;
import org.jooq.SQLDialect;
import org.junit.jupiter.api.Test;

/** The warning at build time when the connection pool is smaller than the jobs that may run at once. */
class PoolWarningTest {

    /** Looks like HikariCP's data source to the store: a public {@code getMaximumPoolSize()}. */
    public static final class HikariLike extends DelegatingDataSource {
        private final int maximumPoolSize;

        HikariLike(int maximumPoolSize) {
            super(Databases.h2());
            this.maximumPoolSize = maximumPoolSize;
        }

        public int getMaximumPoolSize() {
            return maximumPoolSize;
        }
    }

    @Test
    void aPoolSmallerThanTheWorkersIsWarnedAbout() {
        JdbcConnectionPool pool = JdbcConnectionPool.create(h2Source());
        try {
            pool.setMaxConnections(2);
            PartitionOffsets store = PartitionOffsets.builder(pool, SQLDialect.H2).expectedConcurrency(4).build();
            Optional<String> warning = store.poolWarning();
            assertTrue(warning.isPresent());
            assertTrue(warning.get().contains("at most 2 connection(s) but 4 jobs"), warning.get());
        } finally {
            pool.dispose();
        }
    }

    @Test
    void aLargeEnoughPoolIsNot() {
        JdbcConnectionPool pool = JdbcConnectionPool.create(h2Source());
        try {
            pool.setMaxConnections(4);
            assertEquals(Optional.empty(),
                    PartitionOffsets.builder(pool, SQLDialect.H2).expectedConcurrency(4).build().poolWarning());
        } finally {
            pool.dispose();
        }
    }

    @Test
    void hikariCpsMaximumPoolSizeIsReadWithoutADependency() {
        assertEquals(OptionalInt.of(3), PoolSize.of(new HikariLike(3)));
        PartitionOffsets store = PartitionOffsets.builder(new HikariLike(3), SQLDialect.H2).expectedConcurrency(8)
                .build();
        assertTrue(store.poolWarning().orElseThrow().contains("at most 3"), store.poolWarning().toString());
    }

    @Test
    void noCheckWithoutAnExpectedConcurrencyOrAReadablePoolSize() {
        assertEquals(Optional.empty(), PartitionOffsets.builder(new HikariLike(1), SQLDialect.H2).build()
                .poolWarning(), "not asked");
        DataSource plain = Databases.h2();
        assertEquals(OptionalInt.empty(), PoolSize.of(plain));
        assertEquals(Optional.empty(), PartitionOffsets.builder(plain, SQLDialect.H2).expectedConcurrency(64)
                .build().poolWarning(), "a data source that is no known pool");
        assertThrows(IllegalArgumentException.class,
                () -> PartitionOffsets.builder(plain, SQLDialect.H2).expectedConcurrency(0));
    }

    private static JdbcDataSource h2Source() {
        return (JdbcDataSource) Databases.h2();
    }
}
