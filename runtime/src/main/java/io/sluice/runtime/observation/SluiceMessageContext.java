package io.sluice.runtime.observation;

import io.micrometer.observation.transport.ReceiverContext;
import io.sluice.dsl.Header;
import io.sluice.dsl.Message;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * The context of one {@code sluice.message} observation, made by {@code ConsumerContext.observe(message, work)}: its
 * carrier is the message, so a propagating tracing handler continues the message's trace (its last
 * {@code traceparent} header) as the parent of {@code work}'s span. The job's observation is its parent observation.
 */
public class SluiceMessageContext extends ReceiverContext<Message<?, ?>> {

    /** The context of handling {@code message}. */
    public SluiceMessageContext(Message<?, ?> message) {
        super(SluiceMessageContext::lastHeader);
        setCarrier(Objects.requireNonNull(message, "message"));
        setRemoteServiceName("kafka");
    }

    private static String lastHeader(Message<?, ?> message, String key) {
        List<Header> headers = message.headers();
        for (int i = headers.size() - 1; i >= 0; i--) {
            Header h = headers.get(i);
            if (h.key().equals(key)) {
                return h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    /** The message. */
    public Message<?, ?> message() {
        return getCarrier();
    }
}
