package io.sluice.web.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandGateTest {

    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    private static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");

    private final ManualClock clock = new ManualClock(NOW);
    private final CommandSigner signer = CommandSigner.withKey(KEY);
    private final CommandGate gate = new CommandGate(signer, clock, CommandGate.DEFAULT_EXPIRY);

    private static OperatorCommand.MoveOffset move(Instant at) {
        return new OperatorCommand.MoveOffset(UUID.randomUUID(), at, "alice", "orders", "orders", 3, 120, 100);
    }

    @Test
    void aSignedFreshCommandIsAdmittedOnceAndEveryKindRoundTrips() {
        OperatorCommand.MoveOffset move = move(NOW.minusSeconds(59));
        String record = signer.sign(move);
        assertEquals(move, gate.admit(record));
        assertEquals(CommandRejectedException.Reason.REPLAYED, reject(record));
        OperatorCommand pause = new OperatorCommand.Pause(UUID.randomUUID(), NOW, "bob", "g", "t", 0);
        OperatorCommand resume = new OperatorCommand.Resume(UUID.randomUUID(), NOW, "bob", "g", "t", 0);
        assertEquals(pause, gate.admit(signer.sign(pause)));
        assertEquals(resume, gate.admit(signer.sign(resume)));
    }

    @Test
    void unsignedForgedAndTamperedRecordsAreRejected() {
        String record = signer.sign(move(NOW));
        assertEquals(CommandRejectedException.Reason.UNSIGNED,
                reject(record.replaceAll(",\"signature\":\"[^\"]*\"", "")));
        assertEquals(CommandRejectedException.Reason.UNSIGNED,
                reject(record.replaceAll("\"signature\":\"[^\"]*\"", "\"signature\":\"\"")));
        // the same command signed under another key
        byte[] other = KEY.clone();
        other[0] ^= 1;
        assertEquals(CommandRejectedException.Reason.BAD_SIGNATURE,
                reject(CommandSigner.withKey(other).sign(move(NOW))));
        // a tampered target under the original signature
        assertEquals(CommandRejectedException.Reason.BAD_SIGNATURE, reject(record.replace("\\\"target\\\":100",
                "\\\"target\\\":0")));
        assertTrue(record.contains("\\\"target\\\":100"), record);
        assertEquals(CommandRejectedException.Reason.BAD_SIGNATURE,
                reject(record.replaceAll("\"signature\":\"[^\"]*\"", "\"signature\":\"%%%\"")));
        assertEquals(CommandRejectedException.Reason.MALFORMED, reject("not json"));
        assertEquals(CommandRejectedException.Reason.MALFORMED, reject("{\"signature\":\"x\"}"));
        String garbage = "{\"kind\":\"explode\"}";
        String signedGarbage = "{\"command\":" + io.sluice.web.internal.Json.write(garbage) + ",\"signature\":\""
                + Base64.getEncoder().encodeToString(hmac(garbage)) + "\"}";
        assertEquals(CommandRejectedException.Reason.MALFORMED, reject(signedGarbage));
    }

    @Test
    void aCommandOlderOrNewerThanTheExpiryIsRejectedAsExpired() {
        assertEquals(CommandRejectedException.Reason.EXPIRED, reject(signer.sign(move(NOW.minusSeconds(61)))));
        assertEquals(CommandRejectedException.Reason.EXPIRED, reject(signer.sign(move(NOW.plusSeconds(61)))));
        // a replay after the id was forgotten is still refused: by then it has expired
        String record = signer.sign(move(NOW));
        gate.admit(record);
        clock.advance(Duration.ofSeconds(61));
        assertEquals(CommandRejectedException.Reason.EXPIRED, reject(record));
    }

    @Test
    void shortKeysAndMissingKeysAreRefusedClearly(@TempDir Path dir) throws Exception {
        IllegalArgumentException shortKey = assertThrows(IllegalArgumentException.class,
                () -> CommandSigner.withKey(new byte[31]));
        assertTrue(shortKey.getMessage().contains("at least 32"), shortKey.getMessage());
        Path file = dir.resolve("key");
        Files.writeString(file, new String(KEY, StandardCharsets.UTF_8) + "\n");
        OperatorCommand move = move(NOW);
        assertEquals(move, gate.admit(CommandSigner.fromFile(file).sign(move)), "the file's key, trailing newline"
                + " stripped, is the same key");
        IllegalArgumentException unset = assertThrows(IllegalArgumentException.class,
                () -> CommandSigner.fromEnvironment("SLUICE_TEST_NO_SUCH_VARIABLE"));
        assertTrue(unset.getMessage().contains("SLUICE_TEST_NO_SUCH_VARIABLE"), unset.getMessage());
    }

    private CommandRejectedException.Reason reject(String record) {
        return assertThrows(CommandRejectedException.class, () -> gate.admit(record)).reason();
    }

    private static byte[] hmac(String text) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(KEY, "HmacSHA256"));
            return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }
}
