package io.sluice.dsl;

/**
 * The entry point of the DSL.
 *
 * <pre>{@code
 * Topology topology = Sluice.topology()
 *     .topic("orders").consumer(OrdersConsumer::new)
 *         .filter(OffsetManager.using(offsets))
 *     .build();
 * }</pre>
 */
public final class Sluice {

    private Sluice() {
    }

    /** A new, empty topology declaration. */
    public static TopologyBuilder topology() {
        return new TopologyDeclaration();
    }
}
