package io.sluice.web.console;

import io.sluice.web.internal.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs operator commands with HMAC-SHA256 and reads signed ones back. The console and the runtimes share the key
 * (from a file or an environment variable, never the command line); the commands topic is the trust boundary, so a
 * record without a valid signature is never turned into a command, whoever could write to the topic.
 *
 * <p>A signed record is {@code {"command": "<the command's JSON>", "signature": "<base64 HMAC of those bytes>"}}: the
 * signature covers the exact text, so no canonical form is needed. The key must have at least 32 bytes.
 */
public final class CommandSigner {

    /** The shortest key accepted, in bytes. */
    public static final int MIN_KEY_BYTES = 32;
    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKeySpec key;

    private CommandSigner(byte[] key) {
        if (key.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException("the command signing key has " + key.length + " bytes; it needs at least "
                    + MIN_KEY_BYTES);
        }
        this.key = new SecretKeySpec(key.clone(), ALGORITHM);
    }

    /**
     * A signer with {@code key}.
     *
     * @throws IllegalArgumentException when the key is shorter than {@link #MIN_KEY_BYTES}
     */
    public static CommandSigner withKey(byte[] key) {
        return new CommandSigner(key);
    }

    /**
     * A signer with the key in {@code file}: its text, without surrounding white space, as UTF-8 bytes.
     *
     * @throws UncheckedIOException     when the file cannot be read
     * @throws IllegalArgumentException when the key is too short
     */
    public static CommandSigner fromFile(Path file) {
        try {
            return new CommandSigner(Files.readString(file, StandardCharsets.UTF_8).strip()
                    .getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the command signing key from " + file, e);
        }
    }

    /**
     * A signer with the key in the environment variable {@code name}.
     *
     * @throws IllegalArgumentException when the variable is unset or too short
     */
    public static CommandSigner fromEnvironment(String name) {
        String value = System.getenv(name);
        if (value == null) {
            throw new IllegalArgumentException("the environment variable " + name + " holding the command signing key"
                    + " is not set");
        }
        return new CommandSigner(value.strip().getBytes(StandardCharsets.UTF_8));
    }

    /** The signed record of {@code command}. */
    public String sign(OperatorCommand command) {
        String text = Json.write(fields(command));
        Map<String, Object> envelope = new LinkedHashMap<>();
        envelope.put("command", text);
        envelope.put("signature", Base64.getEncoder().encodeToString(mac(text)));
        return Json.write(envelope);
    }

    /**
     * The command in a signed record.
     *
     * @throws CommandRejectedException {@code UNSIGNED} without a signature, {@code BAD_SIGNATURE} when it does not
     *                                  match, {@code MALFORMED} when the signed text is not a command
     */
    public OperatorCommand open(String record) {
        Object parsed;
        try {
            parsed = Json.read(record);
        } catch (IllegalArgumentException e) {
            throw new CommandRejectedException(CommandRejectedException.Reason.MALFORMED, e.getMessage());
        }
        if (!(parsed instanceof Map<?, ?> envelope) || !(envelope.get("command") instanceof String text)) {
            throw new CommandRejectedException(CommandRejectedException.Reason.MALFORMED, "no command in the record");
        }
        if (!(envelope.get("signature") instanceof String signature) || signature.isEmpty()) {
            throw new CommandRejectedException(CommandRejectedException.Reason.UNSIGNED, "the command is not signed");
        }
        byte[] given;
        try {
            given = Base64.getDecoder().decode(signature);
        } catch (IllegalArgumentException e) {
            throw new CommandRejectedException(CommandRejectedException.Reason.BAD_SIGNATURE, "the signature is not"
                    + " base64");
        }
        if (!MessageDigest.isEqual(mac(text), given)) {
            throw new CommandRejectedException(CommandRejectedException.Reason.BAD_SIGNATURE,
                    "the signature does not match");
        }
        try {
            return command(Json.read(text));
        } catch (RuntimeException e) {
            throw new CommandRejectedException(CommandRejectedException.Reason.MALFORMED, e.getMessage());
        }
    }

    private byte[] mac(String text) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(ALGORITHM + " is part of every JDK", e);
        }
    }

    private static Map<String, Object> fields(OperatorCommand command) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("kind", command instanceof OperatorCommand.Pause ? "pause"
                : command instanceof OperatorCommand.Resume ? "resume" : "move");
        map.put("id", command.id().toString());
        map.put("issuedAt", command.issuedAt().toEpochMilli());
        map.put("issuer", command.issuer());
        map.put("group", command.group());
        map.put("topic", command.topic());
        map.put("partition", command.partition());
        if (command instanceof OperatorCommand.MoveOffset move) {
            map.put("expected", move.expected());
            map.put("target", move.target());
        }
        return map;
    }

    private static OperatorCommand command(Object parsed) {
        if (!(parsed instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("a command is a JSON object");
        }
        UUID id = UUID.fromString((String) m.get("id"));
        Instant issuedAt = Instant.ofEpochMilli((Long) m.get("issuedAt"));
        String issuer = (String) m.get("issuer");
        String group = (String) m.get("group");
        String topic = (String) m.get("topic");
        int partition = Math.toIntExact((Long) m.get("partition"));
        Object kind = m.get("kind");
        if ("pause".equals(kind)) {
            return new OperatorCommand.Pause(id, issuedAt, issuer, group, topic, partition);
        } else if ("resume".equals(kind)) {
            return new OperatorCommand.Resume(id, issuedAt, issuer, group, topic, partition);
        } else if ("move".equals(kind)) {
            return new OperatorCommand.MoveOffset(id, issuedAt, issuer, group, topic, partition,
                    (Long) m.get("expected"), (Long) m.get("target"));
        }
        throw new IllegalArgumentException("unknown command kind " + kind);
    }
}
