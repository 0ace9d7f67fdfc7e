package io.sluice.runtime.internal;

import java.time.Duration;

/**
 * The pool of transactional producers of one consumer group: a fixed number of slots, each with a stable
 * {@code transactional.id} ({@code <prefix>-<group>-<slot>}), each lent to one job at a time, so each producer has at
 * most one open transaction. A producer given back as broken (fenced, timed out, in an unknown state) is closed and its
 * slot gets a new producer with the same id, whose initialisation aborts whatever the old one left open.
 */
public interface TransactionalProducers extends AutoCloseable {

    /** A free producer, waiting up to {@code timeout}; {@code null} when none became free. */
    TransactionalProducer acquire(Duration timeout) throws InterruptedException;

    /** Gives {@code producer} back; a {@code broken} one is replaced. */
    void release(TransactionalProducer producer, boolean broken);

    /** Closes every producer. */
    @Override
    void close();
}
