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
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * {@code y[m,n] = x[m,k] · W[n,k]ᵀ (+ bias[n])} for a {@link Q8Matrix} W: the int8 twin of {@link Gemm#linear}.
 *
 * <p>Up to {@value #MATVEC_MAX_ROWS} rows of x (decode, one row per sequence of a batch, and short prefills) it is a
 * matvec over the int8 quants as stored ({@link Q8Matvec}), which should be bound by the bytes of W (1 + 4/32 bytes
 * per weight against BF16's 2 and F32 panels' 4) until the rows are many: each block of W's rows is read from memory
 * once for all the rows of x, and each group of quants widened and scaled once for a tile of up to 8 of them. Above
 * it W is dequantized block by block into {@link PackedGemm}'s F32 panels, each block run through by every row of x
 * while it sits in L2, so long prefills run at the F32 speed without an F32 copy of W (4 bytes a weight) staying
 * resident.
 *
 * <p>The matvec reads W in {@link Q8Matrix}'s grouped byte order: L words of a group of 64 are one int-vector load,
 * and byte j of each word, taken apart by two shifts ({@code (w << 24-8j) >> 24}, arithmetic; one for j = 3) and
 * converted, gives L consecutive elements {@code 16j + c}, so x is read in order. Bytes 0 and 1 are the group's first
 * block and bytes 2 and 3 its second, each multiplied by its block's scale. With 16 floats per vector that is one
 * load, seven shifts, four conversions and four multiplications per 64 quants, shared by the rows of a tile, and four
 * FMAs per row. A last half group (k an odd multiple of 32), stored in order, is widened L bytes at a time. A row's
 * result is the same, to the bit, whatever the number of rows and whichever rows share its batch.
 */
public final class GemmQ8 {
    static final VectorSpecies<Float> F = VectorWidth.FLOAT;
    static final VectorSpecies<Integer> I = VectorWidth.INT;
    static final int L = F.length();
    /** L bytes, widened to one float vector (null where L bytes are no vector shape: then scalar). */
    static final VectorSpecies<Byte> B = L >= 8 ? VectorSpecies.of(byte.class, VectorShape.forBitSize(8 * L)) : null;
    static final int BLOCK = Q8Matrix.BLOCK, GROUP = Q8Matrix.GROUP;
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Whether the grouped kernel applies: L words divide a group's 16 (4, 8 or 16 floats per vector). */
    static final boolean GROUPED = L >= 4 && 16 % L == 0;
    /** Int-vector loads per group. */
    static final int H = GROUPED ? 16 / L : 0;

    /**
     * The most rows of x that take the int8 matvec (in passes of its 8-row tile above 8): decode batches and short
     * prefills, such as a follow-up question's. Above, the F32 panels' register tile, which dequantizes each weight once
     * per call but then does less work per row and weight, pays. Measured on 2 Ice Lake cores at 512 bits, one thread,
     * weights in cache, same run (a busy machine, best of 300 repeats): the matvec over the dequantizing GEMM 1.6x at
     * 16 rows, 1.05-1.35x at 24, 0.8-0.9x at 32, 0.5-0.8x at 40, on 896 x 896 and 4864 x 896.
     */
    static final int MATVEC_MAX_ROWS = 24;

    private GemmQ8() {
    }

    public static void linear(float[] x, int m, int k, Q8Matrix w, float[] bias, float[] y) {
        check(x, m, k, w, bias, y);
        if (m > MATVEC_MAX_ROWS) PackedGemm.linearQ8(x, m, k, w, bias, y, PackedGemm.Tile.BEST);
        else matvecJob(x, m, k, w, bias, y);
    }

    /** {@link #linear} by the int8 matvec whatever m: for measuring {@link #MATVEC_MAX_ROWS}, not for products. */
    public static void linearMatvec(float[] x, int m, int k, Q8Matrix w, float[] bias, float[] y) {
        check(x, m, k, w, bias, y);
        matvecJob(x, m, k, w, bias, y);
    }

    /** {@link #linear} by the dequantized F32 panels whatever m: for measuring {@link #MATVEC_MAX_ROWS}, not for products. */
    public static void linearDequantized(float[] x, int m, int k, Q8Matrix w, float[] bias, float[] y) {
        check(x, m, k, w, bias, y);
        PackedGemm.linearQ8(x, m, k, w, bias, y, PackedGemm.Tile.BEST);
    }

    private static void matvecJob(float[] x, int m, int k, Q8Matrix w, float[] bias, float[] y) {
        int n = w.rows();
        MemorySegment q = w.quants(), s = w.scales();
        Parallel.forRangeBalanced(n, 64, Gemm.blockRows(k), (lo, hi) -> matvec(x, m, k, q, s, bias, y, n, lo, hi));
    }

    /** {@link Gemm#linearSameInput} for int8 weights: up to {@value #MATVEC_MAX_ROWS} rows, one job over all their rows. */
    public static void linearSameInput(float[] x, int m, int k, Q8Matrix[] ws, float[][] biases, float[][] ys) {
        if (m > MATVEC_MAX_ROWS) {
            for (int i = 0; i < ws.length; i++) linear(x, m, k, ws[i], biases[i], ys[i]);
            return;
        }
        int[] rows = new int[ws.length];
        for (int i = 0; i < ws.length; i++) {
            check(x, m, k, ws[i], biases[i], ys[i]);
            rows[i] = ws[i].rows();
        }
        Parallel.forPartsBalanced(rows, 64, Gemm.blockRows(k), (i, lo, hi) -> matvec(x, m, k, ws[i].quants(), ws[i].scales(), biases[i], ys[i], rows[i], lo, hi));
    }

    /** Checks that W {@code [n, k]} takes x {@code [m, k]} into y {@code [m, n]}. */
    static void check(float[] x, int m, int k, Q8Matrix w, float[] bias, float[] y) {
        if (w.cols() != k) throw new IllegalArgumentException(w + " does not take inputs of width " + k);
        int n = w.rows();
        if (x.length < (long) m * k || y.length < (long) m * n || (bias != null && bias.length < n))
            throw new IllegalArgumentException("buffers too small for " + m + "x" + k + " · " + w);
    }

    /**
     * Rows {@code [j0, j1)} of y: the tiles' sums over whole groups, then, in a pass of its own (in the tiles' row loop
     * it cost about 20%), the last half group and the bias, in that order for every row.
     */
    static void matvec(float[] x, int m, int k, MemorySegment q, MemorySegment s, float[] bias, float[] y, int n, int j0, int j1) {
        int blocks = k / BLOCK, whole = k / GROUP * GROUP;
        if (GROUPED) Q8Matvec.rows(x, m, k, q, s, y, n, j0, j1);
        for (int i = 0; i < m; i++) {
            int xo = i * k, yo = i * n;
            for (int j = j0; j < j1; j++) {
                long qo = (long) j * k, so = 4L * j * blocks;
                float v = GROUPED ? y[yo + j] : dotScalar(x, xo, k, q, qo, s, so);
                if (GROUPED && whole < k) v += half(x, xo + whole, q, qo + whole, s.get(Kernels.F32LE, so + 4L * (whole / BLOCK)));
                y[yo + j] = v + (bias == null ? 0f : bias[j]);
            }
        }
    }

    /** Byte {@code 3 - shl/8} of each lane of w, sign-extended, as floats. */
    static FloatVector part(IntVector w, int shl) {
        IntVector t = shl == 0 ? w : w.lanewise(VectorOperators.LSHL, shl);
        return (FloatVector) t.lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0);
    }

    /**
     * Σ x[xo+e] · (q[qo+e] · scale) over a last half group of 32, stored in order: each weight rounded as the tiles
     * round it, the lanes summed by {@link LaneSum#sum}'s fixed tree.
     */
    private static float half(float[] x, int xo, MemorySegment q, long qo, float scale) {
        if (B != null) {
            FloatVector a = FloatVector.zero(F), sv = FloatVector.broadcast(F, scale);
            for (int v = 0; v < BLOCK; v += L) a = widen(q, qo + v).mul(sv).fma(FloatVector.fromArray(F, x, xo + v), a);
            return LaneSum.sum(a);
        }
        float sum = 0;
        for (int e = 0; e < BLOCK; e++) sum += x[xo + e] * (q.get(ValueLayout.JAVA_BYTE, qo + e) * scale);
        return sum;
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
            sum += part * s.get(Kernels.F32LE, so + 4L * b);
        }
        return sum;
    }
}
