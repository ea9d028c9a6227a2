package dev.dycoke4j.bench;

import dev.dycoke4j.kernel.Gemm;
import dev.dycoke4j.kernel.VectorWidth;
import dev.dycoke4j.parallel.Parallel;
import dev.dycoke4j.tensor.Q8Matrix;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The int8 decode matvec the engine used before its 8-row tile (four rows of x sharing the widening, a scale FMA per
 * row and block, {@code reduceLanes} per row and output), kept verbatim only so that one run can compare it with
 * {@code GemmQ8.linear} up to 8 rows of x. Not used by the engine.
 */
public final class BaselineGemmQ8 {
    static final VectorSpecies<Float> F = VectorWidth.FLOAT;
    static final VectorSpecies<Integer> I = VectorWidth.INT;
    static final int L = F.length();
    static final VectorSpecies<Byte> B = L >= 8 ? VectorSpecies.of(byte.class, VectorShape.forBitSize(8 * L)) : null;
    static final int BLOCK = Q8Matrix.BLOCK, GROUP = Q8Matrix.GROUP;
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfFloat F32LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    static final boolean GROUPED = L >= 4 && 16 % L == 0;
    static final int H = GROUPED ? 16 / L : 0;

    private BaselineGemmQ8() {
    }

    /** As {@link #linear}, several weights over the same x in one job, as the engine computed it. */
    public static void linearSameInput(float[] x, int m, int k, Q8Matrix[] ws, float[][] biases, float[][] ys) {
        if (m > 8) throw new IllegalArgumentException("the baseline matvec takes up to 8 rows, not " + m);
        int[] rows = new int[ws.length];
        for (int i = 0; i < ws.length; i++) rows[i] = ws[i].rows();
        Parallel.forPartsBalanced(rows, 64, Gemm.blockRows(k), (i, lo, hi) -> matvec(x, m, k, ws[i].quants(), ws[i].scales(), biases[i], ys[i], rows[i], lo, hi));
    }

    /** {@code y = x · Wᵀ + bias} for up to 8 rows of x, as the engine computed it. */
    public static void linear(float[] x, int m, int k, Q8Matrix w, float[] bias, float[] y) {
        if (m > 8) throw new IllegalArgumentException("the baseline matvec takes up to 8 rows, not " + m);
        int n = w.rows();
        MemorySegment q = w.quants(), s = w.scales();
        Parallel.forRangeBalanced(n, 64, Gemm.blockRows(k), (lo, hi) -> matvec(x, m, k, q, s, bias, y, n, lo, hi));
    }

    /** Rows {@code [j0, j1)} of y. */
    static void matvec(float[] x, int m, int k, MemorySegment q, MemorySegment s, float[] bias, float[] y, int n, int j0, int j1) {
        int blocks = k / BLOCK, whole = k / GROUP * GROUP;
        int four = GROUPED ? m / 4 * 4 : 0;
        for (int i = 0; i < four; i += 4) matvecGrouped4(x, i * k, k, q, s, y, i * n, n, j0, j1);
        for (int i = 0; i < m; i++) {
            int xo = i * k, yo = i * n;
            if (GROUPED && i >= four) matvecGrouped(x, xo, k, q, s, y, yo, j0, j1);
            for (int j = j0; j < j1; j++) {
                long qo = (long) j * k, so = 4L * j * blocks;
                float v = GROUPED ? y[yo + j] : dotScalar(x, xo, k, q, qo, s, so);
                if (GROUPED && whole < k) v += half(x, xo + whole, q, qo + whole, s.get(F32LE, so + 4L * (whole / BLOCK)));
                y[yo + j] = v + (bias == null ? 0f : bias[j]);
            }
        }
    }

