package io.sluice.dsl;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The checks {@code build()} makes on a {@code topics(Pattern)} declaration: a literal prefix (a pattern such as
 * {@code .*} would read every topic the principal can see), no Kafka internals ({@code __*}), and RE2 syntax (the
 * broker matches with RE2/J under the {@code consumer} group protocol): checked by RE2/J when it is on the class
 * path, else by a list of the Java-only constructs RE2 lacks.
 */
final class TopicPatterns {

    /** Java constructs RE2 does not have: lookaround, atomic groups, possessive quantifiers, backreferences. */
    private static final Pattern NOT_RE2 = Pattern.compile("\\(\\?[=!>]|\\(\\?<[=!]|[*+?}]\\+|\\\\[1-9]|\\\\k<");

    private TopicPatterns() {
    }

    /** What is wrong with {@code pattern}; empty when nothing is. */
    static List<String> problems(Pattern pattern) {
        return problems(pattern, re2Available());
    }

    /** What is wrong with {@code pattern}, checked with RE2/J when {@code re2} (else by the list of constructs). */
    static List<String> problems(Pattern pattern, boolean re2) {
        List<String> problems = new ArrayList<>();
        String source = pattern.pattern();
        String prefix = literalPrefix(source);
        if (prefix.isEmpty()) {
            problems.add("the pattern must start with a literal prefix (such as 'orders\\..*'): without one it reads"
                    + " every topic the principal can see");
        } else if (prefix.startsWith("_") || pattern.matcher("__consumer_offsets").matches()
                || pattern.matcher("__transaction_state").matches()) {
            problems.add("the pattern may match Kafka's internal topics (__*); start it with another prefix");
        }
        if (pattern.flags() != Pattern.compile(source).flags()) {
            // Kafka is given the source text alone (one joined pattern, or RE2 on the broker): flags would hold for
            // routing but not for the subscription
            problems.add("the pattern has flags (" + pattern.flags() + "), which the subscription cannot carry (Kafka"
                    + " gets the pattern's text only); compile it without flags");
        }
        if (re2) {
            Re2.problem(source).ifPresent(p -> problems.add("the pattern is not valid RE2 syntax, which the broker"
                    + " matches it with under group.protocol=consumer: " + p));
        } else if (NOT_RE2.matcher(source).find()) {
            problems.add("the pattern uses syntax RE2 does not support (lookaround, atomic groups, possessive"
                    + " quantifiers or backreferences); under group.protocol=consumer the broker matches it with"
                    + " RE2/J");
        }
        return problems;
    }

    private static boolean re2Available() {
        try {
            Class.forName("com.google.re2j.Pattern", false, TopicPatterns.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Touches RE2/J only when it is on the class path (it is an optional dependency). */
    private static final class Re2 {
        static java.util.Optional<String> problem(String source) {
            try {
                com.google.re2j.Pattern.compile(source);
                return java.util.Optional.empty();
            } catch (com.google.re2j.PatternSyntaxException e) {
                return java.util.Optional.of(e.getMessage());
            }
        }
    }

    /** The literal characters the pattern starts with (after an optional {@code ^}), unescaped. */
    static String literalPrefix(String source) {
        StringBuilder prefix = new StringBuilder();
        int i = source.startsWith("^") ? 1 : 0;
        while (i < source.length()) {
            char c = source.charAt(i);
            if (Character.isLetterOrDigit(c) || c == '_' || c == '-') {
                // a quantifier after it makes it optional: it is then no longer part of the prefix
                if (i + 1 < source.length() && "*?{".indexOf(source.charAt(i + 1)) >= 0) {
                    break;
                }
                prefix.append(c);
                i++;
            } else if (c == '\\' && i + 1 < source.length() && source.charAt(i + 1) == '.') {
                if (i + 2 < source.length() && "*?{".indexOf(source.charAt(i + 2)) >= 0) {
                    break;
                }
                prefix.append('.');
                i += 2;
            } else {
                break;
            }
        }
        return prefix.toString();
    }
}
