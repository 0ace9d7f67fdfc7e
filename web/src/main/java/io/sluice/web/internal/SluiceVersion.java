package io.sluice.web.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Sluice's own version, from the {@code version.properties} the build filters (a jar manifest is absent when the
 * classes run from {@code target/classes}, as under Surefire). It names the asset URLs, so it must be URL-safe.
 */
public final class SluiceVersion {

    private static final String RESOURCE = "version.properties";
    private static final Pattern URL_SAFE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]*");

    private SluiceVersion() {
    }

    /**
     * The version.
     *
     * @throws IllegalStateException when the resource is missing, unfiltered or not URL-safe (a broken build)
     */
    public static String read() {
        Properties p = new Properties();
        try (InputStream in = SluiceVersion.class.getResourceAsStream("/io/sluice/web/" + RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("io/sluice/web/" + RESOURCE + " is missing from the classpath");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read io/sluice/web/" + RESOURCE, e);
        }
        String version = p.getProperty("version", "").trim();
        if (!URL_SAFE.matcher(version).matches()) {
            throw new IllegalStateException("io/sluice/web/" + RESOURCE + " holds no usable version ('" + version
                    + "'): was it filtered by the build?");
        }
        return version;
    }
}
