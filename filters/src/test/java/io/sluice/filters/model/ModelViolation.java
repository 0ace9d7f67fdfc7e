package io.sluice.filters.model;

/**
 * A property of the model that did not hold. {@link #property()} names which one (for the shrinker, which keeps a
 * smaller schedule only when the same property fails); the message says what was seen.
 */
final class ModelViolation extends AssertionError {

    private static final long serialVersionUID = 1L;

    private final String property;

    ModelViolation(String property, String detail) {
        super(property + ": " + detail);
        this.property = property;
    }

    /** Which property failed, e.g. {@code "safety: applied twice"}; stable across schedules. */
    String property() {
        return property;
    }
}
