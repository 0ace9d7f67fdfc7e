package io.sluice.web.console;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link SluiceCommands} takes operator commands. Immutable.
 *
 * @param topics the console's topics (their prefix)
 * @param signer the key the console signs with, shared by the runtimes
 * @param expiry how long a command stays valid after it was issued
 * @param clock  the clock the expiry is judged by
 * @param movableTopics the topics whose offset-managed rows operators may move (rewind or skip); none by default
 */
public record CommandSettings(ConsoleTopics topics, CommandSigner signer, Duration expiry, Clock clock,
                              java.util.Set<String> movableTopics) {

    /** Checks for nulls and a positive expiry. */
    public CommandSettings {
        Objects.requireNonNull(topics, "topics");
        Objects.requireNonNull(signer, "signer");
        Objects.requireNonNull(clock, "clock");
        if (expiry.isNegative() || expiry.isZero()) {
            throw new IllegalArgumentException("the expiry must be positive: " + expiry);
        }
        movableTopics = java.util.Set.copyOf(movableTopics);
    }

    /** Unprefixed topics, commands valid for 60 s, the system clock. */
    public static CommandSettings of(CommandSigner signer) {
        return new CommandSettings(ConsoleTopics.standard(), signer, CommandGate.DEFAULT_EXPIRY, Clock.systemUTC(),
                java.util.Set.of());
    }

    /** A copy with the topics of {@code value}. */
    public CommandSettings withTopics(ConsoleTopics value) {
        return new CommandSettings(value, signer, expiry, clock, movableTopics);
    }

    /** A copy letting operators move the offset-managed rows of {@code topics}. */
    public CommandSettings withMovableTopics(java.util.Set<String> topics) {
        return new CommandSettings(this.topics, signer, expiry, clock, topics);
    }
}
