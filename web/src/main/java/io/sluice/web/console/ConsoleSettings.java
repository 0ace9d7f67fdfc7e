package io.sluice.web.console;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLContext;

/**
 * How a {@link SluiceConsole} serves. Immutable; start from {@link #defaults()}.
 *
 * @param address         the address to bind; loopback by default
 * @param port            the port, 0 for a free one
 * @param topics          the console's topics (their prefix)
 * @param ttl             a process silent this long is gone, and a gone process is listed this much longer
 * @param stuckAfter      a partition with lag whose marked offset has not moved this long is stuck
 * @param driftAmberAbove a positive drift above this many offsets shows amber (a negative drift is always red)
 * @param maxErrors       how many error reports are kept
 * @param operatorTokens  the operator tokens, {@code name:sha256-hex} a line (the text of a tokens file); empty:
 *                        read-only
 * @param commandSigner   the key commands are signed with; required with operator tokens
 * @param publicHosts     host names, besides the loopback ones, that requests may name in {@code Host}
 * @param tls             serve HTTPS with this context; operator mode on a non-loopback address requires it
 * @param insecureHttp    allow operator mode over plain HTTP on a non-loopback address (warned at every start)
 * @param clock           the console's clock
 */
public record ConsoleSettings(InetAddress address, int port, ConsoleTopics topics, Duration ttl,
                              Duration stuckAfter, long driftAmberAbove, int maxErrors,
                              Optional<String> operatorTokens, Optional<CommandSigner> commandSigner,
                              Set<String> publicHosts, Optional<SSLContext> tls, boolean insecureHttp,
                              Clock clock) {

    /** Validates every field. */
    public ConsoleSettings {
        Objects.requireNonNull(address, "address");
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be within 0..65535, was " + port);
        }
        Objects.requireNonNull(topics, "topics");
        if (ttl.toMillis() < 100) {
            throw new IllegalArgumentException("the TTL must be at least 100 ms, was " + ttl);
        }
        Objects.requireNonNull(stuckAfter, "stuckAfter");
        if (maxErrors < 1) {
            throw new IllegalArgumentException("maxErrors must be at least 1, was " + maxErrors);
        }
        Objects.requireNonNull(operatorTokens, "operatorTokens");
        Objects.requireNonNull(commandSigner, "commandSigner");
        publicHosts = Set.copyOf(publicHosts);
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(clock, "clock");
    }

    /**
     * 127.0.0.1 on a free port, unprefixed topics, a TTL of 30 s, stuck after 5 minutes, amber above 1,000, 1,000
     * errors kept, read-only, plain HTTP, the system clock.
     */
    public static ConsoleSettings defaults() {
        return new ConsoleSettings(InetAddress.getLoopbackAddress(), 0, ConsoleTopics.standard(),
                Duration.ofSeconds(30), Duration.ofMinutes(5), 1_000, 1_000, Optional.empty(), Optional.empty(),
                Set.of(), Optional.empty(), false, Clock.systemUTC());
    }

    /** A copy bound to {@code value}. */
    public ConsoleSettings withAddress(InetAddress value) {
        return new ConsoleSettings(value, port, topics, ttl, stuckAfter, driftAmberAbove, maxErrors, operatorTokens,
                commandSigner, publicHosts, tls, insecureHttp, clock);
    }

    /** A copy on port {@code value}. */
    public ConsoleSettings withPort(int value) {
        return new ConsoleSettings(address, value, topics, ttl, stuckAfter, driftAmberAbove, maxErrors,
                operatorTokens, commandSigner, publicHosts, tls, insecureHttp, clock);
    }

    /** A copy reading the topics of {@code value}. */
    public ConsoleSettings withTopics(ConsoleTopics value) {
        return new ConsoleSettings(address, port, value, ttl, stuckAfter, driftAmberAbove, maxErrors,
                operatorTokens, commandSigner, publicHosts, tls, insecureHttp, clock);
    }

    /** A copy with the TTL {@code value}. */
    public ConsoleSettings withTtl(Duration value) {
        return new ConsoleSettings(address, port, topics, value, stuckAfter, driftAmberAbove, maxErrors,
                operatorTokens, commandSigner, publicHosts, tls, insecureHttp, clock);
    }

    /** A copy calling a partition stuck after {@code value} without progress. */
    public ConsoleSettings withStuckAfter(Duration value) {
        return new ConsoleSettings(address, port, topics, ttl, value, driftAmberAbove, maxErrors, operatorTokens,
                commandSigner, publicHosts, tls, insecureHttp, clock);
    }

    /**
     * A copy in operator mode: tokens read now from {@code file}, commands signed by {@code signer}.
     *
     * @throws UncheckedIOException when the file cannot be read
     */
    public ConsoleSettings withOperators(Path file, CommandSigner signer) {
        try {
            return withOperators(Files.readString(file, StandardCharsets.UTF_8), signer);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the operator tokens file " + file, e);
        }
    }

    /** A copy in operator mode: {@code tokens} are {@code name:sha256-hex} lines; commands signed by {@code signer}. */
    public ConsoleSettings withOperators(String tokens, CommandSigner signer) {
        return new ConsoleSettings(address, port, topics, ttl, stuckAfter, driftAmberAbove, maxErrors,
                Optional.of(tokens), Optional.of(signer), publicHosts, tls, insecureHttp, clock);
    }

    /** A copy accepting requests for the host names {@code value} too. */
    public ConsoleSettings withPublicHosts(Set<String> value) {
        return new ConsoleSettings(address, port, topics, ttl, stuckAfter, driftAmberAbove, maxErrors,
                operatorTokens, commandSigner, value, tls, insecureHttp, clock);
    }

    /** A copy serving HTTPS with {@code value}. */
    public ConsoleSettings withTls(SSLContext value) {
        return new ConsoleSettings(address, port, topics, ttl, stuckAfter, driftAmberAbove, maxErrors,
                operatorTokens, commandSigner, publicHosts, Optional.of(value), insecureHttp, clock);
    }

    /** A copy allowing operator mode over plain HTTP on a non-loopback address. */
    public ConsoleSettings withInsecureHttp(boolean value) {
        return new ConsoleSettings(address, port, topics, ttl, stuckAfter, driftAmberAbove, maxErrors,
                operatorTokens, commandSigner, publicHosts, tls, value, clock);
    }

    /** A copy with {@code value} as the clock. */
    public ConsoleSettings withClock(Clock value) {
        return new ConsoleSettings(address, port, topics, ttl, stuckAfter, driftAmberAbove, maxErrors,
                operatorTokens, commandSigner, publicHosts, tls, insecureHttp, value);
    }
}
