package dev.dycoke4j.compress;

import java.util.Arrays;

/**
 * FlashVID's tree-based temporal merging in a segment of several frames (the official
 * {@code spatiotemporal_compression}). Each token not chosen by ADTS is linked to its most similar (cosine) unchosen
 * token of the previous frame; a link above the temporal threshold merges it there. If that leaves fewer than the
 * per-frame budget times the frames, the threshold drops to the similarity that keeps exactly that many (ties keep
 * more). Merging runs from the last frame back: a token's sum, with what merged into it, is added to its anchor, and
 * the rows that stay are divided by their counts. As in the official code, an anchor's count grows by one per token
 * merged into it, not by the tokens those had gathered, so a chain's average weighs its own tokens more. The official
 * code raises when the budget is every token of the frames; here nothing is merged then.
 */
final class FlashVidTemporalMerge {
    private FlashVidTemporalMerge() {
    }

    /** What stays of each frame: its positions (ascending) and their rows, {@code [positions.length, D]}. */
    record Frames(int[][] positions, double[][][] rows) {
    }

    /**
     * @param x         every pooled token of the video, frame-major, {@code [F·T, D]}
     * @param chosen    per frame of the segment, the positions ADTS chose (excluded from merging and from the output)
     * @param budget    tokens per frame before the LLM (ADTS's and the merged ones')
     * @param threshold the temporal threshold (a float32 comparison, as the official code's)
     */
    static Frames merge(float[] x, int f0, int L, int T, int D, int[][] chosen, int budget, double threshold) {
        boolean[][] taken = new boolean[L][T];
        for (int f = 0; f < L; f++) for (int t : chosen[f]) taken[f][t] = true;
        float[] sim = new float[L * T];
        int[] anchor = new int[L * T];
        Arrays.fill(sim, 0, T, -1f);
        double[][] prev = FlashVidMath.normalised(x, f0 * T, T, D);
        for (int f = 1; f < L; f++) {
            double[][] cur = FlashVidMath.normalised(x, (f0 + f) * T, T, D);
            for (int n = 0; n < T; n++) {
                float best = -1f;
                int at = 0;
                if (!taken[f][n])
                    for (int m = 0; m < T; m++) {
                        if (taken[f - 1][m]) continue;
                        float s = (float) FlashVidMath.dot(cur[n], prev[m]);
                        if (s > best) {
                            best = s;
                            at = m;
                        }
                    }
                sim[f * T + n] = best;
                anchor[f * T + n] = at;
            }
            prev = cur;
        }

        boolean[] merged = above(sim, (float) threshold);
        int lower = budget * L, staying = 0;
        for (boolean m : merged) if (!m) staying++;
        if (staying < lower && lower < L * T) {
            float[] sorted = sim.clone();
            Arrays.sort(sorted);
            float soft = sorted[sorted.length - (L * T - lower)];
            merged = above(sim, Math.max(soft, (float) (-1.0 + 1e-6)));
        }

        double[][] h = new double[L * T][D];
        double[] count = new double[L * T];
        for (int i = 0; i < L * T; i++) {
            for (int d = 0; d < D; d++) h[i][d] = x[(f0 * T + i) * D + d];
            count[i] = 1;
        }
        for (int f = L - 1; f >= 0; f--) {
            for (int n = 0; n < T; n++) {
                int i = f * T + n;
                if (merged[i]) continue;
                for (int d = 0; d < D; d++) h[i][d] /= count[i];
                count[i] = 1;
            }
            for (int n = 0; n < T; n++) {
                int i = f * T + n, a = (f - 1) * T + anchor[i];
                if (!merged[i]) continue;
                for (int d = 0; d < D; d++) h[a][d] += h[i][d];
                count[a] += 1;
                count[i] = 0;
            }
        }

        int[][] positions = new int[L][];
        double[][][] rows = new double[L][][];
        for (int f = 0; f < L; f++) {
            int[] p = new int[T];
            int c = 0;
            for (int n = 0; n < T; n++) if (!merged[f * T + n] && !taken[f][n]) p[c++] = n;
            positions[f] = Arrays.copyOf(p, c);
            rows[f] = new double[c][];
            for (int r = 0; r < c; r++) rows[f][r] = h[f * T + positions[f][r]];
        }
        return new Frames(positions, rows);
    }

    private static boolean[] above(float[] sim, float threshold) {
        boolean[] r = new boolean[sim.length];
        for (int i = 0; i < sim.length; i++) r[i] = sim[i] > threshold;
        return r;
    }
}
