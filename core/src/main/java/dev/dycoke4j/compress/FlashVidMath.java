package dev.dycoke4j.compress;

/** Small double-precision helpers FlashVID's steps share. */
final class FlashVidMath {
    private FlashVidMath() {
    }

    /** Rows {@code row0..row0+n-1} of {@code x [*, D]}, each divided by its L2 norm. */
    static double[][] normalised(float[] x, int row0, int n, int D) {
        double[][] u = new double[n][D];
        for (int i = 0; i < n; i++) {
            double ss = 0;
            for (int d = 0; d < D; d++) ss += (double) x[(row0 + i) * D + d] * x[(row0 + i) * D + d];
            double inv = 1 / Math.sqrt(ss);
            for (int d = 0; d < D; d++) u[i][d] = x[(row0 + i) * D + d] * inv;
        }
        return u;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }
}
