package io.sluice.web.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The static files of the dashboard and the console: one classpath folder, {@code io/sluice/web/assets/}, served
 * under {@code /assets/<token>/<name>} with a year-long immutable cache. A name is looked up only when it is a plain
 * file name of a known type — no slash, no percent sign, no leading dot — so no request can reach outside the
 * folder, encoded or not.
 *
 * <p>The token is the release version; for a snapshot it also carries a short hash of every asset's bytes,
 * computed when the class loads, so two snapshot builds with different assets never share an immutable URL and no
 * build step rewrites anything.
 */
public final class Assets {

    /** Every asset, in a fixed order: the snapshot token hashes exactly these. */
    static final List<String> NAMES = List.of("dashboard.css", "dashboard.js", "favicon.svg", "console.css",
            "console.js");
    private static final String TOKEN = token(SluiceVersion.read());

    static final String FOLDER = "/io/sluice/web/assets/";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]*(\\.[A-Za-z0-9]+)+");
    private static final Map<String, String> TYPES = Map.of(
            "css", "text/css; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "svg", "image/svg+xml",
            "png", "image/png",
            "ico", "image/x-icon");

    private final Map<String, Asset> loaded = new ConcurrentHashMap<>();

    /** One file: its bytes and content type. */
    public record Asset(byte[] bytes, String contentType) {
    }

    /** The version token asset URLs carry. */
    public static String token() {
        return TOKEN;
    }

    /** {@code version}, or for a snapshot {@code version} + "-" + the first 10 hex digits of the assets' SHA-256. */
    static String token(String version) {
        if (!version.endsWith("-SNAPSHOT")) {
            return version;
        }
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (String name : NAMES) {
                try (InputStream in = Assets.class.getResourceAsStream(FOLDER + name)) {
                    if (in == null) {
                        throw new IllegalStateException("the asset " + name + " is missing from the classpath");
                    }
                    digest.update(name.getBytes(StandardCharsets.UTF_8));
                    digest.update(in.readAllBytes());
                }
            }
            return version + "-" + HexFormat.of().formatHex(digest.digest()).substring(0, 10);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the assets", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** The asset {@code name} (as it appears in the raw request path), if it is one. */
    public Optional<Asset> find(String name) {
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
