package dev.dycoke4j.compress;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Efficient Video Sampling, as vLLM's {@code compute_retention_mask} does it: each token scores {@code 1 - cos} with
 * the token at the same position in the previous frame, frame 0 scores 255 (so it is always kept whole), and the
 * {@code max(T, int(F·T·(1 - q)))} highest scores are kept (a stable descending sort: ties go to the lower index),
 * in index order. q is the pruning rate, 1 minus the retained ratio.
 */
public final class Evs implements Compressor {
    private static final double FIRST_FRAME_SCORE = 255;
    /** torch's {@code cosine_similarity} eps, on the product of the norms. */
    private static final double COSINE_EPS = 1e-8;

    private final double pruningRate;

    /** @param pruningRate q, the share of tokens dropped, in [0, 1) */
    public Evs(double pruningRate) {
        if (!(pruningRate >= 0 && pruningRate < 1)) throw new IllegalArgumentException("evs: the pruning rate must be in [0, 1), got " + pruningRate);
        this.pruningRate = pruningRate;
    }

    /** At retained ratio {@code ratio}: pruning rate {@code 1 - ratio}, as vLLM's users set it. */
    public static Evs retaining(double ratio) {
        Budget.checkRatio("evs", ratio);
        return new Evs(1 - ratio);
    }

    /** Tokens kept of {@code frames} frames of {@code tokensPerFrame}: {@code max(T, int(F·T·(1 - q)))}, vLLM's count. */
    public int retained(int frames, int tokensPerFrame) {
        long n = (long) frames * tokensPerFrame;
        return (int) Math.max(tokensPerFrame, (long) (n * (1 - pruningRate)));
    }

    @Override
    public VisualTokens compress(VisualTokens in) {
        return in.select(kept(in));
    }

    /** The kept rows of every pooled token of a video (frame-major), ascending. */
    public int[] kept(VisualTokens in) {
        int F = in.frames(), T = in.tokensPerFrame(), D = in.dim(), n = F * T;
        if (in.count() != n) throw new IllegalArgumentException("evs needs every pooled token, got " + in.count() + " of " + n);
        float[] v = in.features();
        double[] score = new double[n];
        for (int i = 0; i < n; i++) score[i] = i < T ? FIRST_FRAME_SCORE : 1 - cosine(v, i * D, (i - T) * D, D);
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> score[i]).reversed());
        int k = Math.min(n, retained(F, T));
        int[] kept = new int[k];
        for (int i = 0; i < k; i++) kept[i] = order[i];
        Arrays.sort(kept);
        return kept;
    }

    private static double cosine(float[] v, int a, int b, int D) {
        double dot = 0, na = 0, nb = 0;
        for (int c = 0; c < D; c++) {
            double x = v[a + c], y = v[b + c];
            dot += x * y;
            na += x * x;
            nb += y * y;
        }
        return dot / Math.sqrt(Math.max(na * nb, COSINE_EPS * COSINE_EPS));
    }
}
