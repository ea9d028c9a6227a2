package dev.dycoke4j.bench;

import dev.dycoke4j.parallel.Parallel;
import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * The GEMM as it was before the packed-panel rewrite (a 4x4 dot-product tile), kept only so that one JMH run can
 * compare old and new side by side on this noisy machine. Not used by the engine.
 *
 * <p>{@code y[m,n] = x[m,k] · W[n,k]ᵀ (+ bias[n])}: every linear layer. W is a PyTorch {@code [out, in]} weight in F32
 * or BF16, read straight from its (memory-mapped) segment; x and y are row-major float arrays.
 *
 * <p>For m ≥ 4 it is a register-tiled GEMM: 4 rows of x times 4 rows of W, 16 vector accumulators, so every loaded
 * vector feeds 4 FMAs. Blocks of 64 x-rows stay in cache while W streams by. For m < 4 (decode) it is a matvec: 4
 * weight rows at a time against each x row, bound by the bytes of W.
 */
public final class BaselineGemm {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Shorts at half the float vector's width: the same lane count, for widening BF16. */
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    static final int L = F.length();
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final int MB = 64, NB = 64;
    static final java.lang.foreign.ValueLayout.OfFloat F32LE = java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    static final java.lang.foreign.ValueLayout.OfShort I16LE = java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);

    private BaselineGemm() {
    }

    public static void linear(float[] x, int m, int k, Tensor w, float[] bias, float[] y) {
        if (w.rank() != 2 || w.dim(1) != k)
            throw new IllegalArgumentException(w + " does not take inputs of width " + k);
        int n = w.dim(0);
        if (x.length < (long) m * k || y.length < (long) m * n || (bias != null && bias.length < n))
            throw new IllegalArgumentException("buffers too small for " + m + "x" + k + " · " + w);
        MemorySegment ws = w.segment();
        boolean bf16 = switch (w.dtype()) {
            case F32 -> false;
            case BF16 -> true;
            default -> throw new IllegalArgumentException(w + ": GEMM takes F32 or BF16 weights");
        };
        if (m < 4) {
            int groups = (n + 3) / 4;
            Parallel.forRange(groups, 16, (lo, hi) -> matvecRows(x, m, k, ws, bf16, bias, y, n, lo * 4, Math.min(n, hi * 4)));
        } else {
            int ib = (m + MB - 1) / MB, jb = (n + NB - 1) / NB;
            Parallel.forRange(ib * jb, 1, (lo, hi) -> {
                for (int t = lo; t < hi; t++) gemmBlock(x, m, k, ws, bf16, bias, y, n, (t / jb) * MB, (t % jb) * NB);
            });
        }
    }

    static void matvecRows(float[] x, int m, int k, MemorySegment w, boolean bf16, float[] bias, float[] y, int n, int j0, int j1) {
        long rb = (long) k * (bf16 ? 2 : 4);
        int j = j0;
        for (; j + 4 <= j1; j += 4)
            for (int i = 0; i < m; i++)
                dot1x4(x, i * k, w, j * rb, rb, k, bf16, y, i * n + j, bias, j);
        for (; j < j1; j++)
            for (int i = 0; i < m; i++)
                y[i * n + j] = dot1x1(x, i * k, w, j * rb, k, bf16) + (bias == null ? 0f : bias[j]);
    }

    static void gemmBlock(float[] x, int m, int k, MemorySegment w, boolean bf16, float[] bias, float[] y, int n, int i0, int j0) {
        int i1 = Math.min(m, i0 + MB), j1 = Math.min(n, j0 + NB);
        long rb = (long) k * (bf16 ? 2 : 4);
        int j = j0;
        for (; j + 4 <= j1; j += 4) {
            int i = i0;
            for (; i + 4 <= i1; i += 4) {
                if (bf16) tile4x4Bf16(x, i * k, k, w, j * rb, rb, y, i * n + j, n, bias, j);
                else tile4x4F32(x, i * k, k, w, j * rb, rb, y, i * n + j, n, bias, j);
            }
            for (; i < i1; i++) dot1x4(x, i * k, w, j * rb, rb, k, bf16, y, i * n + j, bias, j);
        }
        for (; j < j1; j++)
            for (int i = i0; i < i1; i++)
                y[i * n + j] = dot1x1(x, i * k, w, j * rb, k, bf16) + (bias == null ? 0f : bias[j]);
    }

    /** Loads L weights starting at element {@code e} of the row at byte offset {@code rowOff}, widening BF16. */
    static FloatVector loadW(MemorySegment w, long rowOff, int e, boolean bf16) {
        if (!bf16) return FloatVector.fromMemorySegment(F, w, rowOff + 4L * e, LE);
        return ((IntVector) ShortVector.fromMemorySegment(S, w, rowOff + 2L * e, LE).convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    static float wAt(MemorySegment w, long rowOff, int e, boolean bf16) {
        if (!bf16) return w.get(F32LE, rowOff + 4L * e);
        return Float.intBitsToFloat((w.get(I16LE, rowOff + 2L * e) & 0xffff) << 16);
    }

    static void tile4x4F32(float[] x, int xo, int k, MemorySegment w, long wo, long rb, float[] y, int yo, int n, float[] bias, int j) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        int x1 = xo + k, x2 = x1 + k, x3 = x2 + k;
        long w1 = wo + rb, w2 = w1 + rb, w3 = w2 + rb;
        int e = 0, ub = F.loopBound(k);
        for (; e < ub; e += L) {
            FloatVector b0 = FloatVector.fromMemorySegment(F, w, wo + 4L * e, LE);
            FloatVector b1 = FloatVector.fromMemorySegment(F, w, w1 + 4L * e, LE);
            FloatVector b2 = FloatVector.fromMemorySegment(F, w, w2 + 4L * e, LE);
            FloatVector b3 = FloatVector.fromMemorySegment(F, w, w3 + 4L * e, LE);
            FloatVector a = FloatVector.fromArray(F, x, xo + e);
            c00 = a.fma(b0, c00); c01 = a.fma(b1, c01); c02 = a.fma(b2, c02); c03 = a.fma(b3, c03);
            a = FloatVector.fromArray(F, x, x1 + e);
            c10 = a.fma(b0, c10); c11 = a.fma(b1, c11); c12 = a.fma(b2, c12); c13 = a.fma(b3, c13);
            a = FloatVector.fromArray(F, x, x2 + e);
            c20 = a.fma(b0, c20); c21 = a.fma(b1, c21); c22 = a.fma(b2, c22); c23 = a.fma(b3, c23);
            a = FloatVector.fromArray(F, x, x3 + e);
            c30 = a.fma(b0, c30); c31 = a.fma(b1, c31); c32 = a.fma(b2, c32); c33 = a.fma(b3, c33);
        }
        store4(y, yo, c00, c01, c02, c03, x, xo, w, wo, rb, e, k, false, bias, j);
        store4(y, yo + n, c10, c11, c12, c13, x, x1, w, wo, rb, e, k, false, bias, j);
        store4(y, yo + 2 * n, c20, c21, c22, c23, x, x2, w, wo, rb, e, k, false, bias, j);
        store4(y, yo + 3 * n, c30, c31, c32, c33, x, x3, w, wo, rb, e, k, false, bias, j);
    }

    static void tile4x4Bf16(float[] x, int xo, int k, MemorySegment w, long wo, long rb, float[] y, int yo, int n, float[] bias, int j) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        int x1 = xo + k, x2 = x1 + k, x3 = x2 + k;
        long w1 = wo + rb, w2 = w1 + rb, w3 = w2 + rb;
        int e = 0, ub = F.loopBound(k);
        for (; e < ub; e += L) {
            FloatVector b0 = loadW(w, wo, e, true), b1 = loadW(w, w1, e, true);
            FloatVector b2 = loadW(w, w2, e, true), b3 = loadW(w, w3, e, true);
            FloatVector a = FloatVector.fromArray(F, x, xo + e);
            c00 = a.fma(b0, c00); c01 = a.fma(b1, c01); c02 = a.fma(b2, c02); c03 = a.fma(b3, c03);
            a = FloatVector.fromArray(F, x, x1 + e);
            c10 = a.fma(b0, c10); c11 = a.fma(b1, c11); c12 = a.fma(b2, c12); c13 = a.fma(b3, c13);
            a = FloatVector.fromArray(F, x, x2 + e);
            c20 = a.fma(b0, c20); c21 = a.fma(b1, c21); c22 = a.fma(b2, c22); c23 = a.fma(b3, c23);
            a = FloatVector.fromArray(F, x, x3 + e);
            c30 = a.fma(b0, c30); c31 = a.fma(b1, c31); c32 = a.fma(b2, c32); c33 = a.fma(b3, c33);
        }
        store4(y, yo, c00, c01, c02, c03, x, xo, w, wo, rb, e, k, true, bias, j);
        store4(y, yo + n, c10, c11, c12, c13, x, x1, w, wo, rb, e, k, true, bias, j);
        store4(y, yo + 2 * n, c20, c21, c22, c23, x, x2, w, wo, rb, e, k, true, bias, j);
        store4(y, yo + 3 * n, c30, c31, c32, c33, x, x3, w, wo, rb, e, k, true, bias, j);
    }

    /** Reduces four accumulators of one x row, adds the k-tail from element {@code e} and the bias, and stores. */
    private static void store4(float[] y, int yo, FloatVector c0, FloatVector c1, FloatVector c2, FloatVector c3,
                               float[] x, int xo, MemorySegment w, long wo, long rb, int e, int k, boolean bf16, float[] bias, int j) {
        float s0 = c0.reduceLanes(VectorOperators.ADD), s1 = c1.reduceLanes(VectorOperators.ADD);
        float s2 = c2.reduceLanes(VectorOperators.ADD), s3 = c3.reduceLanes(VectorOperators.ADD);
        for (; e < k; e++) {
            float a = x[xo + e];
            s0 += a * wAt(w, wo, e, bf16);
            s1 += a * wAt(w, wo + rb, e, bf16);
            s2 += a * wAt(w, wo + 2 * rb, e, bf16);
            s3 += a * wAt(w, wo + 3 * rb, e, bf16);
        }
        if (bias != null) {
            s0 += bias[j];
            s1 += bias[j + 1];
            s2 += bias[j + 2];
            s3 += bias[j + 3];
        }
        y[yo] = s0;
        y[yo + 1] = s1;
        y[yo + 2] = s2;
        y[yo + 3] = s3;
    }

    static void dot1x4(float[] x, int xo, MemorySegment w, long wo, long rb, int k, boolean bf16, float[] y, int yo, float[] bias, int j) {
        FloatVector c0 = FloatVector.zero(F), c1 = c0, c2 = c0, c3 = c0;
        long w1 = wo + rb, w2 = w1 + rb, w3 = w2 + rb;
        int e = 0, ub = F.loopBound(k);
        for (; e < ub; e += L) {
            FloatVector a = FloatVector.fromArray(F, x, xo + e);
            c0 = a.fma(loadW(w, wo, e, bf16), c0);
            c1 = a.fma(loadW(w, w1, e, bf16), c1);
            c2 = a.fma(loadW(w, w2, e, bf16), c2);
            c3 = a.fma(loadW(w, w3, e, bf16), c3);
        }
        store4(y, yo, c0, c1, c2, c3, x, xo, w, wo, rb, e, k, bf16, bias, j);
    }

    static float dot1x1(float[] x, int xo, MemorySegment w, long wo, int k, boolean bf16) {
        FloatVector c = FloatVector.zero(F);
        int e = 0, ub = F.loopBound(k);
        for (; e < ub; e += L) c = FloatVector.fromArray(F, x, xo + e).fma(loadW(w, wo, e, bf16), c);
        float s = c.reduceLanes(VectorOperators.ADD);
        for (; e < k; e++) s += x[xo + e] * wAt(w, wo, e, bf16);
        return s;
    }

    /** Whether {@link #linear} takes weights of this dtype directly. */
    public static boolean supports(DType t) {
        return t == DType.F32 || t == DType.BF16;
    }
}
