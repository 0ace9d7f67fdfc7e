/**
 * Sluice's transactional offsets inside a transaction that Spring manages: {@link
 * io.sluice.spring.tx.SpringTransactionalOffsets} joins the offset store to the transaction Spring's
 * {@code DataSourceTransactionManager}, {@code JpaTransactionManager}, {@code TransactionTemplate} or
 * {@code @Transactional} began, so that the work done with {@code JdbcTemplate}, {@code JdbcClient} or JPA and the
 * partition's stored offset commit together, and Kafka is marked only after that commit. Spring itself is the
 * application's dependency ({@code spring-tx} and {@code spring-jdbc}, Framework 7.0).
 */
package io.sluice.spring.tx;
