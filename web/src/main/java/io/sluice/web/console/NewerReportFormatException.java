package io.sluice.web.console;

/**
 * A report written in a newer major format than this console reads: the console must be upgraded. Reports of a
 * newer minor format are read, their unknown fields ignored.
 */
public final class NewerReportFormatException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    NewerReportFormatException(String message) {
        super(message);
    }
}
