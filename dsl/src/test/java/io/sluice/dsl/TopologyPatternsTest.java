package io.sluice.dsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Topic patterns: routing, the single subscription pattern, and build()'s checks. */
class TopologyPatternsTest {

    private static final Consumer<byte[], byte[]> A = (batch, ctx) -> { };
    private static final Consumer<byte[], byte[]> B = (batch, ctx) -> { };
    private static final Consumer<byte[], byte[]> C = (batch, ctx) -> { };

    @Test
    void anExplicitDeclarationWinsThenTheFirstMatchingPatternInDeclarationOrder() {
        Topology topology = Sluice.topology()
                .topics(Pattern.compile("orders\\..*")).consumer(() -> A)
                .topic("orders.vip").consumer(() -> B)
                .topics(Pattern.compile("orders\\.e.*")).consumer(() -> C)
                .build();

        assertEquals(A, topology.topic("orders.eu").orElseThrow().newConsumer(), "the first matching pattern");
        assertEquals(B, topology.topic("orders.vip").orElseThrow().newConsumer(), "the explicit declaration");
        assertEquals(A, topology.topic("orders.us").orElseThrow().newConsumer());
        assertEquals(Optional.empty(), topology.topic("payments"));
        assertEquals(Optional.empty(), topology.topic("orders"), "a pattern matches the whole name");
        assertEquals(2, topology.covering("orders.eu").size());
        assertEquals(List.of("orders.vip"), List.copyOf(topology.topicNames()));
    }

    @Test
    void namesAndPatternsBecomeOneSubscriptionPattern() {
        Topology topology = Sluice.topology()
                .topic("orders.vip").consumer(() -> B)
                .topics(Pattern.compile("orders\\.eu-[0-9]+")).consumer(() -> A)
                .topic("payments").consumer(() -> C)
                .build();
        Subscription s = topology.subscriptions().get(0);
        assertEquals(List.of("orders.vip", "payments"), s.topics());
        assertEquals(List.of("orders\\.eu-[0-9]+"), s.patterns());
        String joined = s.subscriptionPattern().orElseThrow();
        assertEquals("(?:orders\\.vip)|(?:payments)|(?:orders\\.eu-[0-9]+)", joined);
        Pattern p = Pattern.compile(joined);
        for (String topic : List.of("orders.vip", "payments", "orders.eu-1")) {
            assertTrue(p.matcher(topic).matches(), topic);
        }
        for (String topic : List.of("ordersXvip", "payments.dlq", "orders.eu-x")) {
            assertTrue(!p.matcher(topic).matches(), topic);
        }
        Topology names = Sluice.topology().topic("a").consumer(() -> A).build();
        assertEquals(Optional.empty(), names.subscriptions().get(0).subscriptionPattern());
    }

    private static String re2Error(String source) {
        try {
            com.google.re2j.Pattern.compile(source);
            throw new AssertionError("RE2/J accepts " + source);
        } catch (com.google.re2j.PatternSyntaxException e) {
            return e.getMessage();
        }
    }

    @Test
    void withoutRe2jTheJavaOnlyConstructsAreRejectedByList() {
        for (String source : List.of("pay(?!ments).*", "pay(?=x).*", "pay(?<=x).*", "pay(?>x)", "pay.*+",
                "pay(a)\\1")) {
            assertEquals(List.of("the pattern uses syntax RE2 does not support (lookaround, atomic groups,"
                    + " possessive quantifiers or backreferences); under group.protocol=consumer the broker matches"
                    + " it with RE2/J"), TopicPatterns.problems(Pattern.compile(source), false), source);
        }
        assertEquals(List.of(), TopicPatterns.problems(Pattern.compile("pay(ments|outs)\\.[a-z]{2,3}"), false));
        assertEquals(List.of(), TopicPatterns.problems(Pattern.compile("pay(ments|outs)\\.[a-z]{2,3}"), true));
    }

    @Test
    void rejectsPatternsThatReadTooMuchOrCannotRunOnTheBroker() {
        TopologyException e = assertThrows(TopologyException.class, () -> Sluice.topology()
                .topics(Pattern.compile(".*")).consumer(() -> A)
                .topics(Pattern.compile("__.*")).consumer(() -> A)
                .topics(Pattern.compile("^_?orders")).consumer(() -> A)
                .topics(Pattern.compile("orders\\..*")).consumer(() -> A).deadLetterQueue("orders.dlq", 1)
                .topics(Pattern.compile("pay(?!ments).*")).consumer(() -> A)
                .topics(Pattern.compile("^billing\\.[a-z]+")).consumer(() -> A)
                .build());
        assertEquals(List.of(
                "topics matching '.*': the pattern must start with a literal prefix (such as 'orders\\..*'): without"
                        + " one it reads every topic the principal can see",
                "topics matching '__.*': the pattern may match Kafka's internal topics (__*); start it with another"
                        + " prefix",
                "topics matching '^_?orders': the pattern must start with a literal prefix (such as 'orders\\..*'):"
                        + " without one it reads every topic the principal can see",
                "topics matching 'pay(?!ments).*': the pattern is not valid RE2 syntax, which the broker matches it"
                        + " with under group.protocol=consumer: " + re2Error("pay(?!ments).*"),
                "topics matching '.*': the pattern matches the dead-letter topic 'orders.dlq', so dead letters would"
                        + " be consumed again; narrow the pattern",
                "topics matching 'orders\\..*': the pattern matches the dead-letter topic 'orders.dlq', so dead"
                        + " letters would be consumed again; narrow the pattern"), e.problems());
    }
}
