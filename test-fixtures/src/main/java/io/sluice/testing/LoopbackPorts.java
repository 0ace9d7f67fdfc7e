package io.sluice.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** Finds TCP ports on the loopback interface that are free at the time of asking. */
final class LoopbackPorts {

    private LoopbackPorts() {
    }

    /**
     * A port on {@code 127.0.0.1} that was free a moment ago; another process may take it before the caller binds
     * it, so callers retry on a bind failure.
     */
    static int free() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /**
     * Distinct ports on {@code 127.0.0.1} that were free a moment ago. Another process may take one before the
     * caller binds it, so callers retry on a bind failure.
     */
    static int[] free(int count) {
        List<ServerSocket> sockets = new ArrayList<>(count);
        try {
            // all held open together, so the ports differ from each other
            for (int i = 0; i < count; i++) {
                sockets.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
            }
            return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not find free loopback ports", e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // nothing was bound through it that could leak
                }
            }
        }
    }
}
