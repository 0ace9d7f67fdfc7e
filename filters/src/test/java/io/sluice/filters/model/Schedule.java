package io.sluice.filters.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * One schedule of the model test: the topology's shape (partitions, retries before dead-lettering,
 * {@code max.poll.records}) and the actions, drawn from {@code new Random(seed)} alone, so the seed replays it.
 *
 * @param seed           the seed it was drawn from (kept by shrunk schedules, which are no longer its draw)
 * @param partitions     1 or 2
 * @param maxRetries     0 to 2
 * @param maxPollRecords 1, 3 or 500
 * @param groups         1, or 2 consumer groups keeping their offsets in one table
 * @param actions        at most {@link #MAX_ACTIONS}
 * @param virtualPartitions 0 (none), or the count the members start with (a crash may restart a member with another)
 */
record Schedule(long seed, int partitions, int maxRetries, int maxPollRecords, int groups,
                List<ModelAction> actions, int virtualPartitions) {

    /** At most this many actions in one schedule. */
    static final int MAX_ACTIONS = 60;

    Schedule {
        actions = List.copyOf(actions);
    }

    /** The schedule of {@code seed}: its shape, then 1 to {@value #MAX_ACTIONS} actions. */
    static Schedule generate(long seed) {
        Random r = new Random(seed);
        int partitions = 1 + r.nextInt(2);
        int maxRetries = r.nextInt(3);
        int maxPollRecords = new int[] {1, 3, 500}[r.nextInt(3)];
        int groups = r.nextInt(4) == 0 ? 2 : 1;
        int length = 1 + r.nextInt(MAX_ACTIONS);
        List<ModelAction> actions = new ArrayList<>(length);
        for (int i = 0; i < length; i++) {
            actions.add(ModelAction.random(r, partitions, groups));
        }
        // drawn apart from the actions, so every seed keeps the actions it always had
        Random v = new Random(seed ^ 0x5DEECE66DL);
        int virtualPartitions = v.nextInt(3) == 0 ? 1 + v.nextInt(8) : 0;
        return new Schedule(seed, partitions, maxRetries, maxPollRecords, groups, actions, virtualPartitions);
    }

    Schedule withActions(List<ModelAction> replaced) {
        return new Schedule(seed, partitions, maxRetries, maxPollRecords, groups, replaced, virtualPartitions);
    }

    Schedule withShape(int newPartitions, int newMaxRetries, int newMaxPollRecords, int newGroups) {
        return new Schedule(seed, newPartitions, newMaxRetries, newMaxPollRecords, newGroups, actions,
                virtualPartitions);
    }

    /** The schedule as a developer reads it: its shape, then one numbered action per line. */
    String describe() {
        StringBuilder b = new StringBuilder();
        b.append("  topic of ").append(partitions).append(" partition(s), maxRetries ").append(maxRetries)
                .append(", max.poll.records ").append(maxPollRecords)
                .append(groups > 1 ? ", groups a and b on one offset table" : "")
                .append(virtualPartitions > 0 ? ", " + virtualPartitions + " virtual partitions, random keys" : "")
                .append('\n');
        for (int i = 0; i < actions.size(); i++) {
            b.append(String.format("  %2d. %s%n", i + 1, actions.get(i)));
        }
        return b.toString();
    }
}
