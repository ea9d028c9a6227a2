package dev.dycoke4j.compress;

/**
 * Assignment of tokens to their most similar anchor token by cosine similarity of features, shared by the merging
 * baselines ({@link PruMergePlus}, {@link VisionZip}). Similarity as torch computes it, dot / max(|a|·|b|, 1e-8), in
 * double; ties go to the first anchor.
 */
final class Nearest {
    private Nearest() {
    }

    /**
     * For each of {@code members} (rows of {@code x}, {@code d} floats each), the index into {@code anchors} of the
     * anchor row with the highest cosine similarity to it.
     */
    static int[] assign(float[] x, int d, int[] anchors, int[] members) {
        double[] anchorNorm = new double[anchors.length];
        for (int a = 0; a < anchors.length; a++) anchorNorm[a] = norm(x, anchors[a] * d, d);
        int[] best = new int[members.length];
        for (int m = 0; m < members.length; m++) {
            int mo = members[m] * d;
            double mn = norm(x, mo, d), top = Double.NEGATIVE_INFINITY;
            for (int a = 0; a < anchors.length; a++) {
                int ao = anchors[a] * d;
                double dot = 0;
                for (int i = 0; i < d; i++) dot += (double) x[mo + i] * x[ao + i];
                double sim = dot / Math.max(mn * anchorNorm[a], 1e-8);
                if (sim > top) {
                    top = sim;
                    best[m] = a;
                }
            }
        }
        return best;
    }

    private static double norm(float[] x, int o, int d) {
        double s = 0;
        for (int i = 0; i < d; i++) s += (double) x[o + i] * x[o + i];
        return Math.sqrt(s);
    }
}
