package io.sluice.web.console;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Operator mode is refused before anything connects when it would be unsafe. */
class SluiceConsoleStartTest {

    private static final Map<String, Object> NO_BROKER = Map.of("bootstrap.servers", "127.0.0.1:1");
    private static final String TOKENS = "ops:" + OperatorTokens.hash("t");

    @Test
    void operatorModeOnANonLoopbackAddressNeedsTlsUnlessInsecureHttpIsChosen() throws Exception {
        ConsoleSettings open = ConsoleSettings.defaults().withAddress(InetAddress.getByName("0.0.0.0"))
                .withOperators(TOKENS, CommandSigner.withKey(new byte[32]));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SluiceConsole.start(NO_BROKER, open));
        assertTrue(e.getMessage().contains("needs TLS") && e.getMessage().contains("--insecure-http"), e.getMessage());
    }

    @Test
    void malformedOperatorTokensAreRefusedNamingTheLine() {
        ConsoleSettings bad = ConsoleSettings.defaults().withOperators("ops:not-a-hash\n",
                CommandSigner.withKey("k".repeat(32).getBytes(StandardCharsets.UTF_8)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SluiceConsole.start(NO_BROKER, bad));
        assertTrue(e.getMessage().contains("line 1"), e.getMessage());
    }
}
