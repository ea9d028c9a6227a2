package dev.dycoke4j.tensor;

import dev.dycoke4j.kernel.Gemm;

/**
 * A linear layer {@code y = x·Wᵀ + b}: W {@code [out, in]} stays in its mapped segment (F32 or BF16; F16 is widened
 * once to F32 off-heap at load), the bias is a small float array or null.
 */
public record Linear(Tensor weight, float[] bias) {
    public int in() {
        return weight.dim(1);
    }

    public int out() {
        return weight.dim(0);
    }

    /** {@code y[m, out] = x[m, in]·Wᵀ + b}. */
    public void apply(float[] x, int m, float[] y) {
        Gemm.linear(x, m, in(), weight, bias, y);
    }

    /** Allocates and returns {@code [m, out]}. */
    public float[] apply(float[] x, int m) {
        float[] y = new float[m * out()];
        apply(x, m, y);
        return y;
    }
}
