package io.sluice.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * README code that is compiled and run: each block after a {@code <!-- included from <file>, region <name> -->}
 * comment must equal the file's lines between {@code // README-BEGIN <name>} and {@code // README-END <name>},
 * with their common indentation removed. This test fails when one changes without the other.
 */
class ReadmeSnippetsTest {

    private static final Path ROOT = Path.of("..");

    @Test
    void theFirstConsumerInTheReadmeIsTheCompiledOne() throws IOException {
        String source = "examples/src/test/java/io/sluice/examples/FirstConsumerTest.java";
        String region = region(ROOT.resolve(source), "first-consumer");
        String block = readmeBlock("<!-- included from " + source + ", region first-consumer -->");

        assertTrue(region.contains("TestDriver"), "the region was not found");
        assertEquals(region, block, "README.md's block differs from " + source + "'s region first-consumer: copy the"
                + " region (without its indentation) into README.md");
    }

    @Test
    void theProofKitLinesInTheReadmeAreTheTestedOnes() throws IOException {
        for (String[] snippet : new String[][] {
                {"filters/src/test/java/io/sluice/filters/OrdersProofTopology.java", "proof-topology"},
                {"filters/src/test/java/io/sluice/filters/ProofKitIT.java", "proof-kit"}}) {
            String region = region(ROOT.resolve(snippet[0]), snippet[1]);
            String block = readmeBlock("<!-- included from " + snippet[0] + ", region " + snippet[1] + " -->");
            assertTrue(region.contains("Proof"), "the region was not found");
            assertEquals(region, block, "README.md's block differs from " + snippet[0] + "'s region " + snippet[1]
                    + ": copy the region (without its indentation) into README.md");
        }
    }

    @Test
    void theRoutingExampleInTheReadmeIsTheCompiledOne() throws IOException {
        String source = "examples/src/test/java/io/sluice/examples/RoutingSnippetTest.java";
        String region = region(ROOT.resolve(source), "routing");
        String block = readmeBlock("<!-- included from " + source + ", region routing -->");

        assertTrue(region.contains("subscriptionGroup"), "the region was not found");
        assertEquals(region, block, "README.md's block differs from " + source + "'s region routing: copy the"
                + " region (without its indentation) into README.md");
    }

    @Test
    void theKafkaTransactionsExampleInTheReadmeIsTheCompiledOne() throws IOException {
        String source = "examples/src/test/java/io/sluice/examples/KafkaTransactionsSnippetTest.java";
        String region = region(ROOT.resolve(source), "kafka-transactions");
        String block = readmeBlock("<!-- included from " + source + ", region kafka-transactions -->");

        assertTrue(region.contains("kafkaTransactions()"), "the region was not found");
        assertEquals(region, block, "README.md's block differs from " + source + "'s region kafka-transactions: copy"
                + " the region (without its indentation) into README.md");
    }

    /** The lines between the markers, without their common indentation. */
    static String region(Path file, String name) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        int begin = indexOf(lines, "// README-BEGIN " + name, 0, file);
        int end = indexOf(lines, "// README-END " + name, begin, file);
        List<String> body = lines.subList(begin + 1, end);
        int indent = body.stream().filter(l -> !l.isBlank())
                .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        StringBuilder text = new StringBuilder();
        for (String l : body) {
            text.append(l.isBlank() ? "" : l.substring(indent)).append('\n');
        }
        return text.toString();
    }

    /** The fenced code block that follows the marker line in README.md, without its fences. */
    static String readmeBlock(String marker) throws IOException {
        Path readme = ROOT.resolve("README.md");
        List<String> lines = Files.readAllLines(readme, StandardCharsets.UTF_8);
        int at = indexOf(lines, marker, 0, readme);
        int open = at + 1;
        assertTrue(open < lines.size() && lines.get(open).startsWith("```"), "no code block right after " + marker);
        int close = indexOf(lines, "```", open + 1, readme);
        StringBuilder text = new StringBuilder();
        for (String l : lines.subList(open + 1, close)) {
            text.append(l).append('\n');
        }
        return text.toString();
    }

    private static int indexOf(List<String> lines, String line, int from, Path file) {
        for (int i = from; i < lines.size(); i++) {
            if (lines.get(i).strip().equals(line)) {
                return i;
            }
        }
        throw new AssertionError("'" + line + "' not found in " + file);
    }
}
