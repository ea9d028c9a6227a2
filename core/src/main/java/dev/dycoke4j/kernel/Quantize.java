package dev.dycoke4j.kernel;

import dev.dycoke4j.parallel.Parallel;
import dev.dycoke4j.tensor.OffHeap;
import dev.dycoke4j.tensor.Q8Matrix;
import dev.dycoke4j.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Symmetric int8 quantization of a weight matrix, one scale per block of {@value Q8Matrix#BLOCK} along each row
 * (llama.cpp's Q8_0 layout, with an F32 scale): {@code scale = max|w| / 127}, {@code q = round(w / scale)} rounded
 * half away from zero and clamped to [-127, 127]; a block of zeros gets scale 0 and quants 0.
 */
public final class Quantize {
    private Quantize() {
    }

    /**
     * Quantizes an F32, BF16 or F16 matrix {@code [n, k]} (k a multiple of 32) into fresh off-heap memory, the quants
     * in {@link Q8Matrix}'s grouped byte order.
     */
    public static Q8Matrix q8(Tensor w) {
        if (w.rank() != 2) throw new IllegalArgumentException(w + ": only matrices are quantized");
        if (!w.dtype().isFloat()) throw new IllegalArgumentException(w + ": not a float weight");
        int n = w.dim(0), k = w.dim(1);
        if (k % Q8Matrix.BLOCK != 0)
            throw new IllegalArgumentException(w + ": q8 needs a width that is a multiple of " + Q8Matrix.BLOCK);
        MemorySegment q = OffHeap.allocate((long) n * k), s = OffHeap.allocate(4L * n * (k / Q8Matrix.BLOCK));
        Parallel.forRange(n, 16, (lo, hi) -> rows(w, k, q, s, lo, hi));
        return new Q8Matrix(w.name(), n, k, q, s);
    }

    private static void rows(Tensor w, int k, MemorySegment q, MemorySegment s, int lo, int hi) {
        float[] row = new float[k];
        byte[] qr = new byte[k], stored = new byte[k];
        float[] sr = new float[k / Q8Matrix.BLOCK];
        for (int r = lo; r < hi; r++) {
            long base = (long) r * k;
            for (int e = 0; e < k; e++) row[e] = w.getFloat(base + e);
            row(row, qr, sr);
            for (int e = 0; e < k; e++) stored[Q8Matrix.position(e, k)] = qr[e];
            MemorySegment.copy(stored, 0, q, ValueLayout.JAVA_BYTE, base, k);
            MemorySegment.copy(sr, 0, s, Kernels.F32LE, 4L * r * sr.length, sr.length);
        }
    }

    /** Quantizes one row {@code w} into {@code q} (same length) and {@code scales} (one per block). */
    public static void row(float[] w, byte[] q, float[] scales) {
        for (int b = 0; b < scales.length; b++) {
            int e0 = b * Q8Matrix.BLOCK;
            float amax = 0;
            for (int e = e0; e < e0 + Q8Matrix.BLOCK; e++) amax = Math.max(amax, Math.abs(w[e]));
            float scale = amax / 127f;
            scales[b] = scale;
            for (int e = e0; e < e0 + Q8Matrix.BLOCK; e++) q[e] = scale == 0 ? 0 : quant(w[e] / scale);
        }
    }

    /** {@code round(v)} half away from zero, clamped to [-127, 127]. */
    static byte quant(float v) {
        float r = Math.copySign((float) Math.floor(Math.abs(v) + 0.5f), v);
        return (byte) Math.max(-127, Math.min(127, (int) r));
    }
}
