package io.sluice.bench;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The harness's own output. Progress goes to standard error, so that standard output carries only the result
 * lines ({@code ratio.<case>=...}) a script can read.
 */
final class Console {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

    private Console() {
    }

    static void progress(String format, Object... args) {
        System.err.println("[bench " + LocalTime.now().format(TIME) + "] " + String.format(Locale.ROOT, format, args));
        System.err.flush();
    }

    static void result(String format, Object... args) {
        System.out.println(String.format(Locale.ROOT, format, args));
        System.out.flush();
    }
}
