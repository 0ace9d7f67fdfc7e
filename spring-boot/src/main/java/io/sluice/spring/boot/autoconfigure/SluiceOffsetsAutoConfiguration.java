package io.sluice.spring.boot.autoconfigure;

import io.sluice.filters.PartitionOffsets;
import io.sluice.runtime.RuntimeSettings;
import io.sluice.spring.tx.SpringTransactionalOffsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import javax.sql.DataSource;
import org.jooq.SQLDialect;
import org.jooq.tools.jdbc.JDBCUtils;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * Sluice's offset store on the application's {@code DataSource}: a {@link PartitionOffsets} bean, and, with
 * sluice-spring-tx and a transaction manager, a {@link SpringTransactionalOffsets} bean whose {@code consume} joins
 * the active transaction or, with none, runs the batch in a transaction of its own on the context's transaction
 * manager. Ordered after Boot's DataSource and transaction manager auto-configurations (by class name).
 *
 * <p>The dialect comes from {@code sluice.offsets.dialect} or is detected from a connection at startup; a
 * database the store does not support fails the start with a message naming that property.
 */
@AutoConfiguration(afterName = {"org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration",
        "org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration"})
@ConditionalOnClass({PartitionOffsets.class, DataSource.class})
@ConditionalOnSingleCandidate(DataSource.class)
@ConditionalOnBooleanProperty(name = "sluice.offsets.enabled", matchIfMissing = true)
@EnableConfigurationProperties(SluiceProperties.class)
public class SluiceOffsetsAutoConfiguration {

    private static final Set<SQLDialect> SUPPORTED =
            EnumSet.of(SQLDialect.H2, SQLDialect.POSTGRES, SQLDialect.MARIADB, SQLDialect.MYSQL);

    /** The store on the DataSource, its dialect detected unless {@code sluice.offsets.dialect} names it. */
    @Bean
    @ConditionalOnMissingBean
    public PartitionOffsets sluicePartitionOffsets(DataSource dataSource, SluiceProperties properties,
                                                   ObjectProvider<RuntimeSettings> settings) {
        SluiceProperties.Offsets o = properties.offsets();
        SQLDialect dialect = o.dialect().isBlank() ? detect(dataSource) : named(o.dialect());
        if (!SUPPORTED.contains(dialect)) {
            throw new IllegalStateException("Sluice's offset store does not support the " + dialect + " database "
                    + "of the application's DataSource (supported: H2, POSTGRES, MARIADB; MYSQL untested): set "
                    + "sluice.offsets.dialect to the dialect to use, or sluice.offsets.enabled=false and declare a "
                    + "PartitionOffsets bean yourself");
        }
        PartitionOffsets.Builder builder = PartitionOffsets.builder(dataSource, dialect)
                .tableName(o.tableName())
                .lockTimeout(o.lockTimeout())
                .schemaManagement(schemaManagement(o.schemaManagement()));
        RuntimeSettings s = settings.getIfAvailable();
        if (s != null) {
            builder.expectedConcurrency(s.workerThreads());
        }
        return builder.build();
    }

    private static SQLDialect detect(DataSource dataSource) {
        try (Connection c = dataSource.getConnection()) {
            SQLDialect detected = JDBCUtils.dialect(c);
            return detected.family();
        } catch (SQLException e) {
            throw new IllegalStateException("Sluice could not connect to the application's DataSource to detect "
                    + "its dialect: " + e.getMessage() + " (set sluice.offsets.dialect to skip the detection)", e);
        }
    }

    private static SQLDialect named(String name) {
        try {
            return SQLDialect.valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("sluice.offsets.dialect=" + name + " is no jOOQ SQLDialect; use H2, "
                    + "POSTGRES, MARIADB or MYSQL", e);
        }
    }

    private static PartitionOffsets.SchemaManagement schemaManagement(String value) {
        try {
            return PartitionOffsets.SchemaManagement.valueOf(value.trim().toUpperCase(Locale.ROOT)
                    .replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("sluice.offsets.schema-management=" + value + " is not one of "
                    + "CREATE_IF_MISSING, NONE", e);
        }
    }

    /** Offsets in Spring's transactions, when sluice-spring-tx and one transaction manager are there. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({SpringTransactionalOffsets.class, PlatformTransactionManager.class})
    @ConditionalOnSingleCandidate(PlatformTransactionManager.class)
    static class SpringTransactionsConfiguration {

        @Bean
        @ConditionalOnMissingBean
        SpringTransactionalOffsets sluiceTransactionalOffsets(PartitionOffsets offsets, DataSource dataSource,
                                                              PlatformTransactionManager transactionManager) {
            return SpringTransactionalOffsets.create(offsets, dataSource, transactionManager);
        }
    }
}
