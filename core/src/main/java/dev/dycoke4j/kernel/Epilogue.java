package dev.dycoke4j.kernel;

import jdk.incubator.vector.FloatVector;

/**
 * What a GEMM does to each block of y as soon as the block is final (all of k summed, bias added), while it is still
 * in cache and on the thread that computed it: {@code y = x·Wᵀ + b} followed by an element-wise pass, with no second
 * trip through memory and no second hand-off to the threads. The values are those of the unfused passes exactly:
 * the epilogue sees the same y the plain GEMM returns.
 */
@FunctionalInterface
public interface Epilogue {
    /** Rows {@code [i0, i1)} and columns {@code [j0, j1)} of y (row stride n) are final: finish them. */
    void apply(float[] y, int n, int i0, int i1, int j0, int j1);

    /** GELU with the tanh approximation over the block, in place ({@link Activations#geluTanhRange}). */
    Epilogue GELU_TANH = (y, n, i0, i1, j0, j1) -> {
        for (int i = i0; i < i1; i++) Activations.geluTanhRange(y, i * n + j0, i * n + j1);
    };

    /**
     * The residual add {@code r[i, j] += y[i, j]} over the block, r being {@code [m, n]} like y: a pre-norm block's
     * {@code x += proj}, with the same float additions as the separate loop.
     */
    static Epilogue addInto(float[] r) {
        return (y, n, i0, i1, j0, j1) -> {
            for (int i = i0; i < i1; i++) add(y, r, i * n + j0, i * n + j1);
        };
    }

    private static void add(float[] y, float[] r, int lo, int hi) {
        var f = VectorWidth.FLOAT;
        int i = lo;
        for (; i + f.length() <= hi; i += f.length())
            FloatVector.fromArray(f, r, i).add(FloatVector.fromArray(f, y, i)).intoArray(r, i);
        for (; i < hi; i++) r[i] += y[i];
    }
}
