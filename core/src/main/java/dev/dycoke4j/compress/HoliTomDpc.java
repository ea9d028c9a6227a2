package dev.dycoke4j.compress;

/**
 * HoliTom's merging by density peaks (the official {@code cluster_dpc_knn} and {@code merge_tokens_by_clustering}) on
 * n tokens of dimension D:
 * <ol>
 *   <li>distances {@code |x_i - x_j| / √D}; a token's density is {@code exp(-mean d²)} over its k nearest (itself
 *   included), plus the tie-break noise {@code u·1e-6} in float32, as the official code adds {@code torch.rand};</li>
 *   <li>its peak distance is the distance to the nearest denser token (the largest distance of all for the densest);
 *   the {@code clusters} tokens of largest {@code distance·density} are the centres, in index order;</li>
 *   <li>every other token joins its nearest centre (the lower index on ties), and a centre with members becomes
 *   {@code β·centre + (1-β)·mean(members)}; one without stays as it is.</li>
 * </ol>
 * Decisions are made on float32 values, as the official code makes them, computed from double distances.
 */
final class HoliTomDpc {
    private HoliTomDpc() {
    }

    /** The centres (indices into the tokens, ascending) and the merged token of each, [clusters·D]. */
    record Merged(int[] centres, float[] tokens) {
    }

    /**
     * @param x        the tokens, [n·D]
     * @param clusters centres to keep, 1 to n
     * @param k        neighbours in the density, 1 to n
     * @param noise    n draws in [0, 1), one per token
     */
    static Merged merge(float[] x, int n, int D, int clusters, int k, double beta, float[] noise) {
        float[][] dist = distances(x, n, D);
        float[] density = new float[n];
        float distMax = 0;
        for (int i = 0; i < n; i++) {
            float[] row = dist[i].clone();
            java.util.Arrays.sort(row);
            double s = 0;
            for (int j = 0; j < k; j++) s += (double) row[j] * row[j];
            density[i] = (float) Math.exp(-(float) (s / k)) + noise[i] * 1e-6f;
            distMax = Math.max(distMax, row[n - 1]);
        }
        float[] score = new float[n];
        for (int i = 0; i < n; i++) {
            float peak = distMax;
            for (int j = 0; j < n; j++) if (density[j] > density[i]) peak = Math.min(peak, dist[i][j]);
            score[i] = peak * density[i];
        }
        int[] centres = DynamicPruning.topK(score, clusters);
        java.util.Arrays.sort(centres);

        boolean[] isCentre = new boolean[n];
        for (int c : centres) isCentre[c] = true;
        double[][] sum = new double[clusters][D];
        int[] members = new int[clusters];
        for (int i = 0; i < n; i++) {
            if (isCentre[i]) continue;
            int best = 0;
            for (int c = 1; c < clusters; c++) if (dist[i][centres[c]] < dist[i][centres[best]]) best = c;
            members[best]++;
            for (int e = 0; e < D; e++) sum[best][e] += x[i * D + e];
        }
        float[] out = new float[clusters * D];
        for (int c = 0; c < clusters; c++)
            for (int e = 0; e < D; e++) {
                float centre = x[centres[c] * D + e];
                out[c * D + e] = members[c] == 0 ? centre : (float) (beta * centre + (1 - beta) * (sum[c][e] / members[c]));
            }
        return new Merged(centres, out);
    }

    /** {@code |x_i - x_j| / √D} for every pair, rounded to float32. */
    private static float[][] distances(float[] x, int n, int D) {
        float[][] d = new float[n][n];
        double scale = Math.sqrt(D);
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++) {
                double s = 0;
                for (int e = 0; e < D; e++) {
                    double v = (double) x[i * D + e] - x[j * D + e];
                    s += v * v;
                }
                d[i][j] = d[j][i] = (float) (Math.sqrt(s) / scale);
            }
        return d;
    }
}
