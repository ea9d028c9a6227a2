package dev.dycoke4j.video;

/**
 * Uniform frame indices as lmms-eval picks them: {@code np.linspace(0, total - 1, n, dtype=int)}.
 *
 * <p>numpy computes {@code step = (total - 1) / (n - 1)} in float64, then {@code i * step + 0}, sets the last value
 * to {@code total - 1} exactly, and truncates (the values are never negative, so floor and truncation agree).
 */
public final class UniformSampler {
    private UniformSampler() {
    }

    /**
     * @param total frames available, at least 1
     * @param n     frames wanted, 1..total
     */
    public static int[] indices(int total, int n) {
        if (total < 1) throw new IllegalArgumentException("total frames " + total);
        if (n < 1 || n > total) throw new IllegalArgumentException("cannot pick " + n + " of " + total + " frames");
        int[] out = new int[n];
        if (n == 1) return out; // linspace with one point gives the start
        double stop = total - 1;
        double step = stop / (n - 1);
        for (int i = 0; i < n - 1; i++) out[i] = (int) Math.floor(i * step + 0.0);
        out[n - 1] = total - 1;
        return out;
    }

    /**
     * The indices to use for a video of {@code total} frames when {@code n} are asked for: all of them, once each,
     * when there are fewer than {@code n}.
     */
    public static int[] plan(int total, int n) {
        return indices(total, Math.min(total, n));
    }
}
