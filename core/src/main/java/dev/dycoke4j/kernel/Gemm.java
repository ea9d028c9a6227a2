package dev.dycoke4j.kernel;

import dev.dycoke4j.parallel.Parallel;
import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * {@code y[m,n] = x[m,k] · W[n,k]ᵀ (+ bias[n])}: every linear layer. W is a PyTorch {@code [out, in]} weight in F32
 * or BF16 (memory-mapped); x and y are row-major float arrays.
 *
 * <p>From {@value #PACK_MIN_ROWS} rows of x on (prefill, vision) it is {@link PackedGemm}: W is repacked once,
 * off-heap, into panels for a broadcast-FMA register tile (F32 panels for F32 weights, BF16 panels for BF16).
 * Below (decode) it is a matvec bound by the bytes of W: over the panels once they are built ({@link PanelMatvec}:
 * the original's pages are then released), else over W as stored, where BF16 stays BF16 and is widened in
 * registers, two elements per 32-bit lane.
 */
public final class Gemm {
    static final VectorSpecies<Float> F = VectorWidth.FLOAT;
    static final VectorSpecies<Integer> I = VectorWidth.INT;
    static final int L = F.length();
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** From this many rows of x on, {@link PackedGemm}; below, the matvec over W as stored. */
    static final int PACK_MIN_ROWS = 4;

    private Gemm() {
    }

    public static void linear(float[] x, int m, int k, Tensor w, float[] bias, float[] y) {
        linear(x, m, k, w, bias, y, null);
    }

    /**
     * {@code y = x·Wᵀ + bias}, then {@code ep} over y (null: none). From {@value #PACK_MIN_ROWS} rows on the epilogue
     * runs on each finished block of y inside the GEMM's threads ({@link PackedGemm}); below, once over all of y.
     */
    public static void linear(float[] x, int m, int k, Tensor w, float[] bias, float[] y, Epilogue ep) {
        boolean bf16 = check(x, m, k, w, bias, y);
        int n = w.dim(0);
        if (m >= PACK_MIN_ROWS) {
            PackedGemm.linear(x, m, k, PackedGemm.packed(w), bias, y, ep);
            return;
        }
        PackedGemm.Packed p = PackedGemm.packedIfBuilt(w);
        if (p != null) {
            PanelMatvec.linear(x, m, k, p, bias, y);
            if (ep != null) ep.apply(y, n, 0, m, 0, n);
            return;
        }
        MemorySegment ws = w.segment();
        if (bf16) {
            float[] split = splitEvenOdd(x, m, k);
            Parallel.forRangeBalanced(n, 64, blockRows(2 * k), (lo, hi) -> matvecBf16(x, split, m, k, ws, bias, y, n, lo, hi));
        } else {
            Parallel.forRangeBalanced(n, 64, blockRows(4 * k), (lo, hi) -> matvecF32(x, m, k, ws, bias, y, n, lo, hi));
        }
        if (ep != null) ep.apply(y, n, 0, m, 0, n);
    }

    /** Checks that W {@code [n, k]} takes x {@code [m, k]} into y {@code [m, n]}; true for BF16 W, false for F32. */
    static boolean check(float[] x, int m, int k, Tensor w, float[] bias, float[] y) {
        if (w.rank() != 2 || w.dim(1) != k)
            throw new IllegalArgumentException(w + " does not take inputs of width " + k);
        int n = w.dim(0);
        if (x.length < (long) m * k || y.length < (long) m * n || (bias != null && bias.length < n))
            throw new IllegalArgumentException("buffers too small for " + m + "x" + k + " · " + w);
        return switch (w.dtype()) {
            case F32 -> false;
            case BF16 -> true;
            default -> throw new IllegalArgumentException(w + ": GEMM takes F32 or BF16 weights");
        };
    }

    /**
     * {@code ys[i] = x · ws[i]ᵀ + biases[i]} for weights that all take the same x (q, k and v; gate and up): below
     * {@value #PACK_MIN_ROWS} rows one job over all their output rows, so decode hands the threads one job instead of
     * one per weight, and x is split into even and odd elements once; from it on, one {@link #linear} each.
     */
    public static void linearSameInput(float[] x, int m, int k, Tensor[] ws, float[][] biases, float[][] ys) {
        if (m >= PACK_MIN_ROWS) {
            for (int i = 0; i < ws.length; i++) linear(x, m, k, ws[i], biases[i], ys[i]);
            return;
        }
        int[] rows = new int[ws.length];
        boolean anyBf16 = false;
        PackedGemm.Packed[] packed = new PackedGemm.Packed[ws.length];
        boolean allPacked = true;
        for (int i = 0; i < ws.length; i++) {
            anyBf16 |= check(x, m, k, ws[i], biases[i], ys[i]);
            rows[i] = ws[i].dim(0);
            packed[i] = PackedGemm.packedIfBuilt(ws[i]);
            allPacked &= packed[i] != null;
        }
        if (allPacked) {
            int[] panels = new int[ws.length];
            for (int i = 0; i < ws.length; i++) panels[i] = packed[i].panels();
            Parallel.forPartsBalanced(panels, 1, PanelMatvec.block(packed[0]),
                    (i, lo, hi) -> PanelMatvec.panels(x, m, k, packed[i], biases[i], ys[i], rows[i], lo, hi));
            return;
        }
        float[] split = anyBf16 ? splitEvenOdd(x, m, k) : null;
        Parallel.forPartsBalanced(rows, 64, blockRows(2 * k), (i, lo, hi) -> {
            Tensor w = ws[i];
            if (w.dtype() == DType.BF16) matvecBf16(x, split, m, k, w.segment(), biases[i], ys[i], rows[i], lo, hi);
            else matvecF32(x, m, k, w.segment(), biases[i], ys[i], rows[i], lo, hi);
        });
    }

    /**
     * Rows per block of a decode matvec's job ({@link Parallel#forRangeBalanced}): about 128 KiB of weights, so that a
     * thread whose chunk is done takes over the back of the other's in pieces of a few microseconds, while the block
     * calls cost nothing next to them. Measured on the q8 decode at 1700 tokens (2 threads, alternating processes):
     * the typical step is unchanged, and the repeats where one core runs slow for a while (a whole repeat's median
     * step at 30-42 ms instead of 18-24) went from 4 in 42 to 1 in 42.
     */
    public static int blockRows(long rowBytes) {
        return (int) Math.max(8, (1L << 17) / Math.max(1, rowBytes));
    }

    // ---- Matvec: one weight row at a time, streamed front to back (one sequential stream per thread reads DRAM
    // faster here than 4 interleaved rows: 14-15 GB/s against 9-10 GB/s for the BF16 LM head on 2 threads), against
    // each of the m ≤ 3 rows of x, which stay in L1.

    static void matvecF32(float[] x, int m, int k, MemorySegment w, float[] bias, float[] y, int n, int j0, int j1) {
        long rb = 4L * k;
        for (int j = j0; j < j1; j++)
            for (int i = 0; i < m; i++) y[i * n + j] = dotF32(x, i * k, k, w, j * rb) + (bias == null ? 0f : bias[j]);
    }

    static float dotF32(float[] x, int xo, int k, MemorySegment w, long wo) {
        FloatVector c = FloatVector.zero(F), d = c;
        int e = 0;
        for (; e + 2 * L <= k; e += 2 * L) {
            c = FloatVector.fromArray(F, x, xo + e).fma(FloatVector.fromMemorySegment(F, w, wo + 4L * e, LE), c);
            d = FloatVector.fromArray(F, x, xo + e + L).fma(FloatVector.fromMemorySegment(F, w, wo + 4L * e + 4L * L, LE), d);
        }
        float s = LaneSum.sum(c.add(d));
        for (; e < k; e++) s += x[xo + e] * w.get(Kernels.F32LE, wo + 4L * e);
        return s;
    }

    // ---- BF16: one 32-bit lane of W holds elements 2i (low half) and 2i+1 (high half): shifting left by 16 gives
    // element 2i as a float, masking the low half away gives 2i+1. So x is split once per call, per block of 2L
    // elements, into its even and odd elements, and 2L weights cost one load, one shift, one and, and two FMAs.

    /** Per x row, per block b of 2L elements: L even elements at {@code [b·2L, b·2L+L)}, then L odd ones. */
    static float[] splitEvenOdd(float[] x, int m, int k) {
        int ub = (k / (2 * L)) * 2 * L;
        float[] s = new float[m * ub];
        for (int i = 0; i < m; i++)
            for (int b = 0; b < ub; b += 2 * L)
                for (int l = 0; l < L; l++) {
                    s[i * ub + b + l] = x[i * k + b + 2 * l];
                    s[i * ub + b + L + l] = x[i * k + b + 2 * l + 1];
                }
        return s;
    }

    static void matvecBf16(float[] x, float[] split, int m, int k, MemorySegment w, float[] bias, float[] y, int n, int j0, int j1) {
        long rb = 2L * k;
        for (int j = j0; j < j1; j++)
            for (int i = 0; i < m; i++) y[i * n + j] = dotBf16(x, split, i, k, w, j * rb) + (bias == null ? 0f : bias[j]);
    }

    private static final int HIGH = 0xffff0000;

    static float dotBf16(float[] x, float[] split, int i, int k, MemorySegment w, long wo) {
        int ub = (k / (2 * L)) * 2 * L, so = i * ub;
        FloatVector c = FloatVector.zero(F), d = c, c2 = c, d2 = c;
        int e = 0;
        for (; e + 4 * L <= ub; e += 4 * L) {
            IntVector p = IntVector.fromMemorySegment(I, w, wo + 2L * e, LE);
            IntVector q = IntVector.fromMemorySegment(I, w, wo + 2L * e + 4 * L, LE);
            c = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, split, so + e), c);
            d = p.and(HIGH).reinterpretAsFloats().fma(FloatVector.fromArray(F, split, so + e + L), d);
            c2 = q.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, split, so + e + 2 * L), c2);
            d2 = q.and(HIGH).reinterpretAsFloats().fma(FloatVector.fromArray(F, split, so + e + 3 * L), d2);
        }
        c = c.add(c2);
        d = d.add(d2);
        for (; e < ub; e += 2 * L) {
            IntVector p = IntVector.fromMemorySegment(I, w, wo + 2L * e, LE);
            c = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, split, so + e), c);
            d = p.and(HIGH).reinterpretAsFloats().fma(FloatVector.fromArray(F, split, so + e + L), d);
        }
        float s = LaneSum.sum(c.add(d));
        for (; e < k; e++) s += x[i * k + e] * bf16At(w, wo, e);
        return s;
    }

    static float bf16At(MemorySegment w, long rowOff, int e) {
        return Float.intBitsToFloat((w.get(Kernels.I16LE, rowOff + 2L * e) & 0xffff) << 16);
    }
}
