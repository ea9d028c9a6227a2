package dev.dycoke4j.kernel;

import dev.dycoke4j.parallel.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

/**
 * The decode matvec (a few rows of x) over a weight's {@link PackedGemm} panels, so that once a weight is packed its
 * original need not stay resident. A panel holds, for each element e of k, its nr output columns side by side: one
 * row of x runs down the panel front to back with a broadcast of {@code x[e]} and one FMA per weight vector into nr
 * columns of accumulators, no horizontal sums. Each step is unrolled by two elements into two sets of accumulators,
 * so that the FMA chains do not wait on each other while the panel streams from memory. Further rows of x run
 * through the same panel again while it is in L2.
 */
final class PanelMatvec {
    static final VectorSpecies<Float> F = VectorWidth.FLOAT;
    static final VectorSpecies<Integer> I = VectorWidth.INT;
    static final int L = F.length();
    private static final int HIGH = 0xffff0000;

    private PanelMatvec() {
    }

    /** {@code y[m, n] = x[m, k]·Wᵀ + b} over W's panels, in blocks of about 128 KiB balanced between the threads. */
    static void linear(float[] x, int m, int k, PackedGemm.Packed w, float[] bias, float[] y) {
        Parallel.forRangeBalanced(w.panels(), 1, block(w), (lo, hi) -> panels(x, m, k, w, bias, y, w.n(), lo, hi));
    }

    /** Panels per block of a balanced job: about 128 KiB of weights (see {@link Gemm#blockRows}). */
    static int block(PackedGemm.Packed w) {
        long bytes = (long) w.k() * w.nr() * (w.bf16() ? 2 : 4);
        return (int) Math.max(1, (1L << 17) / bytes);
    }

    /** Panels {@code [p0, p1)} of y for every row of x; y's row stride is {@code n}. */
    static void panels(float[] x, int m, int k, PackedGemm.Packed w, float[] bias, float[] y, int n, int p0, int p1) {
        int nr = w.nr();
        long bytes = w.bf16() ? 2 : 4;
        float[] acc = new float[nr];
        for (int p = p0; p < p1; p++) {
            long off = (long) p * k * nr * bytes;
            int j = p * nr, cols = Math.min(nr, w.n() - j);
            for (int i = 0; i < m; i++) {
                if (w.tile() == PackedGemm.Tile.WIDE) {
                    if (w.bf16()) wideBf16(x, i * k, k, w.seg(), off, acc);
                    else wideF32(x, i * k, k, w.seg(), off, acc);
                } else if (w.bf16()) narrowBf16(x, i * k, k, w.seg(), off, acc);
                else narrowF32(x, i * k, k, w.seg(), off, acc);
                for (int c = 0; c < cols; c++) y[i * n + j + c] = acc[c] + (bias == null ? 0f : bias[j + c]);
            }
        }
    }

