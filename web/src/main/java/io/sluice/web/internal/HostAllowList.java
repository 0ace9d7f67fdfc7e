package io.sluice.web.internal;

import java.net.InetAddress;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The host names a Sluice web server answers for: the loopback names, the literal of the address it is bound to
 * (unless that is the wildcard) and any public names it is given. A browser always sends the name it resolved in
 * {@code Host}, so a page on another site that re-binds its own name to this server's address (DNS rebinding) is
 * refused. Names are compared without case and without the port.
 */
public final class HostAllowList {

    private final Set<String> names;

    private HostAllowList(Set<String> names) {
        this.names = Set.copyOf(names);
    }

    /** The names a server bound to {@code address} accepts, with {@code publicHosts} besides. */
    public static HostAllowList of(InetAddress address, Set<String> publicHosts) {
        Set<String> hosts = new HashSet<>(Set.of("localhost", "127.0.0.1", "[::1]"));
        if (!address.isAnyLocalAddress()) {
            String literal = address.getHostAddress();
            hosts.add(literal.contains(":") ? "[" + literal + "]" : literal);
        }
        publicHosts.forEach(h -> hosts.add(h.toLowerCase(Locale.ROOT)));
        return new HostAllowList(hosts);
    }

    /** The accepted names, lower case, without ports. */
    public Set<String> names() {
        return names;
    }

    /** Whether a request with this {@code Host} header (with or without a port) is answered; {@code null}: no. */
    public boolean allows(String host) {
        if (host == null) {
            return false;
        }
        String name = host.toLowerCase(Locale.ROOT);
        int colon = name.lastIndexOf(':');
        if (colon > name.lastIndexOf(']')) {
            name = name.substring(0, colon);
        }
        return names.contains(name);
    }
}
