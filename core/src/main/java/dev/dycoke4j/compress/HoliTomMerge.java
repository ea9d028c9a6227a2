package dev.dycoke4j.compress;

import java.util.Arrays;

/**
 * HoliTom's inner-LLM merge (the official {@code Qwen2Model_holitom.forward}) in the prefill: at layer K, the video's
 * rows, the image newline included as the official code counts them, are ranked by the attention the last prompt
 * token pays them at layer K-1 (averaged over heads); the top {@code round(span·(1 - r))} stay for the layers from K
 * on. Each other row is folded into the kept row whose hidden state is most like its own (cosine, on the states
 * before any fold), one after the other in position order, as {@code (kept + other) / 2}; so a kept row's earlier
 * folds weigh less, as in the official code. The kept rows keep their positions.
 */
public final class HoliTomMerge implements PrefillPruning {
    private final int layer, start, span, keep;

    /**
     * @param k     K, the first layer that sees only the kept rows (1 to layers - 1)
     * @param start first row of the video
     * @param span  the video's rows, the newline included
     * @param r     the share of the span merged away, in [0, 1)
     */
    public HoliTomMerge(int k, int start, int span, double r) {
        if (!(r >= 0 && r < 1)) throw new IllegalArgumentException("HoliTom merges a share in [0, 1) of the video's rows, got " + r);
        this.layer = k - 1;
        this.start = start;
        this.span = span;
        // the official code would fail on an empty top-k; one row stays
        this.keep = Math.max(1, (int) Math.rint(span * (1 - r)));
    }

    /** The layer whose attention ranks the rows (K-1); the layers above it see the kept rows only. */
    @Override
    public int layer() {
        return layer;
    }

    /** Rows of the video kept from layer K on, less one for the newline's row, so that row counts add up. */
    @Override
    public int kept() {
        return keep - 1;
    }

    @Override
    public int[] keep(float[] probs, int rows) {
        int[] top = ranked(probs).clone();
        Arrays.sort(top);
        int[] out = new int[rows - span + keep];
        int n = 0;
        for (int r = 0; r < start; r++) out[n++] = r;
        for (int t : top) out[n++] = start + t;
        for (int r = start + span; r < rows; r++) out[n++] = r;
        return out;
    }

    @Override
    public int[] keep(float[] probs, float[] hidden, int rows, int dim) {
        int[] top = ranked(probs);
        boolean[] kept = new boolean[span];
        for (int t : top) kept[t] = true;
        double[] topNorm = new double[keep];
        for (int j = 0; j < keep; j++) topNorm[j] = norm(hidden, (start + top[j]) * dim, dim);
        int[] into = new int[span];
        for (int i = 0; i < span; i++) {
            if (kept[i]) continue;
            int a = (start + i) * dim, best = 0;
            double na = norm(hidden, a, dim), bestSim = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < keep; j++) {
                double sim = dot(hidden, a, (start + top[j]) * dim, dim) / (na * topNorm[j]);
                if (sim > bestSim) {
                    bestSim = sim;
                    best = j;
                }
            }
            into[i] = start + top[best];
        }
        for (int i = 0; i < span; i++) {
            if (kept[i]) continue;
            int to = into[i] * dim, from = (start + i) * dim;
            for (int e = 0; e < dim; e++) hidden[to + e] = (hidden[to + e] + hidden[from + e]) / 2;
        }
        return keep(probs, rows);
    }

    /** The span's offsets of the {@code keep} most attended rows, most attended first (the lower offset on ties). */
    private int[] ranked(float[] probs) {
        Integer[] idx = new Integer[span];
        for (int i = 0; i < span; i++) idx[i] = i;
        Arrays.sort(idx, (x, y) -> probs[start + x] != probs[start + y] ? Float.compare(probs[start + y], probs[start + x]) : Integer.compare(x, y));
        int[] r = new int[keep];
        for (int i = 0; i < keep; i++) r[i] = idx[i];
        return r;
    }

    private static double dot(float[] h, int a, int b, int dim) {
        double s = 0;
        for (int e = 0; e < dim; e++) s += (double) h[a + e] * h[b + e];
        return s;
    }

    private static double norm(float[] h, int a, int dim) {
        return Math.sqrt(dot(h, a, a, dim));
    }
}
