package io.sluice.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The dashboard's static files: one classpath folder, {@code io/sluice/web/assets/}, served under
 * {@code /assets/<version>/<name>}. A name is looked up only when it is a plain file name of a known type — no
 * slash, no percent sign, no leading dot — so no request can reach outside the folder, encoded or not.
 */
final class Assets {

    static final String FOLDER = "assets/";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]*(\\.[A-Za-z0-9]+)+");
    private static final Map<String, String> TYPES = Map.of(
            "css", "text/css; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "svg", "image/svg+xml",
            "png", "image/png",
            "ico", "image/x-icon");

    private final Map<String, Asset> loaded = new ConcurrentHashMap<>();

    /** One file: its bytes and content type. */
    record Asset(byte[] bytes, String contentType) {
    }

    /** The asset {@code name} (as it appears in the raw request path), if it is one. */
    Optional<Asset> find(String name) {
        if (!NAME.matcher(name).matches() || name.contains("..")) {
            return Optional.empty();
        }
        String type = TYPES.get(name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT));
        if (type == null) {
            return Optional.empty();
        }
        Asset cached = loaded.get(name);
        if (cached != null) {
            return Optional.of(cached);
        }
        try (InputStream in = Assets.class.getResourceAsStream(FOLDER + name)) {
            if (in == null) {
                return Optional.empty();
            }
            Asset asset = new Asset(in.readAllBytes(), type);
            loaded.put(name, asset);
            return Optional.of(asset);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read asset " + name, e);
        }
    }
}
