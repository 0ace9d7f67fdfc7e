package io.sluice.web.console;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * What a runtime puts between the commands topic and its partitions: a record becomes a command only when it is
 * signed under the shared key ({@link CommandSigner}), was issued within the expiry (default 60 seconds, either
 * way, so a clock running ahead does not make a command live longer) and carries an id not seen before. Ids are
 * remembered for the expiry, after which a replay is rejected as expired anyway, so memory stays bounded.
 * Not thread-safe: one thread reads the topic.
 */
public final class CommandGate {

    /** How long a command stays valid by default. */
    public static final Duration DEFAULT_EXPIRY = Duration.ofSeconds(60);

    private final CommandSigner signer;
    private final Clock clock;
    private final Duration expiry;
    private final Map<UUID, Instant> seen = new HashMap<>();

    /** A gate opening records signed by {@code signer}'s key, valid for {@code expiry} by {@code clock}. */
    public CommandGate(CommandSigner signer, Clock clock, Duration expiry) {
        this.signer = Objects.requireNonNull(signer, "signer");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (expiry.isNegative() || expiry.isZero()) {
            throw new IllegalArgumentException("the expiry must be positive: " + expiry);
        }
        this.expiry = expiry;
    }

    /**
     * The command in {@code record}, once.
     *
     * @throws CommandRejectedException when it is malformed, unsigned, badly signed, expired or replayed
     */
    public OperatorCommand admit(String record) {
        OperatorCommand command = signer.open(record);
        Instant now = clock.instant();
        forget(now);
        Duration age = Duration.between(command.issuedAt(), now);
        if (age.abs().compareTo(expiry) > 0) {
            throw new CommandRejectedException(CommandRejectedException.Reason.EXPIRED, "command " + command.id()
                    + " was issued at " + command.issuedAt() + ", " + age.abs().toSeconds()
                    + " s from now, beyond the expiry of " + expiry.toSeconds() + " s");
        }
        if (seen.putIfAbsent(command.id(), command.issuedAt()) != null) {
            throw new CommandRejectedException(CommandRejectedException.Reason.REPLAYED, "command " + command.id()
                    + " was already seen");
        }
        return command;
    }

    private void forget(Instant now) {
        for (Iterator<Instant> it = seen.values().iterator(); it.hasNext(); ) {
            if (Duration.between(it.next(), now).compareTo(expiry) > 0) {
                it.remove();
            }
        }
    }
}
