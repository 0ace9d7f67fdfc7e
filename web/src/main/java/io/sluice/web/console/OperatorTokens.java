package io.sluice.web.console;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The operators who may act, from a file of {@code name:sha256-hex} lines (blank lines and {@code #} comments
 * ignored): the console stores no token, only its hash, and names the operator in every audit line. A token is
 * compared with every entry in constant time.
 */
final class OperatorTokens {

    private record Entry(String name, byte[] hash) {
    }

    private final List<Entry> entries;

    private OperatorTokens(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /**
     * Parses the lines of a tokens file.
     *
     * @throws IllegalArgumentException naming the line that is not {@code name:64 hex digits}, or when there is no
     *                                  entry
     */
    static OperatorTokens parse(String text) {
        List<String> lines = text.lines().toList();
        String file = "the operator tokens";
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.lastIndexOf(':');
            String name = colon < 0 ? "" : line.substring(0, colon).strip();
            String hex = colon < 0 ? "" : line.substring(colon + 1).strip();
            if (name.isEmpty() || !hex.matches("[0-9a-fA-F]{64}")) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + " is not name:sha256-hex (64 hex"
                        + " digits of the token's SHA-256)");
            }
            entries.add(new Entry(name, HexFormat.of().parseHex(hex.toLowerCase(java.util.Locale.ROOT))));
        }
        if (entries.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no operator token");
        }
        return new OperatorTokens(entries);
    }

    /** The operator whose token this is. */
    Optional<String> operator(String token) {
        byte[] hash = sha256(token);
        String found = null;
        for (Entry e : entries) {
            if (MessageDigest.isEqual(e.hash(), hash) && found == null) {
                found = e.name();
            }
        }
        return Optional.ofNullable(found);
    }

    /** The hex SHA-256 of {@code token}, as a tokens file holds it. */
    static String hash(String token) {
        return HexFormat.of().formatHex(sha256(token));
    }

    private static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