    /** {@code acc[c] = Σ_e x[xo + e]·panel[e][c]} over a wide BF16 panel (4L columns, two 32-bit loads per element). */
    static void wideBf16(float[] x, int xo, int k, MemorySegment b, long off, float[] acc) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        long step = 4L * L * 2, bo = off;
        int e = 0;
        for (; e + 2 <= k; e += 2, bo += 2 * step) {
            IntVector p0 = IntVector.fromMemorySegment(I, b, bo, PackedGemm.LE), p1 = IntVector.fromMemorySegment(I, b, bo + 4L * L, PackedGemm.LE);
            IntVector q0 = IntVector.fromMemorySegment(I, b, bo + step, PackedGemm.LE), q1 = IntVector.fromMemorySegment(I, b, bo + step + 4L * L, PackedGemm.LE);
            FloatVector u = FloatVector.broadcast(F, x[xo + e]), v = FloatVector.broadcast(F, x[xo + e + 1]);
            a0 = u.fma(p0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), a0);
            a1 = u.fma(p0.and(HIGH).reinterpretAsFloats(), a1);
            a2 = u.fma(p1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), a2);
            a3 = u.fma(p1.and(HIGH).reinterpretAsFloats(), a3);
            b0 = v.fma(q0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), b0);
            b1 = v.fma(q0.and(HIGH).reinterpretAsFloats(), b1);
            b2 = v.fma(q1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), b2);
            b3 = v.fma(q1.and(HIGH).reinterpretAsFloats(), b3);
        }
        if (e < k) {
            IntVector p0 = IntVector.fromMemorySegment(I, b, bo, PackedGemm.LE), p1 = IntVector.fromMemorySegment(I, b, bo + 4L * L, PackedGemm.LE);
            FloatVector u = FloatVector.broadcast(F, x[xo + e]);
            a0 = u.fma(p0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), a0);
            a1 = u.fma(p0.and(HIGH).reinterpretAsFloats(), a1);
            a2 = u.fma(p1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), a2);
            a3 = u.fma(p1.and(HIGH).reinterpretAsFloats(), a3);
        }
        a0.add(b0).intoArray(acc, 0);
        a1.add(b1).intoArray(acc, L);
        a2.add(b2).intoArray(acc, 2 * L);
        a3.add(b3).intoArray(acc, 3 * L);
    }

    /** As {@link #wideBf16} over a wide F32 panel (four loads per element). */
    static void wideF32(float[] x, int xo, int k, MemorySegment b, long off, float[] acc) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        long step = 4L * L * 4, bo = off;
        int e = 0;
        for (; e + 2 <= k; e += 2, bo += 2 * step) {
            FloatVector u = FloatVector.broadcast(F, x[xo + e]), v = FloatVector.broadcast(F, x[xo + e + 1]);
            a0 = u.fma(FloatVector.fromMemorySegment(F, b, bo, PackedGemm.LE), a0);
            a1 = u.fma(FloatVector.fromMemorySegment(F, b, bo + 4L * L, PackedGemm.LE), a1);
            a2 = u.fma(FloatVector.fromMemorySegment(F, b, bo + 8L * L, PackedGemm.LE), a2);
            a3 = u.fma(FloatVector.fromMemorySegment(F, b, bo + 12L * L, PackedGemm.LE), a3);
            b0 = v.fma(FloatVector.fromMemorySegment(F, b, bo + step, PackedGemm.LE), b0);
            b1 = v.fma(FloatVector.fromMemorySegment(F, b, bo + step + 4L * L, PackedGemm.LE), b1);
            b2 = v.fma(FloatVector.fromMemorySegment(F, b, bo + step + 8L * L, PackedGemm.LE), b2);
            b3 = v.fma(FloatVector.fromMemorySegment(F, b, bo + step + 12L * L, PackedGemm.LE), b3);
        }
        if (e < k) {
            FloatVector u = FloatVector.broadcast(F, x[xo + e]);
            a0 = u.fma(FloatVector.fromMemorySegment(F, b, bo, PackedGemm.LE), a0);
            a1 = u.fma(FloatVector.fromMemorySegment(F, b, bo + 4L * L, PackedGemm.LE), a1);
            a2 = u.fma(FloatVector.fromMemorySegment(F, b, bo + 8L * L, PackedGemm.LE), a2);
            a3 = u.fma(FloatVector.fromMemorySegment(F, b, bo + 12L * L, PackedGemm.LE), a3);
        }
        a0.add(b0).intoArray(acc, 0);
        a1.add(b1).intoArray(acc, L);
        a2.add(b2).intoArray(acc, 2 * L);
        a3.add(b3).intoArray(acc, 3 * L);
    }

    /** As {@link #wideBf16} over a narrow BF16 panel (2L columns, one 32-bit load per element). */
    static void narrowBf16(float[] x, int xo, int k, MemorySegment b, long off, float[] acc) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0;
        long step = 2L * L * 2, bo = off;
        int e = 0;
        for (; e + 2 <= k; e += 2, bo += 2 * step) {
            IntVector p = IntVector.fromMemorySegment(I, b, bo, PackedGemm.LE), q = IntVector.fromMemorySegment(I, b, bo + step, PackedGemm.LE);
            FloatVector u = FloatVector.broadcast(F, x[xo + e]), v = FloatVector.broadcast(F, x[xo + e + 1]);
            a0 = u.fma(p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), a0);
            a1 = u.fma(p.and(HIGH).reinterpretAsFloats(), a1);
            b0 = v.fma(q.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), b0);
            b1 = v.fma(q.and(HIGH).reinterpretAsFloats(), b1);
        }
        if (e < k) {
            IntVector p = IntVector.fromMemorySegment(I, b, bo, PackedGemm.LE);
            FloatVector u = FloatVector.broadcast(F, x[xo + e]);
            a0 = u.fma(p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), a0);
            a1 = u.fma(p.and(HIGH).reinterpretAsFloats(), a1);
        }
        a0.add(b0).intoArray(acc, 0);
        a1.add(b1).intoArray(acc, L);
    }

    /** As {@link #wideBf16} over a narrow F32 panel (two loads per element). */
    static void narrowF32(float[] x, int xo, int k, MemorySegment b, long off, float[] acc) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0;
        long step = 2L * L * 4, bo = off;
        int e = 0;
        for (; e + 2 <= k; e += 2, bo += 2 * step) {
            FloatVector u = FloatVector.broadcast(F, x[xo + e]), v = FloatVector.broadcast(F, x[xo + e + 1]);
            a0 = u.fma(FloatVector.fromMemorySegment(F, b, bo, PackedGemm.LE), a0);
            a1 = u.fma(FloatVector.fromMemorySegment(F, b, bo + 4L * L, PackedGemm.LE), a1);
            b0 = v.fma(FloatVector.fromMemorySegment(F, b, bo + step, PackedGemm.LE), b0);
            b1 = v.fma(FloatVector.fromMemorySegment(F, b, bo + step + 4L * L, PackedGemm.LE), b1);
        }
        if (e < k) {
            FloatVector u = FloatVector.broadcast(F, x[xo + e]);
            a0 = u.fma(FloatVector.fromMemorySegment(F, b, bo, PackedGemm.LE), a0);
            a1 = u.fma(FloatVector.fromMemorySegment(F, b, bo + 4L * L, PackedGemm.LE), a1);
        }
        a0.add(b0).intoArray(acc, 0);
        a1.add(b1).intoArray(acc, L);
    }
}
