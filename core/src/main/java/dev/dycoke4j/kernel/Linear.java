package dev.dycoke4j.kernel;

import dev.dycoke4j.tensor.Q8Matrix;
import dev.dycoke4j.tensor.Tensor;

/**
 * A linear layer {@code y = x·Wᵀ + b}: W {@code [out, in]} stays in its mapped segment (F32 or BF16; F16 is widened
 * once to F32 off-heap at load), the bias is a small float array or null. With {@code q8} set (a load with
 * {@code --weights q8}), the products use those int8 weights instead and {@code weight} only gives the shape.
 */
public record Linear(Tensor weight, Q8Matrix q8, float[] bias) {
    public Linear(Tensor weight, float[] bias) {
        this(weight, null, bias);
    }

    public int in() {
        return weight.dim(1);
    }

    public int out() {
        return weight.dim(0);
    }

    /** Weight bytes one pass over the layer reads (int8 quants and scales, or W as stored). */
    public long weightBytes() {
        return q8 != null ? q8.byteSize() : weight.byteSize();
    }

    /** {@code y[m, out] = x[m, in]·Wᵀ + b}. */
    public void apply(float[] x, int m, float[] y) {
        if (q8 != null) GemmQ8.linear(x, m, in(), q8, bias, y);
        else Gemm.linear(x, m, in(), weight, bias, y);
    }

    /**
     * {@code y = x·Wᵀ + b}, then {@code ep} over y: fused into the GEMM's blocks for weights as stored, one pass after
     * for q8.
     */
    public void apply(float[] x, int m, float[] y, Epilogue ep) {
        if (q8 != null) {
            GemmQ8.linear(x, m, in(), q8, bias, y);
            ep.apply(y, out(), 0, m, 0, out());
        } else {
            Gemm.linear(x, m, in(), weight, bias, y, ep);
        }
    }

    /**
     * {@code ys[i] = ls[i].apply(x, m)} for layers that all take the same x (q, k, v; gate, up), as one job for the
     * threads when m is small (decode). The layers are all q8 or all as stored, as one load makes them.
     */
    public static float[][] applySameInput(float[] x, int m, Linear... ls) {
        float[][] ys = new float[ls.length][];
        for (int i = 0; i < ls.length; i++) ys[i] = new float[m * ls[i].out()];
        applySameInput(x, m, ys, ls);
        return ys;
    }

    /** As above, into the caller's {@code ys[i]} (each at least {@code m·out} floats; the rest is left as it is). */
    public static void applySameInput(float[] x, int m, float[][] ys, Linear... ls) {
        if (ys.length != ls.length) throw new IllegalArgumentException(ls.length + " layers but " + ys.length + " outputs");
        float[][] bs = new float[ls.length][];
        boolean q8 = ls[0].q8 != null;
        for (int i = 0; i < ls.length; i++) {
            if ((ls[i].q8 != null) != q8) throw new IllegalArgumentException("layers mix int8 and as-stored weights");
            if (ls[i].in() != ls[0].in()) throw new IllegalArgumentException("layers of different input widths: " + ls[0].weight + ", " + ls[i].weight);
            bs[i] = ls[i].bias;
        }
        if (q8) {
            Q8Matrix[] ws = new Q8Matrix[ls.length];
            for (int i = 0; i < ls.length; i++) ws[i] = ls[i].q8;
            GemmQ8.linearSameInput(x, m, ls[0].in(), ws, bs, ys);
        } else {
            Tensor[] ws = new Tensor[ls.length];
            for (int i = 0; i < ls.length; i++) ws[i] = ls[i].weight;
            Gemm.linearSameInput(x, m, ls[0].in(), ws, bs, ys);
        }
    }

    /** Allocates and returns {@code [m, out]}. */
    public float[] apply(float[] x, int m) {
        float[] y = new float[m * out()];
        apply(x, m, y);
        return y;
    }
}
