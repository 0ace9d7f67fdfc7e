package io.sluice.dsl;

import java.util.Optional;
import java.util.regex.Pattern;

/** Kafka's rules for a legal topic name, so {@code build()} fails before the broker would. */
final class TopicNames {

    static final int MAX_LENGTH = 249;
    private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]+");

    private TopicNames() {
    }

    /** Why {@code name} is not a legal topic name, or empty when it is. */
    static Optional<String> problem(String name) {
        if (name == null) {
            return Optional.of("the name is null");
        }
        if (name.isEmpty()) {
            return Optional.of("the name is empty");
        }
        if (name.equals(".") || name.equals("..")) {
            return Optional.of("'" + name + "' is not allowed as a topic name");
        }
        if (name.length() > MAX_LENGTH) {
            return Optional.of("the name is " + name.length() + " characters long; Kafka allows at most " + MAX_LENGTH);
        }
        if (!LEGAL.matcher(name).matches()) {
            return Optional.of("the name may contain only ASCII letters, digits, '.', '_' and '-'");
        }
        return Optional.empty();
    }
}
