package io.sluice.spring.tx;

import io.sluice.testing.MariaDbDatabase;
import io.sluice.testing.MariaDbExtension;
import javax.sql.DataSource;
import org.jooq.SQLDialect;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * {@link SpringTransactionalOffsetsContract} on a throwaway MariaDB server, in a database of its own, at the
 * server's default isolation, REPEATABLE READ; skipped (visibly) when no MariaDB binaries are installed.
 */
@ExtendWith(MariaDbExtension.class)
class SpringTransactionalOffsetsMariaDbIT extends SpringTransactionalOffsetsContract {

    private static DataSource dataSource;

    @BeforeAll
    static void database(MariaDbDatabase database) {
        dataSource = database.dataSource();
    }

    @Override
    DataSource dataSource() {
        return dataSource;
    }

    @Override
    SQLDialect dialect() {
        return SQLDialect.MARIADB;
    }

    @Override
    void setOwnLockTimeout(JdbcTemplate jdbc) {
        jdbc.execute("SET SESSION innodb_lock_wait_timeout = 7");
    }

    @Override
    String lockTimeoutSetting(JdbcTemplate jdbc) {
        return jdbc.queryForObject("SELECT @@SESSION.innodb_lock_wait_timeout", String.class);
    }
}
