package io.sluice.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.sluice.dsl.Batch;
import io.sluice.dsl.Message;
import io.sluice.spring.tx.SpringTransactionalOffsets;
import io.sluice.testing.TestContext;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Two DataSources: the store binds to the primary one, the context's only transaction manager manages the other.
 * {@code consume} outside a transaction would begin it on the other DataSource, write the offset row on a
 * connection nobody commits (a pool with auto-commit off hides it), and mark Kafka after the other commit: the
 * row stays behind the mark, the next batch is refused and the rows are applied again.
 */
class SluiceOffsetsTwoDataSourcesTest {

    private static HikariDataSource h2(boolean autoCommit) {
        HikariDataSource ds = new HikariDataSource();
        ds.setJdbcUrl("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        ds.setAutoCommit(autoCommit);
        ds.setMaximumPoolSize(4);
        return ds;
    }

    private final HikariDataSource offsetsDb = h2(false);
    private final HikariDataSource ordersDb = h2(true);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SluiceOffsetsAutoConfiguration.class))
            .withBean("offsetsDataSource", DataSource.class, () -> offsetsDb, bd -> bd.setPrimary(true))
            .withBean("ordersDataSource", DataSource.class, () -> ordersDb);

    @Test
    void aTransactionManagerOfAnotherDataSourceFailsTheStartNamingBoth() {
        runner.withBean("ordersTransactions", PlatformTransactionManager.class,
                        () -> new DataSourceTransactionManager(ordersDb))
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .hasStackTraceContaining("not the offset store's DataSource"));
    }

    @Test
    void aTransactionOfItsOwnThatBindsNoConnectionOfTheStoresDataSourceAppliesAndMarksNothing() {
        // a manager that does not say which DataSource it manages (as JPA's does not), on the orders database
        DataSourceTransactionManager orders = new DataSourceTransactionManager(ordersDb);
        PlatformTransactionManager opaque = new PlatformTransactionManager() {
            @Override
            public TransactionStatus getTransaction(TransactionDefinition definition) {
                return orders.getTransaction(definition);
            }

            @Override
            public void commit(TransactionStatus status) {
                orders.commit(status);
            }

            @Override
            public void rollback(TransactionStatus status) {
                orders.rollback(status);
            }
        };
        runner.withBean("ordersTransactions", PlatformTransactionManager.class, () -> opaque).run(context -> {
            SpringTransactionalOffsets offsets = context.getBean(SpringTransactionalOffsets.class);
            JdbcClient ordersDbClient = JdbcClient.create(ordersDb);
            ordersDbClient.sql("create table orders (id varchar(20))").update();
            TopicPartition tp = new TopicPartition("orders", 0);
            TestContext ctx = new TestContext(tp);
            Batch<String, String> batch = Batch.of(tp, 0, 2, List.of(
                    Message.of("orders", 0, 0, 0L, "a", "a"), Message.of("orders", 0, 1, 0L, "b", "b")));
            // before the check: the orders committed, Kafka was marked at 2 and the offset row stayed at 0 (its
            // connection was never committed), so the next batch was refused and the orders applied again
            assertThatThrownBy(() -> offsets.consume(ctx, batch, messages -> messages.forEach(m ->
                    ordersDbClient.sql("insert into orders values (?)").param(m.value()).update())))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("holds no connection");
            assertThat(ctx.marks()).isEmpty();
            assertThat(ordersDbClient.sql("select count(*) from orders").query(Long.class).single()).isZero();
        });
    }

    @Test
    void aTransactionTheCallerBeganOnAnotherDataSourcesManagerAppliesAndMarksNothing() {
        DataSourceTransactionManager ordersTransactions = new DataSourceTransactionManager(ordersDb);
        runner.withBean("offsetsTransactions", PlatformTransactionManager.class,
                        () -> new DataSourceTransactionManager(offsetsDb), bd -> bd.setPrimary(true))
                .withBean("ordersTransactions", PlatformTransactionManager.class, () -> ordersTransactions)
                .run(context -> {
                    SpringTransactionalOffsets offsets = context.getBean(SpringTransactionalOffsets.class);
                    JdbcClient ordersDbClient = JdbcClient.create(ordersDb);
                    ordersDbClient.sql("create table orders (id varchar(20))").update();
                    TopicPartition tp = new TopicPartition("orders", 0);
                    TestContext ctx = new TestContext(tp);
                    Batch<String, String> batch = Batch.of(tp, 0, 2, List.of(
                            Message.of("orders", 0, 0, 0L, "a", "a"), Message.of("orders", 0, 1, 0L, "b", "b")));
                    // before the check: Kafka marked at 2 after the orders committed, the offset row left at 0
                    assertThatThrownBy(() -> new TransactionTemplate(ordersTransactions).executeWithoutResult(s ->
                            offsets.consume(ctx, batch, messages -> messages.forEach(m -> ordersDbClient
                                    .sql("insert into orders values (?)").param(m.value()).update()))))
                            .isInstanceOf(IllegalStateException.class).hasMessageContaining("holds no connection");
                    assertThat(ctx.marks()).isEmpty();
                    assertThat(ordersDbClient.sql("select count(*) from orders").query(Long.class).single())
                            .isZero();
                });
    }
}
