package dev.dycoke4j.kernel;

import dev.dycoke4j.parallel.Parallel;
import dev.dycoke4j.tensor.Q8Matrix;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * {@code y[m,n] = x[m,k] · W[n,k]ᵀ (+ bias[n])} for a {@link Q8Matrix} W: the int8 twin of {@link Gemm#linear}.
 *
 * <p>From {@value Gemm#PACK_MIN_ROWS} rows of x on (prefill) W is dequantized once into {@link PackedGemm}'s F32
 * panels, so prefill runs at the F32 speed. Below (decode) it is a matvec over the int8 quants as stored, bound by the
 * bytes of W (1 + 4/32 bytes per weight against BF16's 2): L quants are loaded as L bytes and widened to L floats in
 * registers ({@code vpmovsxbd} + {@code vcvtdq2ps} with AVX2), each block of 32 is dotted with x into its own
 * accumulator and then scaled once into the row's sum.
 */
public final class GemmQ8 {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    static final int L = F.length();
    /** L bytes, widened to one float vector (null where L bytes are no vector shape: then scalar). */
    static final VectorSpecies<Byte> B = L >= 8 ? VectorSpecies.of(byte.class, VectorShape.forBitSize(8 * L)) : null;
    static final int BLOCK = Q8Matrix.BLOCK;
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private GemmQ8() {
    }

    public static void linear(float[] x, int m, int k, Q8Matrix w, float[] bias, float[] y) {
        check(x, m, k, w, bias, y);
        int n = w.rows();
        if (m >= Gemm.PACK_MIN_ROWS) {
            PackedGemm.linear(x, m, k, PackedGemm.packed(w), bias, y);
            return;
        }
        MemorySegment q = w.quants(), s = w.scales();
        Parallel.forRange(n, 64, (lo, hi) -> matvec(x, m, k, q, s, bias, y, n, lo, hi));
    }

    /** {@link Gemm#linearSameInput} for int8 weights: below {@value Gemm#PACK_MIN_ROWS} rows, one job over all their rows. */
    public static void linearSameInput(float[] x, int m, int k, Q8Matrix[] ws, float[][] biases, float[][] ys) {
        if (m >= Gemm.PACK_MIN_ROWS) {
            for (int i = 0; i < ws.length; i++) linear(x, m, k, ws[i], biases[i], ys[i]);
            return;
        }
        int[] rows = new int[ws.length];
        for (int i = 0; i < ws.length; i++) {
            check(x, m, k, ws[i], biases[i], ys[i]);
            rows[i] = ws[i].rows();
        }
        Parallel.forParts(rows, 64, (i, lo, hi) -> matvec(x, m, k, ws[i].quants(), ws[i].scales(), biases[i], ys[i], rows[i], lo, hi));
    }

    /** Checks that W {@code [n, k]} takes x {@code [m, k]} into y {@code [m, n]}. */
    static void check(float[] x, int m, int k, Q8Matrix w, float[] bias, float[] y) {
        if (w.cols() != k) throw new IllegalArgumentException(w + " does not take inputs of width " + k);
        int n = w.rows();
        if (x.length < (long) m * k || y.length < (long) m * n || (bias != null && bias.length < n))
            throw new IllegalArgumentException("buffers too small for " + m + "x" + k + " · " + w);
    }

    static void matvec(float[] x, int m, int k, MemorySegment q, MemorySegment s, float[] bias, float[] y, int n, int j0, int j1) {
        int blocks = k / BLOCK;
        for (int j = j0; j < j1; j++)
            for (int i = 0; i < m; i++)
                y[i * n + j] = dot(x, i * k, k, q, (long) j * k, s, 4L * j * blocks) + (bias == null ? 0f : bias[j]);
    }

    /** Σ_e x[xo+e] · q[qo+e] · scale[e/32] over one row: two blocks per step, each in its own accumulator. */
    static float dot(float[] x, int xo, int k, MemorySegment q, long qo, MemorySegment s, long so) {
        if (B == null) return dotScalar(x, xo, k, q, qo, s, so);
        FloatVector c = FloatVector.zero(F), d = c;
        int e = 0;
        long sb = so;
        for (; e + 2 * BLOCK <= k; e += 2 * BLOCK, sb += 8) {
            FloatVector a = FloatVector.zero(F), b = a;
            for (int v = 0; v < BLOCK; v += L) {
                a = widen(q, qo + e + v).fma(FloatVector.fromArray(F, x, xo + e + v), a);
                b = widen(q, qo + e + BLOCK + v).fma(FloatVector.fromArray(F, x, xo + e + BLOCK + v), b);
            }
            c = a.fma(FloatVector.broadcast(F, s.get(Kernels.F32LE, sb)), c);
            d = b.fma(FloatVector.broadcast(F, s.get(Kernels.F32LE, sb + 4)), d);
        }
        if (e < k) {
            FloatVector a = FloatVector.zero(F);
            for (int v = 0; v < BLOCK; v += L) a = widen(q, qo + e + v).fma(FloatVector.fromArray(F, x, xo + e + v), a);
            c = a.fma(FloatVector.broadcast(F, s.get(Kernels.F32LE, sb)), c);
        }
        return c.add(d).reduceLanes(VectorOperators.ADD);
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

    static float dotScalar(float[] x, int xo, int k, MemorySegment q, long qo, MemorySegment s, long so) {
        float sum = 0;
        for (int b = 0; b < k / BLOCK; b++) {
            float part = 0;
            for (int e = b * BLOCK; e < (b + 1) * BLOCK; e++) part += x[xo + e] * q.get(java.lang.foreign.ValueLayout.JAVA_BYTE, qo + e);
            sum += part * s.get(Kernels.F32LE, so + 4L * b);
        }
        return sum;
    }
}
