package dev.dycoke4j.kernel;

import dev.dycoke4j.parallel.Parallel;
import dev.dycoke4j.tensor.Q8Matrix;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * {@code y[m,n] = x[m,k] · W[n,k]ᵀ (+ bias[n])} for a {@link Q8Matrix} W: the int8 twin of {@link Gemm#linear}.
 *
 * <p>From {@value Gemm#PACK_MIN_ROWS} rows of x on (prefill) W is dequantized once into {@link PackedGemm}'s F32
 * panels, so prefill runs at the F32 speed. Below (decode) it is a matvec over the int8 quants as stored, which should
 * be bound by the bytes of W (1 + 4/32 bytes per weight against BF16's 2). With 8 or 16 floats per vector, 4L quants
 * are loaded as one int vector and taken apart by shifts: lane c of part j ({@code (w << 24-8j) >> 24}, arithmetic) is
 * quant {@code 4c + j}, so x is permuted the same way once per call ({@link #permute}) and every quant is one shift or
 * two, a conversion and an FMA. Each chunk of 4L quants is one block of 32 (AVX2) or two (AVX-512: the low and high
 * half of the lanes), scaled once into the row's sum. Measured on the LM-head shape on Zen 5, this streams 1.4x the
 * bytes per second of widening L bytes at a time ({@code vpmovsxbd}), which ran out of instructions, not bandwidth.
 * Other vector sizes, and the last block when a row is not a whole number of chunks, widen L bytes at a time.
 */
public final class GemmQ8 {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    static final int L = F.length();
    /** L bytes, widened to one float vector (null where L bytes are no vector shape: then scalar). */
    static final VectorSpecies<Byte> B = L >= 8 ? VectorSpecies.of(byte.class, VectorShape.forBitSize(8 * L)) : null;
    static final int BLOCK = Q8Matrix.BLOCK;
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Quants per int-vector load in the shift kernel, and whether it applies (a chunk is one or two whole blocks). */
    static final int CHUNK = 4 * L;
    static final boolean SHIFT = L == 8 || L == 16;
    /** The high half of the lanes: the second block of a chunk when L = 16. */
    private static final VectorMask<Float> HIGH_HALF = VectorMask.fromLong(F, ((1L << L) - 1) & ~((1L << (L / 2)) - 1));

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
        float[] xp = permute(x, m, k);
        Parallel.forRange(n, 64, (lo, hi) -> matvec(xp, m, k, q, s, bias, y, n, lo, hi));
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
        float[] xp = permute(x, m, k);
        Parallel.forParts(rows, 64, (i, lo, hi) -> matvec(xp, m, k, ws[i].quants(), ws[i].scales(), biases[i], ys[i], rows[i], lo, hi));
    }

    /** Checks that W {@code [n, k]} takes x {@code [m, k]} into y {@code [m, n]}. */
    static void check(float[] x, int m, int k, Q8Matrix w, float[] bias, float[] y) {
        if (w.cols() != k) throw new IllegalArgumentException(w + " does not take inputs of width " + k);
        int n = w.rows();
        if (x.length < (long) m * k || y.length < (long) m * n || (bias != null && bias.length < n))
            throw new IllegalArgumentException("buffers too small for " + m + "x" + k + " · " + w);
    }

    /** Rows {@code [j0, j1)} of y; {@code xp} is x as {@link #permute} gives it. */
    static void matvec(float[] xp, int m, int k, MemorySegment q, MemorySegment s, float[] bias, float[] y, int n, int j0, int j1) {
        if (SHIFT) {
            matvecShift(xp, m, k, q, s, bias, y, n, j0, j1);
            return;
        }
        int blocks = k / BLOCK;
        for (int j = j0; j < j1; j++)
            for (int i = 0; i < m; i++) y[i * n + j] = dot(xp, i * k, k, q, (long) j * k, s, 4L * j * blocks) + (bias == null ? 0f : bias[j]);
    }

    /**
     * x {@code [m, k]} in the order the shift kernel reads quants: within each whole chunk of 4L at e,
     * {@code xp[e + j·L + c] = x[e + 4c + j]}; the rest of a row as it is. Without the shift kernel, x itself.
     */
    static float[] permute(float[] x, int m, int k) {
        if (!SHIFT) return x;
        float[] xp = new float[m * k];
        for (int i = 0; i < m; i++) {
            int o = i * k, e = 0;
            for (; e + CHUNK <= k; e += CHUNK)
                for (int j = 0; j < 4; j++)
                    for (int c = 0; c < L; c++) xp[o + e + j * L + c] = x[o + e + 4 * c + j];
            System.arraycopy(x, o + e, xp, o + e, k - e);
        }
        return xp;
    }

    /**
     * Rows {@code [j0, j1)} of y, each Σ_e x[e] · q[e] · scale[e/32] (+ bias), with {@code xp} permuted
     * ({@link #permute}): one int-vector load per chunk of 4L quants, its four bytes per lane taken apart by shifts, and
     * each lane scaled by its block's scale (the low and high halves blended from two broadcasts when L = 16). One
     * method, written out, with the row loop inside: split into helpers, C2 stopped inlining them and the kernel ran
     * at a third of the speed; and the kernel of one row is too large to inline into a row loop, where a call per row
     * cost about 15% with the weights in cache (this matvec is bound by its instructions, not by memory: 33-55 GB/s
     * on 2 threads with one layer in cache).
     */
    static void matvecShift(float[] xp, int m, int k, MemorySegment q, MemorySegment s, float[] bias, float[] y, int n, int j0, int j1) {
        int blocks = k / BLOCK, whole = k / CHUNK * CHUNK;
        for (int j = j0; j < j1; j++)
            for (int i = 0; i < m; i++) {
                int xo = i * k, e = 0;
                long qo = (long) j * k, sb = 4L * j * blocks;
                FloatVector c = FloatVector.zero(F);
                for (; e < whole; e += CHUNK, sb += 4L * CHUNK / BLOCK) {
                    IntVector w = IntVector.fromMemorySegment(I, q, qo + e, LE);
                    FloatVector p0 = (FloatVector) w.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0);
                    FloatVector p1 = (FloatVector) w.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0);
                    FloatVector p2 = (FloatVector) w.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0);
                    FloatVector p3 = (FloatVector) w.lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0);
                    FloatVector a = p0.mul(FloatVector.fromArray(F, xp, xo + e));
                    a = p1.fma(FloatVector.fromArray(F, xp, xo + e + L), a);
                    a = p2.fma(FloatVector.fromArray(F, xp, xo + e + 2 * L), a);
                    a = p3.fma(FloatVector.fromArray(F, xp, xo + e + 3 * L), a);
                    FloatVector sc = FloatVector.broadcast(F, s.get(Kernels.F32LE, sb));
                    if (L == 16) sc = sc.blend(FloatVector.broadcast(F, s.get(Kernels.F32LE, sb + 4)), HIGH_HALF);
                    c = a.fma(sc, c);
                }
                for (; e < k; e += BLOCK, sb += 4) { // a last block outside a whole chunk (L = 16): x as it is there
                    FloatVector a = FloatVector.zero(F);
                    for (int v = 0; v < BLOCK; v += L) a = widen(q, qo + e + v).fma(FloatVector.fromArray(F, xp, xo + e + v), a);
                    c = a.fma(FloatVector.broadcast(F, s.get(Kernels.F32LE, sb)), c);
                }
                y[i * n + j] = c.reduceLanes(VectorOperators.ADD) + (bias == null ? 0f : bias[j]);
            }
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