    /**
     * {@code y[yo + j] = Σ_e x[xo + e] · q[e] · scale[e/32]} over the whole groups of rows {@code [j0, j1)}, a group of
     * 64 quants per step as the class comment says (a last half group and the bias are added by the caller). One
     * method with the row loop inside and one row of x, its loops counted in ints, so that C2 hoists the bounds
     * checks and unrolls the group loop: a call per row cost about 15% with the weights in cache, where this matvec
     * is bound by its instructions; a loop over long offsets kept every bounds check and a safepoint poll; and a loop
     * over the rows of x inside the row loop, or the last half group and the bias in it, cost about 20%. On Zen 5, 2
     * threads, a layer's o projection in L3 runs at 56 GB/s this way, against 30 for the old layout's kernel, which
     * also permuted x and blended two scales. Two rows per step, x loaded once for both, ran faster in cache (68
     * against 58 GB/s on o) but slower from DRAM (29 against 43 on 24 layers' o, 26 against 33 on gate), where
     * decode reads its weights: two streams per thread instead of one.
     */
    static void matvecGrouped(float[] x, int xo, int k, MemorySegment q, MemorySegment s, float[] y, int yo, int j0, int j1) {
        int groups = k / GROUP, blocks = k / BLOCK;
        for (int j = j0; j < j1; j++) {
            long qo = (long) j * k, so = 4L * j * blocks;
            FloatVector c0 = FloatVector.zero(F), c1 = c0;
            for (int g = 0; g < groups; g++) {
                int xe = xo + g * GROUP;
                long qe = qo + (long) g * GROUP;
                IntVector w = IntVector.fromMemorySegment(I, q, qe, LE);
                FloatVector a0 = part(w, 24).mul(FloatVector.fromArray(F, x, xe));
                FloatVector a1 = part(w, 8).mul(FloatVector.fromArray(F, x, xe + 32));
                a0 = part(w, 16).fma(FloatVector.fromArray(F, x, xe + 16), a0);
                a1 = part(w, 0).fma(FloatVector.fromArray(F, x, xe + 48), a1);
                for (int h = 1; h < H; h++) { // the other words of the group where a vector holds fewer than 16
                    w = IntVector.fromMemorySegment(I, q, qe + 4L * L * h, LE);
                    int xh = xe + L * h;
                    a0 = part(w, 24).fma(FloatVector.fromArray(F, x, xh), a0);
                    a1 = part(w, 8).fma(FloatVector.fromArray(F, x, xh + 32), a1);
                    a0 = part(w, 16).fma(FloatVector.fromArray(F, x, xh + 16), a0);
                    a1 = part(w, 0).fma(FloatVector.fromArray(F, x, xh + 48), a1);
                }
                c0 = a0.fma(FloatVector.broadcast(F, s.get(F32LE, so + 8L * g)), c0);
                c1 = a1.fma(FloatVector.broadcast(F, s.get(F32LE, so + 8L * g + 4)), c1);
            }
            y[yo + j] = c0.add(c1).reduceLanes(VectorOperators.ADD);
        }
    }

    /**
     * {@link #matvecGrouped} for four consecutive rows of x at once ({@code xo} the first's offset, {@code yo} its
     * output's; rows n apart in y): the words of a group are loaded and their bytes converted once for the four, and
     * each row then sums exactly as {@link #matvecGrouped} sums it, so a row's result does not depend on the rows it
     * shares a batch with. Eight accumulators, two partial sums per row and four converted quants: 21 vector
     * registers, within AVX-512's 32 (AVX2's 16 spill a few to L1).
     */
    static void matvecGrouped4(float[] x, int xo, int k, MemorySegment q, MemorySegment s, float[] y, int yo, int n, int j0, int j1) {
        int groups = k / GROUP, blocks = k / BLOCK, x1 = xo + k, x2 = x1 + k, x3 = x2 + k;
        for (int j = j0; j < j1; j++) {
            long qo = (long) j * k, so = 4L * j * blocks;
            FloatVector c0 = FloatVector.zero(F), c1 = c0, d0 = c0, d1 = c0, e0 = c0, e1 = c0, f0 = c0, f1 = c0;
            for (int g = 0; g < groups; g++) {
                int ge = g * GROUP;
                long qe = qo + ge;
                IntVector w = IntVector.fromMemorySegment(I, q, qe, LE);
                FloatVector p24 = part(w, 24), p8 = part(w, 8), p16 = part(w, 16), p0 = part(w, 0);
                FloatVector a0 = p24.mul(FloatVector.fromArray(F, x, xo + ge)), a1 = p8.mul(FloatVector.fromArray(F, x, xo + ge + 32));
                FloatVector b0 = p24.mul(FloatVector.fromArray(F, x, x1 + ge)), b1 = p8.mul(FloatVector.fromArray(F, x, x1 + ge + 32));
                FloatVector h0 = p24.mul(FloatVector.fromArray(F, x, x2 + ge)), h1 = p8.mul(FloatVector.fromArray(F, x, x2 + ge + 32));
                FloatVector i0 = p24.mul(FloatVector.fromArray(F, x, x3 + ge)), i1 = p8.mul(FloatVector.fromArray(F, x, x3 + ge + 32));
                a0 = p16.fma(FloatVector.fromArray(F, x, xo + ge + 16), a0);
                a1 = p0.fma(FloatVector.fromArray(F, x, xo + ge + 48), a1);
                b0 = p16.fma(FloatVector.fromArray(F, x, x1 + ge + 16), b0);
                b1 = p0.fma(FloatVector.fromArray(F, x, x1 + ge + 48), b1);
                h0 = p16.fma(FloatVector.fromArray(F, x, x2 + ge + 16), h0);
                h1 = p0.fma(FloatVector.fromArray(F, x, x2 + ge + 48), h1);
                i0 = p16.fma(FloatVector.fromArray(F, x, x3 + ge + 16), i0);
                i1 = p0.fma(FloatVector.fromArray(F, x, x3 + ge + 48), i1);
                for (int h = 1; h < H; h++) { // the other words of the group where a vector holds fewer than 16
                    w = IntVector.fromMemorySegment(I, q, qe + 4L * L * h, LE);
                    p24 = part(w, 24);
                    p8 = part(w, 8);
                    p16 = part(w, 16);
                    p0 = part(w, 0);
                    int xh = ge + L * h;
                    a0 = p24.fma(FloatVector.fromArray(F, x, xo + xh), a0);
                    a1 = p8.fma(FloatVector.fromArray(F, x, xo + xh + 32), a1);
                    a0 = p16.fma(FloatVector.fromArray(F, x, xo + xh + 16), a0);
                    a1 = p0.fma(FloatVector.fromArray(F, x, xo + xh + 48), a1);
                    b0 = p24.fma(FloatVector.fromArray(F, x, x1 + xh), b0);
                    b1 = p8.fma(FloatVector.fromArray(F, x, x1 + xh + 32), b1);
                    b0 = p16.fma(FloatVector.fromArray(F, x, x1 + xh + 16), b0);
                    b1 = p0.fma(FloatVector.fromArray(F, x, x1 + xh + 48), b1);
                    h0 = p24.fma(FloatVector.fromArray(F, x, x2 + xh), h0);
                    h1 = p8.fma(FloatVector.fromArray(F, x, x2 + xh + 32), h1);
                    h0 = p16.fma(FloatVector.fromArray(F, x, x2 + xh + 16), h0);
                    h1 = p0.fma(FloatVector.fromArray(F, x, x2 + xh + 48), h1);
                    i0 = p24.fma(FloatVector.fromArray(F, x, x3 + xh), i0);
                    i1 = p8.fma(FloatVector.fromArray(F, x, x3 + xh + 32), i1);
                    i0 = p16.fma(FloatVector.fromArray(F, x, x3 + xh + 16), i0);
                    i1 = p0.fma(FloatVector.fromArray(F, x, x3 + xh + 48), i1);
                }
                FloatVector s0 = FloatVector.broadcast(F, s.get(F32LE, so + 8L * g));
                FloatVector s1 = FloatVector.broadcast(F, s.get(F32LE, so + 8L * g + 4));
                c0 = a0.fma(s0, c0);
                c1 = a1.fma(s1, c1);
                d0 = b0.fma(s0, d0);
                d1 = b1.fma(s1, d1);
                e0 = h0.fma(s0, e0);
                e1 = h1.fma(s1, e1);
                f0 = i0.fma(s0, f0);
                f1 = i1.fma(s1, f1);
            }
            y[yo + j] = c0.add(c1).reduceLanes(VectorOperators.ADD);
            y[yo + n + j] = d0.add(d1).reduceLanes(VectorOperators.ADD);
            y[yo + 2 * n + j] = e0.add(e1).reduceLanes(VectorOperators.ADD);
            y[yo + 3 * n + j] = f0.add(f1).reduceLanes(VectorOperators.ADD);
        }
    }

