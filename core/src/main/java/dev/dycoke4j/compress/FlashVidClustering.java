package dev.dycoke4j.compress;

/**
 * FlashVID's spatial merging: density-peak clustering with k nearest neighbours (the official {@code dpc_knn}) on one
 * frame's remaining tokens, each cluster replaced by the mean of its members and standing at its centre's position.
 * Distances are Euclidean over sqrt(D); a token's density is {@code exp(-mean of its k smallest squared distances)}
 * (itself included), plus {@code noise · 1e-6} in float32 to break ties, as the official code adds {@code torch.rand};
 * the centres are the tokens of highest {@code density × distance to the nearest denser token} (the largest distance
 * for the densest), in the order and with the ties of {@code torch.topk} ({@link TorchTopK}); every token joins its
 * nearest centre (the first on ties), each centre its own cluster.
 */
final class FlashVidClustering {
    private FlashVidClustering() {
    }

    /** The clusters' centres (indices into the rows, in the official order) and their mean rows. */
    record Clusters(int[] centres, double[][] means) {
    }

    /**
     * @param rows     the tokens, {@code [n][D]}
     * @param clusters how many clusters, 1..n
     * @param noise    n uniforms in [0, 1)
     */
    static Clusters cluster(double[][] rows, int clusters, float[] noise) {
        int n = rows.length, D = rows[0].length, k = Math.min(clusters, 7);
        if (noise.length != n) throw new IllegalArgumentException(n + " tokens but " + noise.length + " noise draws");
        double scale = Math.sqrt(D);
        double[][] dist = new double[n][n];
        double max = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < i; j++) {
                double s = 0;
                for (int d = 0; d < D; d++) {
                    double e = rows[i][d] - rows[j][d];
                    s += e * e;
                }
                dist[i][j] = dist[j][i] = Math.sqrt(s) / scale;
                max = Math.max(max, dist[i][j]);
            }
        float[] density = new float[n];
        for (int i = 0; i < n; i++) {
            double[] nearest = dist[i].clone();
            java.util.Arrays.sort(nearest);
            double m = 0;
            for (int j = 0; j < k; j++) m -= nearest[j] * nearest[j];
            density[i] = (float) Math.exp(m / k) + noise[i] * 1e-6f;
        }
        float[] score = new float[n];
        for (int i = 0; i < n; i++) {
            double toDenser = max;
            for (int j = 0; j < n; j++) if (density[j] > density[i]) toDenser = Math.min(toDenser, dist[i][j]);
            score[i] = (float) toDenser * density[i];
        }
        int[] centres = TorchTopK.largest(score, clusters);
        int[] of = new int[n];
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int c = 1; c < clusters; c++) if (dist[i][centres[c]] < dist[i][centres[best]]) best = c;
            of[i] = best;
        }
        for (int c = 0; c < clusters; c++) of[centres[c]] = c;
        double[][] means = new double[clusters][D];
        int[] size = new int[clusters];
        for (int i = 0; i < n; i++) {
            size[of[i]]++;
            for (int d = 0; d < D; d++) means[of[i]][d] += rows[i][d];
        }
        for (int c = 0; c < clusters; c++) for (int d = 0; d < D; d++) means[c][d] /= size[c];
        return new Clusters(centres, means);
    }
}
