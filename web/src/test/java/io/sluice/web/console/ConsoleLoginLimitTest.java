package io.sluice.web.console;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import io.sluice.testing.ManualClock;
import io.sluice.web.internal.Assets;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Failed logins are limited per client, where a client may hold more than one address. */
class ConsoleLoginLimitTest {

    private final ManualClock clock = new ManualClock(Instant.parse("2026-11-30T12:00:00Z"));
    private final ConsoleHandler handler = new ConsoleHandler(new ConsoleHandler.Backend() {
        @Override
        public ConsoleState state() {
            return new ConsoleState(clock, Duration.ofSeconds(30), Duration.ofMinutes(5), 1_000, 10);
        }

        @Override
        public List<History.Point> series(String group, String topic, Duration window) {
            return List.of();
        }

        @Override
        public List<String> topics(String group) {
            return List.of();
        }

        @Override
        public List<Map<String, Object>> results() {
            return List.of();
        }

        @Override
        public void send(OperatorCommand command) {
        }

        @Override
        public List<String> deadLetterTopics() {
            return List.of();
        }

        @Override
        public List<DeadLetterBrowser.Letter> deadLetters(String topic, boolean withPayloads) {
            return List.of();
        }

        @Override
        public DeadLetterBrowser.Replay replay(String topic, int partition, long from, int count, boolean force,
                                               String operator) {
            throw new UnsupportedOperationException();
        }
    }, new Assets(), Optional.of(OperatorTokens.parse("alice:" + OperatorTokens.hash("the token"))),
            ConsoleHandler.allowedHosts(InetAddress.getLoopbackAddress(), Set.of()), false, clock);

    @Test
    void anIpv6ClientCannotMultiplyItsGuessesByRotatingAddressesWithinItsSlash64() throws Exception {
        int refused = 0;
        for (int i = 1; i <= 50; i++) {
            int status = login("2001:db8:1:2::" + Integer.toHexString(i), "guess" + i);
            if (status == 429) {
                refused++;
            }
        }
        assertEquals(45, refused, "5 guesses a minute for the whole /64, one host's usual allocation");
        assertEquals(403, login("2001:db8:1:3::1", "guess"), "another /64 is another client");
        assertEquals(403, login("192.0.2.1", "guess"));
    }

    private int login(String address, String token) throws Exception {
        Exchange exchange = new Exchange(InetAddress.getByName(address), "token=" + token);
        handler.handle(exchange);
        return exchange.status;
    }

    /** Just enough of an exchange for a POST /login from a chosen address. */
    private static final class Exchange extends HttpExchange {
        private final Headers request = new Headers();
        private final Headers response = new Headers();
        private final InetAddress from;
        private InputStream body;
        private OutputStream out = new ByteArrayOutputStream();
        int status;

        Exchange(InetAddress from, String form) {
            this.from = from;
            this.body = new ByteArrayInputStream(form.getBytes(StandardCharsets.UTF_8));
            request.add("Host", "localhost");
        }

        @Override
        public Headers getRequestHeaders() {
            return request;
        }

        @Override
        public Headers getResponseHeaders() {
            return response;
        }

        @Override
        public URI getRequestURI() {
            return URI.create("/login");
        }

        @Override
        public String getRequestMethod() {
            return "POST";
        }

        @Override
        public HttpContext getHttpContext() {
            return null;
        }

        @Override
        public void close() {
        }

        @Override
        public InputStream getRequestBody() {
            return body;
        }

        @Override
        public OutputStream getResponseBody() {
            return out;
        }

        @Override
        public void sendResponseHeaders(int code, long length) {
            status = code;
        }

        @Override
        public InetSocketAddress getRemoteAddress() {
            return new InetSocketAddress(from, 40_000);
        }

        @Override
        public int getResponseCode() {
            return status;
        }

        @Override
        public InetSocketAddress getLocalAddress() {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), 8080);
        }

        @Override
        public String getProtocol() {
            return "HTTP/1.1";
        }

        @Override
        public Object getAttribute(String name) {
            return null;
        }

        @Override
        public void setAttribute(String name, Object value) {
        }

        @Override
        public void setStreams(InputStream i, OutputStream o) {
            body = i;
            out = o;
        }

        @Override
        public HttpPrincipal getPrincipal() {
            return null;
        }
    }
}
