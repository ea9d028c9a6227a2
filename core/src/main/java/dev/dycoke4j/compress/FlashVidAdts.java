package dev.dycoke4j.compress;

import java.util.Arrays;

/**
 * FlashVID's attention and diversity-based token selection (ADTS, the official {@code attn_div_v2}), on each frame of
 * a segment: a farthest-point selection on the frame's cosine distances, each column j (a candidate token) weighted by
 * the attention it receives in the vision tower and by its event relevance, the dot product of the token with the
 * segment's mean feature. The first token has the largest weighted distance to its nearest neighbour; each next one
 * the largest weighted distance to the tokens already chosen. As in the official code, a chosen token is not excluded
 * from later rounds, so a frame can choose one twice (its own distance is 0). Distances are in double; the official
 * 1e6 scale of the attention is left out, as a positive factor changes no decision.
 */
final class FlashVidAdts {
    private FlashVidAdts() {
    }

    /**
     * The positions chosen in each of frames {@code f0..f0+frames-1} ({@code k} per frame, ascending, possibly
     * repeated).
     *
     * @param x         every pooled token of the video, frame-major, {@code [F·T, D]}
     * @param attention the attention each token receives, {@code [F·T]}
     */
    static int[][] select(float[] x, float[] attention, int f0, int frames, int T, int D, int k) {
        double[] mean = new double[D];
        for (int f = f0; f < f0 + frames; f++)
            for (int t = 0; t < T; t++) for (int d = 0; d < D; d++) mean[d] += x[(f * T + t) * D + d];
        for (int d = 0; d < D; d++) mean[d] /= (double) frames * T;
        int[][] kept = new int[frames][];
        // frames are independent: one per task
        dev.dycoke4j.parallel.Parallel.forRange(frames, 1, (lo, hi) -> {
            for (int f = lo; f < hi; f++) kept[f] = frame(x, attention, (f0 + f) * T, T, D, mean, k);
        });
        return kept;
    }

    private static int[] frame(float[] x, float[] attention, int row0, int T, int D, double[] segmentMean, int k) {
        double[][] u = FlashVidMath.normalised(x, row0, T, D);
        double[] weight = new double[T];
        for (int j = 0; j < T; j++) {
            double relevance = 0;
            for (int d = 0; d < D; d++) relevance += x[(row0 + j) * D + d] * segmentMean[d];
            weight[j] = attention[row0 + j] * relevance;
        }
        double[][] dist = new double[T][T];
        for (int i = 0; i < T; i++)
            for (int j = 0; j < T; j++) dist[i][j] = (1 - FlashVidMath.dot(u[i], u[j])) * weight[j];

        int[] keep = new int[k];
        double[] best = new double[T];
        for (int j = 0; j < T; j++) best[j] = secondSmallest(dist, j);
        keep[0] = argmax(best);
        double[] nearest = dist[keep[0]].clone();
        for (int i = 1; i < k; i++) {
            keep[i] = argmax(nearest);
            for (int j = 0; j < T; j++) nearest[j] = Math.min(nearest[j], dist[keep[i]][j]);
        }
        Arrays.sort(keep);
        return keep;
    }

    /** The second smallest value of column j (the smallest is normally the token's distance to itself). */
    private static double secondSmallest(double[][] dist, int j) {
        double a = Double.POSITIVE_INFINITY, b = Double.POSITIVE_INFINITY;
        for (double[] row : dist) {
            double v = row[j];
            if (v < a) {
                b = a;
                a = v;
            } else if (v < b) b = v;
        }
        return b;
    }

    /** The first index of the largest value. */
    static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
