package io.sluice.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The statistics the report is made of: medians and paired ratios. Pure functions. */
final class Stats {

    private Stats() {
    }

    /**
     * The median of {@code values}: the middle one, or the mean of the two middle ones for an even count.
     *
     * @throws IllegalArgumentException when {@code values} is empty
     */
    /** (max − min) ÷ median: the spread of {@code values} relative to their median; 0 for fewer than two. */
    static double spread(List<Double> values) {
        if (values.size() < 2) {
            return 0;
        }
        double median = median(values);
        double min = values.stream().mapToDouble(Double::doubleValue).min().orElse(0);
        double max = values.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        return median == 0 ? 0 : (max - min) / median;
    }

    static double median(List<Double> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("the median of no values is undefined");
        }
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /**
     * The paired ratio of a case to its baseline: the median over rounds of {@code case ÷ baseline} in the same
     * round. Pairing cancels the drift of a shared machine that moves both figures of a round together.
     *
     * @param measured the case's figure per round
     * @param baseline the baseline's figure per round, same length and order
     * @throws IllegalArgumentException when the lists differ in length, are empty, or a baseline is not positive
     */
    static double pairedRatio(List<Double> measured, List<Double> baseline) {
        return median(ratios(measured, baseline));
    }

    /** {@code measured[i] ÷ baseline[i]} for every round {@code i}. */
    static List<Double> ratios(List<Double> measured, List<Double> baseline) {
        if (measured.size() != baseline.size()) {
            throw new IllegalArgumentException("paired lists differ in length: " + measured.size() + " vs "
                    + baseline.size());
        }
        List<Double> ratios = new ArrayList<>(measured.size());
        for (int i = 0; i < measured.size(); i++) {
            double base = baseline.get(i);
            if (!(base > 0)) {
                throw new IllegalArgumentException("baseline of round " + (i + 1) + " is not positive: " + base);
            }
            ratios.add(measured.get(i) / base);
        }
        return ratios;
    }

    /**
     * The order in which round {@code round} (0-based) runs {@code items}: rotated left by {@code round}, so
     * that over as many rounds as items every item runs once in every position.
     */
    static <T> List<T> rotated(List<T> items, int round) {
        if (items.isEmpty()) {
            return List.of();
        }
        int shift = Math.floorMod(round, items.size());
        List<T> order = new ArrayList<>(items.subList(shift, items.size()));
        order.addAll(items.subList(0, shift));
        return order;
    }
}
