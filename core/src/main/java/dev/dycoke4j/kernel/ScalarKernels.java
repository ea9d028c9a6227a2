package dev.dycoke4j.kernel;

import dev.dycoke4j.tensor.Q8Matrix;
import dev.dycoke4j.tensor.Tensor;

/**
 * Plain scalar twins of every kernel, written for obviousness rather than speed: one loop per formula, every sum
 * accumulated in double, no vectors, no threads, no blocking. Tests hold the fast kernels against these. Nothing in
 * the engine calls them.
 */
public final class ScalarKernels {
    private ScalarKernels() {
    }

    /** {@code y[i,j] = Σ_e x[i,e]·W[j,e] + bias[j]} for W {@code [n, k]} in F32, BF16 or F16 (read element by element). */
    public static void linear(float[] x, int m, int k, Tensor w, float[] bias, float[] y) {
        if (w.rank() != 2 || w.dim(1) != k) throw new IllegalArgumentException(w + " does not take inputs of width " + k);
        int n = w.dim(0);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = bias == null ? 0 : bias[j];
                for (int e = 0; e < k; e++) s += (double) x[i * k + e] * w.getFloat((long) j * k + e);
                y[i * n + j] = (float) s;
            }
        }
    }

    /** {@code y[i,j] = Σ_e x[i,e]·q[j,e]·scale[j,e/32] + bias[j]} for an int8 W, each weight dequantized on its own. */
    public static void linearQ8(float[] x, int m, int k, Q8Matrix w, float[] bias, float[] y) {
        if (w.cols() != k) throw new IllegalArgumentException(w + " does not take inputs of width " + k);
        int n = w.rows();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = bias == null ? 0 : bias[j];
                for (int e = 0; e < k; e++) s += (double) x[i * k + e] * w.quant(j, e) * w.scale(j, e / Q8Matrix.BLOCK);
                y[i * n + j] = (float) s;
            }
        }
    }

    /** Σ_e |x[i,e]·W[j,e]| + |bias[j]| for an int8 W: the rounding scale of one output, for tolerances. */
    public static double linearQ8Magnitude(float[] x, int k, Q8Matrix w, float[] bias, int i, int j) {
        double s = bias == null ? 0 : Math.abs(bias[j]);
        for (int e = 0; e < k; e++) s += Math.abs((double) x[i * k + e] * w.quant(j, e) * w.scale(j, e / Q8Matrix.BLOCK));
        return s;
    }

    /**
     * Σ_e |x[i,e]·W[j,e]| + |bias[j]| for one output: the scale of the rounding error any float32 order of the sum
     * may make, for tests' tolerances.
     */
    public static double linearMagnitude(float[] x, int k, Tensor w, float[] bias, int i, int j) {
        double s = bias == null ? 0 : Math.abs(bias[j]);
        for (int e = 0; e < k; e++) s += Math.abs((double) x[i * k + e] * w.getFloat((long) j * k + e));
        return s;
    }

    /**
     * Attention as its definition reads: for each query t and head h, scores against every visible key, softmax,
     * weighted sum of values, all in double. Same layouts and same meaning of {@link Attention.Shape} as
     * {@link Attention#attend}.
     */
    public static void attend(Attention.Shape sh, float[] q, int qOff, float[] k, int kOff, float[] v, int vOff, float[] out, int oOff) {
        int group = sh.H() / sh.KVH();
        double[] p = new double[sh.S()];
        for (int t = 0; t < sh.T(); t++) {
            for (int h = 0; h < sh.H(); h++) {
                int g = h / group;
                int visible = sh.causal() ? Math.min(sh.S(), sh.pos0() + t + 1) : sh.S();
                int qo = qOff + t * sh.qStride() + h * sh.D();
                double max = Double.NEGATIVE_INFINITY;
                for (int s = 0; s < visible; s++) {
                    int ko = kOff + s * sh.kvStride() + g * sh.D();
                    double dot = 0;
                    for (int d = 0; d < sh.D(); d++) dot += (double) q[qo + d] * k[ko + d];
                    p[s] = dot * sh.scale();
                    max = Math.max(max, p[s]);
                }
                double sum = 0;
                for (int s = 0; s < visible; s++) {
                    p[s] = Math.exp(p[s] - max);
                    sum += p[s];
                }
                int oo = oOff + t * sh.qStride() + h * sh.D();
                for (int d = 0; d < sh.D(); d++) {
                    double acc = 0;
                    for (int s = 0; s < visible; s++) acc += p[s] * v[vOff + s * sh.kvStride() + g * sh.D() + d];
                    out[oo + d] = (float) (acc / sum);
                }
            }
        }
    }

    /** RMSNorm: {@code y = w · x / sqrt(mean(x²) + eps)}, row by row. */
    public static void rmsNorm(float[] x, float[] w, float eps, float[] y, int rows, int dim) {
        for (int r = 0; r < rows; r++) {
            double ss = 0;
            for (int i = 0; i < dim; i++) ss += (double) x[r * dim + i] * x[r * dim + i];
            double inv = 1.0 / Math.sqrt(ss / dim + eps);
            for (int i = 0; i < dim; i++) y[r * dim + i] = (float) (w[i] * (x[r * dim + i] * inv));
        }
    }

    /** LayerNorm with biased variance: {@code y = (x - mean) / sqrt(var + eps) · w + b}, row by row. */
    public static void layerNorm(float[] x, float[] w, float[] b, float eps, float[] y, int rows, int dim) {
        for (int r = 0; r < rows; r++) {
            double mean = 0;
            for (int i = 0; i < dim; i++) mean += x[r * dim + i];
            mean /= dim;
            double var = 0;
            for (int i = 0; i < dim; i++) var += (x[r * dim + i] - mean) * (x[r * dim + i] - mean);
            var /= dim;
            for (int i = 0; i < dim; i++) y[r * dim + i] = (float) ((x[r * dim + i] - mean) / Math.sqrt(var + eps) * w[i] + b[i]);
        }
    }

    /** GELU, tanh approximation: {@code 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))}. */
    public static double geluTanh(double x) {
        return 0.5 * x * (1.0 + Math.tanh(Math.sqrt(2.0 / Math.PI) * (x + 0.044715 * x * x * x)));
    }

    /** Exact GELU: {@code x·Φ(x) = 0.5·x·(1 + erf(x/√2))}, with this class's own {@link #erf}. */
    public static double geluErf(double x) {
        double z = x / Math.sqrt(2.0);
        // for very negative x, 1 + erf(z) cancels: take erfc(-z) from the tail integral instead
        return 0.5 * x * (z < -1 ? erfc(-z) : 1.0 + erf(z));
    }

    /** {@code gate[i] = silu(gate[i]) · up[i]} with {@code silu(g) = g / (1 + e^-g)}. */
    public static void siluMul(float[] gate, float[] up, int n) {
        for (int i = 0; i < n; i++) {
            double g = gate[i];
            gate[i] = (float) (g / (1.0 + Math.exp(-g)) * up[i]);
        }
    }

    /**
     * RoPE, "rotate half": pairs (i, i + d/2) of each head turn by {@code pos·θ^(-2i/d)}. The inverse frequency and
     * the angle are float32, as HF transformers computes them (part of the model's definition); the rotation is
     * double.
     */
    public static void rope(int headDim, double theta, float[] x, int off, int heads, int pos) {
        int half = headDim / 2;
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                float invFreq = 1.0f / (float) Math.pow((float) theta, (float) (2 * i) / headDim);
                double angle = (float) pos * invFreq;
                int a = off + h * headDim + i, b = a + half;
                double xa = x[a], xb = x[b];
                x[a] = (float) (xa * Math.cos(angle) - xb * Math.sin(angle));
                x[b] = (float) (xb * Math.cos(angle) + xa * Math.sin(angle));
            }
        }
    }

    /**
     * M-RoPE as transformers' {@code apply_multimodal_rotary_pos_emb} writes it: the angles of every axis over the
     * whole head ({@code cat(freqs, freqs)}), the head cut into chunks by the section repeated twice, chunk k taking
     * axis k mod 3, then {@code x·cos + rotate_half(x)·sin} (in double, from the float32 angle).
     */
    public static void mrope(int headDim, double theta, int[] section, float[] x, int off, int heads, int t, int h, int w) {
        int half = headDim / 2;
        int[] pos = {t, h, w};
        double[][] cos = new double[3][headDim], sin = new double[3][headDim];
        for (int a = 0; a < 3; a++)
            for (int j = 0; j < headDim; j++) {
                int i = j % half;
                float invFreq = 1.0f / (float) Math.pow((float) theta, (float) (2 * i) / headDim);
                double angle = (float) pos[a] * invFreq;
                cos[a][j] = Math.cos(angle);
                sin[a][j] = Math.sin(angle);
            }
        int[] chunkAxis = new int[headDim];
        int j = 0;
        for (int k = 0; k < 6; k++)
            for (int n = 0; n < section[k % 3]; n++) chunkAxis[j++] = k % 3;
        for (int hh = 0; hh < heads; hh++) {
            int o = off + hh * headDim;
            double[] in = new double[headDim];
            for (int d = 0; d < headDim; d++) in[d] = x[o + d];
            for (int d = 0; d < headDim; d++) {
                double rotated = d < half ? -in[d + half] : in[d - half];
                int a = chunkAxis[d];
                x[o + d] = (float) (in[d] * cos[a][d] + rotated * sin[a][d]);
            }
        }
    }

    /**
     * Bilinear resize, {@code align_corners=False}, channels last {@code [map][y][x][c]}: output pixel centre
     * {@code (o + 0.5)·in/out - 0.5}, clamped at 0, interpolated between its two neighbours in each axis (the
     * upper one clamped to the edge). The source coordinate and the two weights are float32, as PyTorch's CPU kernel
     * computes them for float tensors (part of the definition: in double they move by up to an ulp of the
     * coordinate); the interpolation is double.
     */
    public static float[] bilinear(float[] src, int maps, int inH, int inW, int c, int outH, int outW) {
        float[] dst = new float[maps * outH * outW * c];
        float scaleY = (float) inH / outH, scaleX = (float) inW / outW;
        for (int m = 0; m < maps; m++) {
            for (int oy = 0; oy < outH; oy++) {
                float fy = Math.max(scaleY * (oy + 0.5f) - 0.5f, 0f);
                int y0 = (int) Math.floor(fy), y1 = Math.min(y0 + 1, inH - 1);
                double wy = fy - y0;
                for (int ox = 0; ox < outW; ox++) {
                    float fx = Math.max(scaleX * (ox + 0.5f) - 0.5f, 0f);
                    int x0 = (int) Math.floor(fx), x1 = Math.min(x0 + 1, inW - 1);
                    double wx = fx - x0;
                    for (int ch = 0; ch < c; ch++) {
                        double top = (1 - wx) * px(src, m, y0, x0, ch, inH, inW, c) + wx * px(src, m, y0, x1, ch, inH, inW, c);
                        double bottom = (1 - wx) * px(src, m, y1, x0, ch, inH, inW, c) + wx * px(src, m, y1, x1, ch, inH, inW, c);
                        dst[((m * outH + oy) * outW + ox) * c + ch] = (float) ((1 - wy) * top + wy * bottom);
                    }
                }
            }
        }
        return dst;
    }

    private static double px(float[] src, int m, int y, int x, int ch, int h, int w, int c) {
        return src[((m * h + y) * w + x) * c + ch];
    }

    /**
     * erf by a method independent of {@link Erf}'s: for |x| ≤ 3 the everywhere-positive series
     * {@code erf(x) = 2/√π·e^(-x²)·Σ 2ⁿx^(2n+1)/(1·3·…·(2n+1))}, which has no cancellation; beyond, 1 - {@link #erfc}.
     */
    public static double erf(double x) {
        if (Double.isNaN(x)) return x;
        double ax = Math.abs(x);
        double r;
        if (ax <= 3) {
            double term = ax, sum = ax;
            for (int n = 1; n < 500 && term > 1e-18 * sum; n++) {
                term *= 2 * ax * ax / (2 * n + 1);
                sum += term;
            }
            r = 2 / Math.sqrt(Math.PI) * Math.exp(-ax * ax) * sum;
        } else {
            r = 1 - erfcTail(ax);
        }
        return Math.copySign(r, x);
    }

    /** erfc: for x ≥ 1 the tail integral; otherwise 1 - {@link #erf}. */
    public static double erfc(double x) {
        if (Double.isNaN(x)) return x;
        if (x >= 1) return erfcTail(x);
        if (x <= -1) return 2 - erfcTail(-x);
        return 1 - erf(x);
    }

    /**
     * erfc(x), x ≥ 1, by quadrature: {@code 2/√π·e^(-x²)·∫₀^∞ e^(-2xu-u²) du}, the integrand smooth and decaying,
     * integrated by 5-point Gauss–Legendre over panels of width 1/(8x) until it is below 1e-20 of the sum.
     */
    static double erfcTail(double x) {
        double s5 = Math.sqrt(5 - 2 * Math.sqrt(10.0 / 7)) / 3, l5 = Math.sqrt(5 + 2 * Math.sqrt(10.0 / 7)) / 3;
        double[] nodes = {-l5, -s5, 0, s5, l5};
        double ws = (322 + 13 * Math.sqrt(70)) / 900, wl = (322 - 13 * Math.sqrt(70)) / 900;
        double[] weights = {wl, ws, 128.0 / 225, ws, wl};
        double h = 1 / (8 * x), sum = 0;
        for (int panel = 0; panel < 100_000; panel++) {
            double mid = (panel + 0.5) * h, part = 0;
            for (int i = 0; i < 5; i++) {
                double u = mid + nodes[i] * h / 2;
                part += weights[i] * Math.exp(-2 * x * u - u * u);
            }
            sum += part * h / 2;
            if (part * h / 2 < 1e-20 * sum) break;
        }
        return 2 / Math.sqrt(Math.PI) * Math.exp(-x * x) * sum;
    }
}
