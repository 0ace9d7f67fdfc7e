/**
 * Test fixtures for Sluice: an in-memory Kafka ({@link io.sluice.testing.InMemoryLog}) and a consumer over it
 * ({@link io.sluice.testing.InMemoryConsumer}) that behaves as {@code KafkaConsumer} does in what the runtime
 * relies on (positions, seeks, pauses, gaps, retention, offset reset, committed offsets, rebalances inside
 * {@code poll}, wakeups, thread confinement), so the real runtime can run in a unit test without a broker.
 */
package io.sluice.testing;
