package io.sluice.spring.boot.autoconfigure;

import io.sluice.runtime.ConsumerListener;
import java.util.List;
import org.apache.kafka.clients.consumer.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Every {@link ConsumerListener} bean, in order; one that throws does not keep the others from being told. */
final class ConsumerListeners implements ConsumerListener {

    private static final Logger LOG = LoggerFactory.getLogger(ConsumerListeners.class);

    private final List<ConsumerListener> listeners;

    ConsumerListeners(List<ConsumerListener> listeners) {
        this.listeners = List.copyOf(listeners);
    }

    @Override
    public void consumerAdded(String instance, Consumer<?, ?> consumer) {
        for (ConsumerListener l : listeners) {
            try {
                l.consumerAdded(instance, consumer);
            } catch (RuntimeException e) {
                LOG.warn("consumer listener {} failed on the creation of {}: {}", l, instance, e.toString());
            }
        }
    }

    @Override
    public void consumerRemoved(String instance, Consumer<?, ?> consumer) {
        for (ConsumerListener l : listeners) {
            try {
                l.consumerRemoved(instance, consumer);
            } catch (RuntimeException e) {
                LOG.warn("consumer listener {} failed on the close of {}: {}", l, instance, e.toString());
            }
        }
    }

    @Override
    public String toString() {
        return "ConsumerListeners" + listeners;
    }
}
