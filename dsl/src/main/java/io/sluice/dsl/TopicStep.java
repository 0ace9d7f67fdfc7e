package io.sluice.dsl;

import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * A declared topic that still needs its consumer.
 *
 * @param <K> the key type so far
 * @param <V> the value type so far
 */
public interface TopicStep<K, V> {

    /**
     * How keys and values are deserialized; per message, inside the job, so a poison message fails alone.
     * Defaults to byte arrays.
     */
    <K2, V2> TopicStep<K2, V2> deserializers(Deserializer<K2> keyDeserializer, Deserializer<V2> valueDeserializer);

    /**
     * The topic's consumer: {@code factory} is called for a new instance each time a partition is assigned, so
     * a constructor reference such as {@code OrdersConsumer::new} fits.
     */
    TopicBuilder<K, V> consumer(Supplier<? extends Consumer<K, V>> factory);
}
