package dev.dycoke4j.peer;

import java.util.Arrays;

/** The median that bench reports over its timed runs; public so that peer modules report theirs the same way. */
public final class Median {
    private Median() {
    }

    /** The middle value, or the mean of the two middle ones for an even count; NaN for none. {@code values} is not changed. */
    public static double of(double[] values) {
        if (values.length == 0) return Double.NaN;
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
