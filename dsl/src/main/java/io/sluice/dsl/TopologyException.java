package io.sluice.dsl;

import java.util.List;

/**
 * Thrown by {@link TopologyBuilder#build()} for an invalid declaration. The message lists every problem found,
 * one per line, each naming its topic and saying what to change.
 */
public class TopologyException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The problems, as plain strings so the exception stays serializable. */
    private final List<String> problems;

    /**
     * @param problems the problems found, at least one
     */
    public TopologyException(List<String> problems) {
        super(format(problems));
        this.problems = List.copyOf(problems);
    }

    /** Each problem, one per entry, in the order found. */
    public List<String> problems() {
        return problems;
    }

    private static String format(List<String> problems) {
        StringBuilder sb = new StringBuilder("invalid topology (")
                .append(problems.size()).append(problems.size() == 1 ? " problem" : " problems").append("):");
        for (String p : problems) {
            sb.append("\n  - ").append(p);
        }
        return sb.toString();
    }
}
