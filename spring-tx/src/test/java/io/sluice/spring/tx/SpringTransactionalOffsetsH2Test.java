package io.sluice.spring.tx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.jooq.SQLDialect;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** {@link SpringTransactionalOffsetsContract} on an in-memory H2 database. */
class SpringTransactionalOffsetsH2Test extends SpringTransactionalOffsetsContract {

    private final DataSource dataSource = h2();

    static DataSource h2() {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:spring_" + UUID.randomUUID().toString().replace('-', '_') + ";DB_CLOSE_DELAY=-1");
        ds.setUser("sa");
        return ds;
    }

    @Override
    DataSource dataSource() {
        return dataSource;
    }

    @Override
    SQLDialect dialect() {
        return SQLDialect.H2;
    }

    @Override
    void setOwnLockTimeout(JdbcTemplate jdbc) {
        jdbc.execute("SET LOCK_TIMEOUT 7777");
    }

    @Override
    String lockTimeoutSetting(JdbcTemplate jdbc) {
        return jdbc.queryForObject("SELECT LOCK_TIMEOUT()", String.class);
    }

    @Test
    void aTransactionOfAnotherDataSourceIsRefused() {
        DataSource other = h2();
        TransactionTemplate otherTransaction = new TransactionTemplate(new DataSourceTransactionManager(other));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> otherTransaction
                .executeWithoutResult(status -> offsets.consume(context, range(tp, 0, 2), insertEach())));
        assertTrue(e.getMessage().contains("holds no connection"), e.getMessage());
        assertEquals(List.of(), applied());
        assertEquals(OptionalLong.empty(), store.nextOffset(GROUP, tp));
    }
}
