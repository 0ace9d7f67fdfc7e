package io.sluice.examples;

import java.util.Map;

/**
 * ANSI colours for the demo's summary line and its errors, used only when they can help: on a terminal
 * ({@link System#console()} is there: standard input and output are not redirected) and when the {@code NO_COLOR}
 * environment variable is absent or empty (see no-color.org). Under Maven, in a pipe or in a file: plain text.
 */
final class Colors {

    /** No colours at all. */
    static final Colors NONE = new Colors(false);

    private static final String GREEN = "\u001b[32m";
    private static final String RED = "\u001b[31m";
    private static final String RESET = "\u001b[0m";

    private final boolean enabled;

    private Colors(boolean enabled) {
        this.enabled = enabled;
    }

    /** The colours for this process: its console and {@code environment}'s {@code NO_COLOR}. */
    static Colors detect(Map<String, String> environment) {
        return of(System.console() != null, environment.get("NO_COLOR"));
    }

    /** Colours when a console is attached and {@code noColor} (the variable's value, or null) is null or empty. */
    static Colors of(boolean console, String noColor) {
        return new Colors(console && (noColor == null || noColor.isEmpty()));
    }

    boolean enabled() {
        return enabled;
    }

    /** {@code text} in green, or as it is. */
    String good(String text) {
        return enabled ? GREEN + text + RESET : text;
    }

    /** {@code text} in red, or as it is. */
    String bad(String text) {
        return enabled ? RED + text + RESET : text;
    }
}
