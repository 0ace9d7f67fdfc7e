package io.sluice.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.dsl.Batch;
import io.sluice.dsl.Message;
import io.sluice.filters.PartitionOffsets;
import io.sluice.spring.tx.SpringTransactionalOffsets;
import io.sluice.testing.TestContext;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import javax.sql.DataSource;
import org.apache.kafka.common.TopicPartition;
import org.jooq.SQLDialect;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration;
import org.springframework.jdbc.core.simple.JdbcClient;

/** The offset store on the application's DataSource: its conditions, dialect detection and transactions. */
class SluiceOffsetsAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
                    DataSourceTransactionManagerAutoConfiguration.class, TransactionAutoConfiguration.class,
                    SluiceOffsetsAutoConfiguration.class))
            .withPropertyValues("spring.datasource.url=jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1",
                    "spring.datasource.generate-unique-name=false");

    @Test
    void aStoreOnTheDataSourceWithItsDialectDetected() {
        runner.withPropertyValues("sluice.offsets.table-name=my_offsets", "sluice.offsets.lock-timeout=2s")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    PartitionOffsets offsets = context.getBean(PartitionOffsets.class);
                    assertThat(offsets.dialect()).isEqualTo(SQLDialect.H2);
                    assertThat(offsets.tableName()).isEqualTo("my_offsets");
                    assertThat(offsets.lockTimeout()).hasSeconds(2);
                    assertThat(offsets.schemaManagement()).isEqualTo(PartitionOffsets.SchemaManagement.CREATE_IF_MISSING);
                });
    }

    @Test
    void consumeOutsideATransactionWritesTheRowsAndTheOffsetInOneTransactionOfItsOwn() {
        runner.run(context -> {
            SpringTransactionalOffsets offsets = context.getBean(SpringTransactionalOffsets.class);
            JdbcClient jdbc = JdbcClient.create(context.getBean(DataSource.class));
            jdbc.sql("create table orders (id varchar(20))").update();
            TopicPartition tp = new TopicPartition("orders", 0);
            TestContext ctx = new TestContext(tp);
            Batch<String, String> batch = Batch.of(tp, 0, 2, List.of(
                    Message.of("orders", 0, 0, 0L, "a", "a"), Message.of("orders", 0, 1, 0L, "b", "b")));
            offsets.consume(ctx, batch, messages -> messages.forEach(m ->
                    jdbc.sql("insert into orders values (?)").param(m.value()).update()));
            assertThat(jdbc.sql("select count(*) from orders").query(Long.class).single()).isEqualTo(2);
            assertThat(offsets.offsets().nextOffset(ctx.consumerGroup(), tp)).isEqualTo(OptionalLong.of(2));
            assertThat(ctx.marks()).containsExactly(2L);

            Batch<String, String> failing = Batch.of(tp, 2, 3, List.of(Message.of("orders", 0, 2, 0L, "c", "c")));
            try {
                offsets.consume(ctx, failing, messages -> {
                    jdbc.sql("insert into orders values ('c')").update();
                    throw new IllegalStateException("boom");
                });
            } catch (IllegalStateException expected) {
                assertThat(expected).hasMessage("boom");
            }
            assertThat(jdbc.sql("select count(*) from orders").query(Long.class).single()).isEqualTo(2);
            assertThat(offsets.offsets().nextOffset(ctx.consumerGroup(), tp)).isEqualTo(OptionalLong.of(2));
        });
    }

    @Test
    void noDataSourceNoStore() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(SluiceOffsetsAutoConfiguration.class))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(PartitionOffsets.class)
                        .doesNotHaveBean(SpringTransactionalOffsets.class));
    }

    @Test
    void disabledByProperty() {
        runner.withPropertyValues("sluice.offsets.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(PartitionOffsets.class));
    }

    @Test
    void withoutATransactionManagerOnlyTheStore() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
                        SluiceOffsetsAutoConfiguration.class))
                .withPropertyValues("spring.datasource.url=jdbc:h2:mem:" + UUID.randomUUID())
                .run(context -> assertThat(context).hasSingleBean(PartitionOffsets.class)
                        .doesNotHaveBean(SpringTransactionalOffsets.class));
    }

    @Test
    void withoutSluiceSpringTxOnlyTheStore() {
        runner.withClassLoader(new FilteredClassLoader(SpringTransactionalOffsets.class))
                .run(context -> assertThat(context).hasSingleBean(PartitionOffsets.class)
                        .doesNotHaveBean(SpringTransactionalOffsets.class));
    }

    @Test
    void withoutSluiceFiltersNothing() {
        runner.withClassLoader(new FilteredClassLoader(PartitionOffsets.class))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(PartitionOffsets.class));
    }

    @Test
    void theApplicationsOwnBeansWin() {
        runner.withBean("myOffsets", PartitionOffsets.class,
                        () -> PartitionOffsets.builder(new org.h2.jdbcx.JdbcDataSource(), SQLDialect.H2)
                                .tableName("mine").build())
                .run(context -> {
                    assertThat(context).hasSingleBean(PartitionOffsets.class);
                    assertThat(context.getBean(PartitionOffsets.class).tableName()).isEqualTo("mine");
                    assertThat(context.getBean(SpringTransactionalOffsets.class).offsets().tableName())
                            .isEqualTo("mine");
                });
    }

    @Test
    void aNamedDialectSkipsDetectionAndAnUnsupportedOneFailsNamingTheProperty() {
        runner.withPropertyValues("sluice.offsets.dialect=postgres")
                .run(context -> assertThat(context.getBean(PartitionOffsets.class).dialect())
                        .isEqualTo(SQLDialect.POSTGRES));
        runner.withPropertyValues("sluice.offsets.dialect=SQLITE")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("sluice.offsets.dialect"));
        runner.withPropertyValues("sluice.offsets.dialect=NOSUCH")
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .hasStackTraceContaining("sluice.offsets.dialect=NOSUCH"));
    }

    @Test
    void anUnsupportedDetectedDatabaseFailsStartupNamingTheProperty() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(SluiceOffsetsAutoConfiguration.class))
                .withBean(DataSource.class, () -> derby())
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("DERBY").hasMessageContaining("sluice.offsets.dialect"));
    }

    /** A DataSource whose connections say they are Apache Derby's. */
    private static DataSource derby() {
        DatabaseMetaData meta = (DatabaseMetaData) Proxy.newProxyInstance(
                SluiceOffsetsAutoConfigurationTest.class.getClassLoader(), new Class<?>[] {DatabaseMetaData.class},
                (p, m, a) -> switch (m.getName()) {
                    case "getURL" -> "jdbc:derby:memory:x";
                    case "getDatabaseProductName" -> "Apache Derby";
                    case "getDatabaseMajorVersion" -> 10;
                    case "getDatabaseMinorVersion" -> 16;
                    case "getDatabaseProductVersion" -> "10.16";
                    default -> null;
                });
        Connection connection = (Connection) Proxy.newProxyInstance(
                SluiceOffsetsAutoConfigurationTest.class.getClassLoader(), new Class<?>[] {Connection.class},
                (p, m, a) -> m.getName().equals("getMetaData") ? meta : null);
        return (DataSource) Proxy.newProxyInstance(SluiceOffsetsAutoConfigurationTest.class.getClassLoader(),
                new Class<?>[] {DataSource.class}, (p, m, a) -> m.getName().equals("getConnection") ? connection
                        : m.getName().equals("toString") ? "derby" : null);
    }
}