    /** Byte {@code 3 - shl/8} of each lane of w, sign-extended, as floats. */
    static FloatVector part(IntVector w, int shl) {
        IntVector t = shl == 0 ? w : w.lanewise(VectorOperators.LSHL, shl);
        return (FloatVector) t.lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0);
    }

    /** scale · Σ x[xo+e] · q[qo+e] over a last half group of 32, stored in order. */
    private static float half(float[] x, int xo, MemorySegment q, long qo, float scale) {
        float sum = 0;
        if (B != null) {
            FloatVector a = FloatVector.zero(F);
            for (int v = 0; v < BLOCK; v += L) a = widen(q, qo + v).fma(FloatVector.fromArray(F, x, xo + v), a);
            sum = a.reduceLanes(VectorOperators.ADD);
        } else {
            for (int e = 0; e < BLOCK; e++) sum += x[xo + e] * q.get(ValueLayout.JAVA_BYTE, qo + e);
        }
        return sum * scale;
    }

    /**
     * L int8 quants at byte {@code off}, as L floats: widened to ints, then converted. (Measured on the LM-head shape,
     * 151936 x 896, 2 threads, on a busy machine: as fast as one B2F conversion within the noise, and about 1.4x
     * faster than loading a whole block of 32 bytes and converting it in four parts.)
     */
    static FloatVector widen(MemorySegment q, long off) {
        IntVector i = (IntVector) ByteVector.fromMemorySegment(B, q, off, LE).convertShape(VectorOperators.B2I, I, 0);
        return (FloatVector) i.convert(VectorOperators.I2F, 0);
    }

    /** Σ_e x[xo+e] · W[e] over one row in {@link Q8Matrix}'s byte order, element by element. */
    static float dotScalar(float[] x, int xo, int k, MemorySegment q, long qo, MemorySegment s, long so) {
        float sum = 0;
        for (int b = 0; b < k / BLOCK; b++) {
            float part = 0;
            for (int e = b * BLOCK; e < (b + 1) * BLOCK; e++) part += x[xo + e] * q.get(ValueLayout.JAVA_BYTE, qo + Q8Matrix.position(e, k));
            sum += part * s.get(F32LE, so + 4L * b);
        }
        return sum;
    }
}
