package dev.dycoke4j.kernel;

import dev.dycoke4j.parallel.Parallel;

/** Row-wise normalisations over {@code [rows, dim]} arrays, as PyTorch computes them in float32. */
public final class Norms {
    private Norms() {
    }

    /** Qwen2 RMSNorm: {@code y = w · x / sqrt(mean(x²) + eps)}. {@code y} may be {@code x}. */
    public static void rmsNorm(float[] x, float[] w, float eps, float[] y, int rows, int dim) {
        Parallel.forRange(rows, 32, (lo, hi) -> rmsRows(x, w, eps, y, dim, lo, hi));
    }

    static void rmsRows(float[] x, float[] w, float eps, float[] y, int dim, int lo, int hi) {
        for (int r = lo; r < hi; r++) {
            int o = r * dim;
            double ss = 0;
            for (int i = 0; i < dim; i++) ss += (double) x[o + i] * x[o + i];
            float inv = (float) (1.0 / Math.sqrt((float) (ss / dim) + eps));
            for (int i = 0; i < dim; i++) y[o + i] = w[i] * (x[o + i] * inv);
        }
    }

    /** LayerNorm with biased variance: {@code y = (x - mean) / sqrt(var + eps) · w + b}. {@code y} may be {@code x}. */
    public static void layerNorm(float[] x, float[] w, float[] b, float eps, float[] y, int rows, int dim) {
        Parallel.forRange(rows, 32, (lo, hi) -> layerRows(x, w, b, eps, y, dim, lo, hi));
    }

    static void layerRows(float[] x, float[] w, float[] b, float eps, float[] y, int dim, int lo, int hi) {
        for (int r = lo; r < hi; r++) {
            int o = r * dim;
            double sum = 0;
            for (int i = 0; i < dim; i++) sum += x[o + i];
            double mean = sum / dim;
            double var = 0;
            for (int i = 0; i < dim; i++) {
                double d = x[o + i] - mean;
                var += d * d;
            }
            var /= dim;
            double inv = 1.0 / Math.sqrt(var + eps);
            for (int i = 0; i < dim; i++) y[o + i] = (float) ((x[o + i] - mean) * inv) * w[i] + b[i];
        }
    }
}
