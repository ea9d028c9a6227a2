package dev.dycoke4j.eval.run;

import dev.dycoke4j.eval.PyError;
import dev.dycoke4j.eval.Task;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The standard error of a metric over the documents: lmms-eval's {@code mean_stderr} (sample standard deviation over
 * √n) when the per-document values are numbers, else a bootstrap of the task's own aggregation (the documents resampled
 * with replacement, {@value #RESAMPLES} times, seeded), where lmms-eval reports none for custom aggregations.
 */
final class Stderr {
    static final int RESAMPLES = 1000;

    private Stderr() {
    }

    /** The value and how it was computed, or null when there is none (fewer than two documents, or no number to resample). */
    record Value(double stderr, String method) {
    }

    static Value of(Task task, String metric, List<Object> items) {
        if (items.size() < 2) return null;
        double[] xs = new double[items.size()];
        boolean numeric = true;
        for (int i = 0; i < xs.length && numeric; i++) {
            Object x = items.get(i);
            if (x instanceof Boolean b) xs[i] = b ? 1 : 0;
            else if (x instanceof BigInteger b) xs[i] = b.doubleValue();
            else if (x instanceof Double d) xs[i] = d;
            else numeric = false;
        }
        if (numeric) return new Value(sampleStd(xs) / Math.sqrt(xs.length), "mean_stderr");
        Random rnd = new Random(1234);
        double[] boot = new double[RESAMPLES];
        for (int b = 0; b < RESAMPLES; b++) {
            List<Object> resample = new ArrayList<>(items.size());
            for (int i = 0; i < items.size(); i++) resample.add(items.get(rnd.nextInt(items.size())));
            Object v;
            try {
                v = task.aggregate(metric, resample);
            } catch (PyError e) {
                return null;
            }
            Double d = number(v);
            if (d == null) return null;
            boot[b] = d;
        }
        return new Value(sampleStd(boot), "bootstrap(" + RESAMPLES + ")");
    }

    /** A Python number as a double, or null. */
    static Double number(Object v) {
        if (v instanceof Double d) return d;
        if (v instanceof BigInteger b) return b.doubleValue();
        if (v instanceof Boolean b) return b ? 1.0 : 0.0;
        return null;
    }

    private static double sampleStd(double[] xs) {
        double mean = 0;
        for (double x : xs) mean += x;
        mean /= xs.length;
        double ss = 0;
        for (double x : xs) ss += (x - mean) * (x - mean);
        return Math.sqrt(ss / (xs.length - 1));
    }
}
