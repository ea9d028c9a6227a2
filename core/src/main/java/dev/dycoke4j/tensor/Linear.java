package dev.dycoke4j.tensor;

import dev.dycoke4j.kernel.Gemm;
import dev.dycoke4j.kernel.GemmQ8;

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

    /** Allocates and returns {@code [m, out]}. */
    public float[] apply(float[] x, int m) {
        float[] y = new float[m * out()];
        apply(x, m, y);
        return y;
    }
}
