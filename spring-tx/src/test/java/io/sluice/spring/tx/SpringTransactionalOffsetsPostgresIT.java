package io.sluice.spring.tx;

import io.sluice.testing.PostgresDatabase;
import io.sluice.testing.PostgresExtension;
import javax.sql.DataSource;
import org.jooq.SQLDialect;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.jdbc.core.JdbcTemplate;

/** {@link SpringTransactionalOffsetsContract} on a throwaway PostgreSQL server, in a database of its own. */
@ExtendWith(PostgresExtension.class)
class SpringTransactionalOffsetsPostgresIT extends SpringTransactionalOffsetsContract {

    private static DataSource dataSource;

    @BeforeAll
    static void database(PostgresDatabase database) {
        dataSource = database.dataSource();
    }

    @Override
    DataSource dataSource() {
        return dataSource;
    }

    @Override
    SQLDialect dialect() {
        return SQLDialect.POSTGRES;
    }

    @Override
    void setOwnLockTimeout(JdbcTemplate jdbc) {
        jdbc.execute("SET LOCAL lock_timeout = '7777ms'");
    }

    @Override
    String lockTimeoutSetting(JdbcTemplate jdbc) {
        return jdbc.queryForObject("SELECT current_setting('lock_timeout')", String.class);
    }
}
