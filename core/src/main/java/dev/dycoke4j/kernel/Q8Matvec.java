package dev.dycoke4j.kernel;

import dev.dycoke4j.tensor.Q8Matrix;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * The tiles of {@link GemmQ8}'s matvec: {@code y[i, j] = Σ_e x[i, e] · W[j, e]} over the whole groups of W's rows
 * {@code [j0, j1)} for 1, 2, 4 or 8 rows i of x at once (a last half group and the bias are the caller's).
 *
 * <p>Each group of 64 quants is loaded and widened once for all the rows of a tile ({@link Q8Matrix}'s byte order, as
 * {@link GemmQ8} describes it) and multiplied by its block's scale once, {@code quant · scale} rounded to float as
 * {@link Q8Matrix} defines a weight (the same floats as {@link PackedGemm}'s dequantized panels); each row of x then
 * costs four FMAs per 64 quants and nothing else. With 8 rows that is 47 vector operations per 64 quants against
 * the 4-row tile's 2 × 35 with a scale FMA per row and block.
 *
 * <p><b>Every row is summed the same way whatever tile it is in</b>, so that a row's result does not depend on the
 * rows that share its batch or on their number, to the bit: two accumulators per row, the group's first block into
 * one and its second into the other, each element's product added in the order of e; then the two added, and the
 * lanes summed by a fixed tree (lane i with lane i + L/2, then i + L/4, ..., as {@link LaneSum#sum} does for one row). A tile
 * does the tree for all its rows together: a step on two rows' vectors a and b gives the lanes whose bit d is clear
 * {@code a[i] + a[i + d]} and the others {@code b[i] + b[i - d]}, the very sums each row's own tree forms at that step
 * (addition commutes exactly), in two blends, one lane swap and one addition; that costs a few operations per row
 * instead of {@code reduceLanes}' L - 1 dependent additions. Lane moves and lanewise
 * adds and FMAs are exact operations, so the result is also the same interpreted and compiled (where
 * {@code reduceLanes(ADD)} is not). 16 accumulators and 4 weight vectors for 8 rows fit AVX-512's 32 registers; at
 * narrower widths the rows go one per pass ({@link #TILE}).
 */
final class Q8Matvec {
    static final VectorSpecies<Float> F = VectorWidth.FLOAT;
    static final VectorSpecies<Integer> I = VectorWidth.INT;
    static final int L = F.length();
    static final int BLOCK = Q8Matrix.BLOCK, GROUP = Q8Matrix.GROUP;
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Int-vector loads per group (L words each), where L divides 16. */
    static final int H = GemmQ8.H;
    /**
     * The most rows of x in one tile: 8 with 32 vector registers (16 floats a vector). At narrower widths one row per
     * pass: at 256 bits the tiles of 2 and 4 rows (and the 4-row tile before them) ran at 5-8 GFLOP/s against 17-20
     * for one row a pass (Ice Lake, one thread, weights in L2), so there each row takes its own pass over a block of
     * W that sits in L2. Every tile sums a row alike, so this choice changes no result.
     */
    static final int TILE = L >= 16 ? 8 : 1;

    /*
     * The tree's steps as constants, SWAPs the lane i ^ d of each lane and UPPERs the lanes whose bit d is set, for
     * d = L/2 (step 1), L/4, L/8, L/16 (null where d is less than one lane). Static finals, written out in each tile:
     * C2 folds them and keeps the vectors in registers, where helper methods taking a step's d were not inlined into
     * the tiles (too large, or their vectors boxed) and cost more than the tiles' arithmetic.
     */
    private static final VectorShuffle<Float> SWAP1 = swapOf(L / 2), SWAP2 = swapOf(L / 4), SWAP3 = swapOf(L / 8), SWAP4 = swapOf(L / 16);
    private static final VectorMask<Float> UPPER1 = upperOf(L / 2), UPPER2 = upperOf(L / 4), UPPER3 = upperOf(L / 8);
    /** Where a tile's tree leaves row r's sum: lane bit L/2 is r's bit 0, L/4 its bit 1, L/8 its bit 2. */
    static final int[] LANE2 = lanes(2), LANE4 = lanes(4), LANE8 = lanes(8);

    private Q8Matvec() {
    }

    /** Rows {@code [j0, j1)} of {@code y[m, n]} for all m rows of x, in tiles of up to {@link #TILE} rows. */
    static void rows(float[] x, int m, int k, MemorySegment q, MemorySegment s, float[] y, int n, int j0, int j1) {
        float[] sums = new float[L];
        for (int i = 0; i < m;) {
            int r = m - i;
            if (TILE == 8 && r >= 5) {
                tile8(x, i, Math.min(r, 8), k, q, s, y, n, j0, j1, sums);
                i += 8;
            } else if (TILE == 1) {
                tile1(x, i * k, k, q, s, y, i * n, j0, j1);
                i += 1;
            } else if (r >= 3) {
                tile4(x, i, Math.min(r, 4), k, q, s, y, n, j0, j1, sums);
                i += 4;
            } else if (r == 2) {
                tile2(x, i, 2, k, q, s, y, n, j0, j1, sums);
                i += 2;
            } else {
                tile1(x, i * k, k, q, s, y, i * n, j0, j1);
                i += 1;
            }
        }
    }

    /**
     * One row of x at {@code xo}, into {@code y[yo + j]}: the definition every tile follows (see the class comment).
     * The loops are counted in ints and the row loop is inside, so that C2 hoists the bounds checks.
     */
    static void tile1(float[] x, int xo, int k, MemorySegment q, MemorySegment s, float[] y, int yo, int j0, int j1) {
        int groups = k / GROUP, blocks = k / BLOCK;
        FloatVector z = FloatVector.zero(F);
        for (int j = j0; j < j1; j++) {
            long qo = (long) j * k, so = 4L * j * blocks;
            FloatVector a0 = z, b0 = z;
            for (int g = 0; g < groups; g++) {
                long qe = qo + (long) g * GROUP;
                FloatVector s0 = FloatVector.broadcast(F, s.get(Kernels.F32LE, so + 8L * g));
                FloatVector s1 = FloatVector.broadcast(F, s.get(Kernels.F32LE, so + 8L * g + 4));
                IntVector w = IntVector.fromMemorySegment(I, q, qe, LE);
                FloatVector w24 = GemmQ8.part(w, 24).mul(s0), w16 = GemmQ8.part(w, 16).mul(s0);
                FloatVector w8 = GemmQ8.part(w, 8).mul(s1), w0 = GemmQ8.part(w, 0).mul(s1);
                int e = xo + g * GROUP;
                a0 = w24.fma(FloatVector.fromArray(F, x, e), a0);
                a0 = w16.fma(FloatVector.fromArray(F, x, e + 16), a0);
                b0 = w8.fma(FloatVector.fromArray(F, x, e + 32), b0);
                b0 = w0.fma(FloatVector.fromArray(F, x, e + 48), b0);
                for (int h = 1; h < H; h++) { // the group's other words where a vector holds fewer than 16 (as above)
                    IntVector v = IntVector.fromMemorySegment(I, q, qe + 4L * L * h, LE);
                    FloatVector p24 = GemmQ8.part(v, 24).mul(s0), p16 = GemmQ8.part(v, 16).mul(s0);
                    FloatVector p8 = GemmQ8.part(v, 8).mul(s1), p0 = GemmQ8.part(v, 0).mul(s1);
                    int f = xo + g * GROUP + L * h;
                    a0 = p24.fma(FloatVector.fromArray(F, x, f), a0);
                    a0 = p16.fma(FloatVector.fromArray(F, x, f + 16), a0);
                    b0 = p8.fma(FloatVector.fromArray(F, x, f + 32), b0);
                    b0 = p0.fma(FloatVector.fromArray(F, x, f + 48), b0);
                }
            }
            FloatVector t = a0.add(b0);
            t = t.add(t.rearrange(SWAP1));
            t = t.add(t.rearrange(SWAP2));
            if (L >= 8) t = t.add(t.rearrange(SWAP3));
            if (L >= 16) t = t.add(t.rearrange(SWAP4));
            y[yo + j] = t.lane(0);
        }
    }

    /** {@link #tile1} for up to 2 rows of x from row i0 ({@code rows} of them; the others repeat the last, unwritten). */
    static void tile2(float[] x, int i0, int rows, int k, MemorySegment q, MemorySegment s, float[] y, int n, int j0, int j1, float[] sums) {
        int groups = k / GROUP, blocks = k / BLOCK, last = i0 + rows - 1, yo = i0 * n;
        int x0 = i0 * k, x1 = Math.min(i0 + 1, last) * k;
        FloatVector z = FloatVector.zero(F);
        for (int j = j0; j < j1; j++) {
            long qo = (long) j * k, so = 4L * j * blocks;
            FloatVector a0 = z, b0 = z, a1 = z, b1 = z;
            for (int g = 0; g < groups; g++) {
                long qe = qo + (long) g * GROUP;
                FloatVector s0 = FloatVector.broadcast(F, s.get(Kernels.F32LE, so + 8L * g));
                FloatVector s1 = FloatVector.broadcast(F, s.get(Kernels.F32LE, so + 8L * g + 4));
                IntVector w = IntVector.fromMemorySegment(I, q, qe, LE);
                FloatVector w24 = GemmQ8.part(w, 24).mul(s0), w16 = GemmQ8.part(w, 16).mul(s0);
                FloatVector w8 = GemmQ8.part(w, 8).mul(s1), w0 = GemmQ8.part(w, 0).mul(s1);
                int e = g * GROUP;
                a0 = w24.fma(FloatVector.fromArray(F, x, x0 + e), a0);
                a0 = w16.fma(FloatVector.fromArray(F, x, x0 + e + 16), a0);
                b0 = w8.fma(FloatVector.fromArray(F, x, x0 + e + 32), b0);
                b0 = w0.fma(FloatVector.fromArray(F, x, x0 + e + 48), b0);
                a1 = w24.fma(FloatVector.fromArray(F, x, x1 + e), a1);
                a1 = w16.fma(FloatVector.fromArray(F, x, x1 + e + 16), a1);
                b1 = w8.fma(FloatVector.fromArray(F, x, x1 + e + 32), b1);
                b1 = w0.fma(FloatVector.fromArray(F, x, x1 + e + 48), b1);
                for (int h = 1; h < H; h++) { // the group's other words where a vector holds fewer than 16 (as above)
                    IntVector v = IntVector.fromMemorySegment(I, q, qe + 4L * L * h, LE);
                    FloatVector p24 = GemmQ8.part(v, 24).mul(s0), p16 = GemmQ8.part(v, 16).mul(s0);
                    FloatVector p8 = GemmQ8.part(v, 8).mul(s1), p0 = GemmQ8.part(v, 0).mul(s1);
                    int f = g * GROUP + L * h;
                    a0 = p24.fma(FloatVector.fromArray(F, x, x0 + f), a0);
                    a0 = p16.fma(FloatVector.fromArray(F, x, x0 + f + 16), a0);
                    b0 = p8.fma(FloatVector.fromArray(F, x, x0 + f + 32), b0);
                    b0 = p0.fma(FloatVector.fromArray(F, x, x0 + f + 48), b0);
                    a1 = p24.fma(FloatVector.fromArray(F, x, x1 + f), a1);
                    a1 = p16.fma(FloatVector.fromArray(F, x, x1 + f + 16), a1);
                    b1 = p8.fma(FloatVector.fromArray(F, x, x1 + f + 32), b1);
                    b1 = p0.fma(FloatVector.fromArray(F, x, x1 + f + 48), b1);
                }
            }
            FloatVector t0 = a0.add(b0), t1 = a1.add(b1);
            FloatVector t = t0.blend(t1, UPPER1).add(t1.blend(t0, UPPER1).rearrange(SWAP1));
            t = t.add(t.rearrange(SWAP2));
            if (L >= 8) t = t.add(t.rearrange(SWAP3));
            if (L >= 16) t = t.add(t.rearrange(SWAP4));
            t.intoArray(sums, 0);
            y[yo + j] = sums[LANE2[0]];
            if (rows > 1) y[yo + n + j] = sums[LANE2[1]];
        }
    }

    /** {@link #tile1} for up to 4 rows of x from row i0 ({@code rows} of them; the others repeat the last, unwritten). */
    static void tile4(float[] x, int i0, int rows, int k, MemorySegment q, MemorySegment s, float[] y, int n, int j0, int j1, float[] sums) {
        int groups = k / GROUP, blocks = k / BLOCK, last = i0 + rows - 1, yo = i0 * n;
        int x0 = i0 * k, x1 = Math.min(i0 + 1, last) * k, x2 = Math.min(i0 + 2, last) * k, x3 = Math.min(i0 + 3, last) * k;
        FloatVector z = FloatVector.zero(F);
        for (int j = j0; j < j1; j++) {
            long qo = (long) j * k, so = 4L * j * blocks;
            FloatVector a0 = z, b0 = z, a1 = z, b1 = z, a2 = z, b2 = z, a3 = z, b3 = z;
            for (int g = 0; g < groups; g++) {
                long qe = qo + (long) g * GROUP;
                FloatVector s0 = FloatVector.broadcast(F, s.get(Kernels.F32LE, so + 8L * g));
                FloatVector s1 = FloatVector.broadcast(F, s.get(Kernels.F32LE, so + 8L * g + 4));
                IntVector w = IntVector.fromMemorySegment(I, q, qe, LE);
                FloatVector w24 = GemmQ8.part(w, 24).mul(s0), w16 = GemmQ8.part(w, 16).mul(s0);
                FloatVector w8 = GemmQ8.part(w, 8).mul(s1), w0 = GemmQ8.part(w, 0).mul(s1);
                int e = g * GROUP;
                a0 = w24.fma(FloatVector.fromArray(F, x, x0 + e), a0);
                a0 = w16.fma(FloatVector.fromArray(F, x, x0 + e + 16), a0);
                b0 = w8.fma(FloatVector.fromArray(F, x, x0 + e + 32), b0);
                b0 = w0.fma(FloatVector.fromArray(F, x, x0 + e + 48), b0);
                a1 = w24.fma(FloatVector.fromArray(F, x, x1 + e), a1);
                a1 = w16.fma(FloatVector.fromArray(F, x, x1 + e + 16), a1);
                b1 = w8.fma(FloatVector.fromArray(F, x, x1 + e + 32), b1);
                b1 = w0.fma(FloatVector.fromArray(F, x, x1 + e + 48), b1);
                a2 = w24.fma(FloatVector.fromArray(F, x, x2 + e), a2);
                a2 = w16.fma(FloatVector.fromArray(F, x, x2 + e + 16), a2);
                b2 = w8.fma(FloatVector.fromArray(F, x, x2 + e + 32), b2);
                b2 = w0.fma(FloatVector.fromArray(F, x, x2 + e + 48), b2);
                a3 = w24.fma(FloatVector.fromArray(F, x, x3 + e), a3);
                a3 = w16.fma(FloatVector.fromArray(F, x, x3 + e + 16), a3);
                b3 = w8.fma(FloatVector.fromArray(F, x, x3 + e + 32), b3);
                b3 = w0.fma(FloatVector.fromArray(F, x, x3 + e + 48), b3);
                for (int h = 1; h < H; h++) { // the group's other words where a vector holds fewer than 16 (as above)
                    IntVector v = IntVector.fromMemorySegment(I, q, qe + 4L * L * h, LE);
                    FloatVector p24 = GemmQ8.part(v, 24).mul(s0), p16 = GemmQ8.part(v, 16).mul(s0);
                    FloatVector p8 = GemmQ8.part(v, 8).mul(s1), p0 = GemmQ8.part(v, 0).mul(s1);
                    int f = g * GROUP + L * h;
                    a0 = p24.fma(FloatVector.fromArray(F, x, x0 + f), a0);
                    a0 = p16.fma(FloatVector.fromArray(F, x, x0 + f + 16), a0);
                    b0 = p8.fma(FloatVector.fromArray(F, x, x0 + f + 32), b0);
                    b0 = p0.fma(FloatVector.fromArray(F, x, x0 + f + 48), b0);
                    a1 = p24.fma(FloatVector.fromArray(F, x, x1 + f), a1);
                    a1 = p16.fma(FloatVector.fromArray(F, x, x1 + f + 16), a1);
                    b1 = p8.fma(FloatVector.fromArray(F, x, x1 + f + 32), b1);
                    b1 = p0.fma(FloatVector.fromArray(F, x, x1 + f + 48), b1);
                    a2 = p24.fma(FloatVector.fromArray(F, x, x2 + f), a2);
                    a2 = p16.fma(FloatVector.fromArray(F, x, x2 + f + 16), a2);
                    b2 = p8.fma(FloatVector.fromArray(F, x, x2 + f + 32), b2);
                    b2 = p0.fma(FloatVector.fromArray(F, x, x2 + f + 48), b2);
                    a3 = p24.fma(FloatVector.fromArray(F, x, x3 + f), a3);
                    a3 = p16.fma(FloatVector.fromArray(F, x, x3 + f + 16), a3);
                    b3 = p8.fma(FloatVector.fromArray(F, x, x3 + f + 32), b3);
                    b3 = p0.fma(FloatVector.fromArray(F, x, x3 + f + 48), b3);
                }
            }
            FloatVector t0 = a0.add(b0), t1 = a1.add(b1), t2 = a2.add(b2), t3 = a3.add(b3);
            FloatVector u0 = t0.blend(t1, UPPER1).add(t1.blend(t0, UPPER1).rearrange(SWAP1));
            FloatVector u1 = t2.blend(t3, UPPER1).add(t3.blend(t2, UPPER1).rearrange(SWAP1));
            FloatVector t = u0.blend(u1, UPPER2).add(u1.blend(u0, UPPER2).rearrange(SWAP2));
            if (L >= 8) t = t.add(t.rearrange(SWAP3));
            if (L >= 16) t = t.add(t.rearrange(SWAP4));
            t.intoArray(sums, 0);
            y[yo + j] = sums[LANE4[0]];
            if (rows > 1) y[yo + n + j] = sums[LANE4[1]];
            if (rows > 2) y[yo + 2 * n + j] = sums[LANE4[2]];
            if (rows > 3) y[yo + 3 * n + j] = sums[LANE4[3]];
        }
    }

    /** {@link #tile1} for up to 8 rows of x from row i0 ({@code rows} of them; the others repeat the last, unwritten). */
    static void tile8(float[] x, int i0, int rows, int k, MemorySegment q, MemorySegment s, float[] y, int n, int j0, int j1, float[] sums) {
        int groups = k / GROUP, blocks = k / BLOCK, last = i0 + rows - 1, yo = i0 * n;
        int x0 = i0 * k, x1 = Math.min(i0 + 1, last) * k, x2 = Math.min(i0 + 2, last) * k, x3 = Math.min(i0 + 3, last) * k;
        int x4 = Math.min(i0 + 4, last) * k, x5 = Math.min(i0 + 5, last) * k, x6 = Math.min(i0 + 6, last) * k, x7 = Math.min(i0 + 7, last) * k;
        FloatVector z = FloatVector.zero(F);
        for (int j = j0; j < j1; j++) {
            long qo = (long) j * k, so = 4L * j * blocks;
            FloatVector a0 = z, b0 = z, a1 = z, b1 = z, a2 = z, b2 = z, a3 = z, b3 = z;
            FloatVector a4 = z, b4 = z, a5 = z, b5 = z, a6 = z, b6 = z, a7 = z, b7 = z;
            for (int g = 0; g < groups; g++) {
                long qe = qo + (long) g * GROUP;
                FloatVector s0 = FloatVector.broadcast(F, s.get(Kernels.F32LE, so + 8L * g));
                FloatVector s1 = FloatVector.broadcast(F, s.get(Kernels.F32LE, so + 8L * g + 4));
                IntVector w = IntVector.fromMemorySegment(I, q, qe, LE);
                FloatVector w24 = GemmQ8.part(w, 24).mul(s0), w16 = GemmQ8.part(w, 16).mul(s0);
                FloatVector w8 = GemmQ8.part(w, 8).mul(s1), w0 = GemmQ8.part(w, 0).mul(s1);
                int e = g * GROUP;
                a0 = w24.fma(FloatVector.fromArray(F, x, x0 + e), a0);
                a0 = w16.fma(FloatVector.fromArray(F, x, x0 + e + 16), a0);
                b0 = w8.fma(FloatVector.fromArray(F, x, x0 + e + 32), b0);
                b0 = w0.fma(FloatVector.fromArray(F, x, x0 + e + 48), b0);
                a1 = w24.fma(FloatVector.fromArray(F, x, x1 + e), a1);
                a1 = w16.fma(FloatVector.fromArray(F, x, x1 + e + 16), a1);
                b1 = w8.fma(FloatVector.fromArray(F, x, x1 + e + 32), b1);
                b1 = w0.fma(FloatVector.fromArray(F, x, x1 + e + 48), b1);
                a2 = w24.fma(FloatVector.fromArray(F, x, x2 + e), a2);
                a2 = w16.fma(FloatVector.fromArray(F, x, x2 + e + 16), a2);
                b2 = w8.fma(FloatVector.fromArray(F, x, x2 + e + 32), b2);
                b2 = w0.fma(FloatVector.fromArray(F, x, x2 + e + 48), b2);
                a3 = w24.fma(FloatVector.fromArray(F, x, x3 + e), a3);
                a3 = w16.fma(FloatVector.fromArray(F, x, x3 + e + 16), a3);
                b3 = w8.fma(FloatVector.fromArray(F, x, x3 + e + 32), b3);
                b3 = w0.fma(FloatVector.fromArray(F, x, x3 + e + 48), b3);
                a4 = w24.fma(FloatVector.fromArray(F, x, x4 + e), a4);
                a4 = w16.fma(FloatVector.fromArray(F, x, x4 + e + 16), a4);
                b4 = w8.fma(FloatVector.fromArray(F, x, x4 + e + 32), b4);
                b4 = w0.fma(FloatVector.fromArray(F, x, x4 + e + 48), b4);
                a5 = w24.fma(FloatVector.fromArray(F, x, x5 + e), a5);
                a5 = w16.fma(FloatVector.fromArray(F, x, x5 + e + 16), a5);
                b5 = w8.fma(FloatVector.fromArray(F, x, x5 + e + 32), b5);
                b5 = w0.fma(FloatVector.fromArray(F, x, x5 + e + 48), b5);
                a6 = w24.fma(FloatVector.fromArray(F, x, x6 + e), a6);
                a6 = w16.fma(FloatVector.fromArray(F, x, x6 + e + 16), a6);
                b6 = w8.fma(FloatVector.fromArray(F, x, x6 + e + 32), b6);
                b6 = w0.fma(FloatVector.fromArray(F, x, x6 + e + 48), b6);
                a7 = w24.fma(FloatVector.fromArray(F, x, x7 + e), a7);
                a7 = w16.fma(FloatVector.fromArray(F, x, x7 + e + 16), a7);
                b7 = w8.fma(FloatVector.fromArray(F, x, x7 + e + 32), b7);
                b7 = w0.fma(FloatVector.fromArray(F, x, x7 + e + 48), b7);
                for (int h = 1; h < H; h++) { // the group's other words where a vector holds fewer than 16 (as above)
                    IntVector v = IntVector.fromMemorySegment(I, q, qe + 4L * L * h, LE);
                    FloatVector p24 = GemmQ8.part(v, 24).mul(s0), p16 = GemmQ8.part(v, 16).mul(s0);
                    FloatVector p8 = GemmQ8.part(v, 8).mul(s1), p0 = GemmQ8.part(v, 0).mul(s1);
                    int f = g * GROUP + L * h;
                    a0 = p24.fma(FloatVector.fromArray(F, x, x0 + f), a0);
                    a0 = p16.fma(FloatVector.fromArray(F, x, x0 + f + 16), a0);
                    b0 = p8.fma(FloatVector.fromArray(F, x, x0 + f + 32), b0);
                    b0 = p0.fma(FloatVector.fromArray(F, x, x0 + f + 48), b0);
                    a1 = p24.fma(FloatVector.fromArray(F, x, x1 + f), a1);
                    a1 = p16.fma(FloatVector.fromArray(F, x, x1 + f + 16), a1);
                    b1 = p8.fma(FloatVector.fromArray(F, x, x1 + f + 32), b1);
                    b1 = p0.fma(FloatVector.fromArray(F, x, x1 + f + 48), b1);
                    a2 = p24.fma(FloatVector.fromArray(F, x, x2 + f), a2);
                    a2 = p16.fma(FloatVector.fromArray(F, x, x2 + f + 16), a2);
                    b2 = p8.fma(FloatVector.fromArray(F, x, x2 + f + 32), b2);
                    b2 = p0.fma(FloatVector.fromArray(F, x, x2 + f + 48), b2);
                    a3 = p24.fma(FloatVector.fromArray(F, x, x3 + f), a3);
                    a3 = p16.fma(FloatVector.fromArray(F, x, x3 + f + 16), a3);
                    b3 = p8.fma(FloatVector.fromArray(F, x, x3 + f + 32), b3);
                    b3 = p0.fma(FloatVector.fromArray(F, x, x3 + f + 48), b3);
                    a4 = p24.fma(FloatVector.fromArray(F, x, x4 + f), a4);
                    a4 = p16.fma(FloatVector.fromArray(F, x, x4 + f + 16), a4);
                    b4 = p8.fma(FloatVector.fromArray(F, x, x4 + f + 32), b4);
                    b4 = p0.fma(FloatVector.fromArray(F, x, x4 + f + 48), b4);
                    a5 = p24.fma(FloatVector.fromArray(F, x, x5 + f), a5);
                    a5 = p16.fma(FloatVector.fromArray(F, x, x5 + f + 16), a5);
                    b5 = p8.fma(FloatVector.fromArray(F, x, x5 + f + 32), b5);
                    b5 = p0.fma(FloatVector.fromArray(F, x, x5 + f + 48), b5);
                    a6 = p24.fma(FloatVector.fromArray(F, x, x6 + f), a6);
                    a6 = p16.fma(FloatVector.fromArray(F, x, x6 + f + 16), a6);
                    b6 = p8.fma(FloatVector.fromArray(F, x, x6 + f + 32), b6);
                    b6 = p0.fma(FloatVector.fromArray(F, x, x6 + f + 48), b6);
                    a7 = p24.fma(FloatVector.fromArray(F, x, x7 + f), a7);
                    a7 = p16.fma(FloatVector.fromArray(F, x, x7 + f + 16), a7);
                    b7 = p8.fma(FloatVector.fromArray(F, x, x7 + f + 32), b7);
                    b7 = p0.fma(FloatVector.fromArray(F, x, x7 + f + 48), b7);
                }
            }
            FloatVector t0 = a0.add(b0), t1 = a1.add(b1), t2 = a2.add(b2), t3 = a3.add(b3);
            FloatVector t4 = a4.add(b4), t5 = a5.add(b5), t6 = a6.add(b6), t7 = a7.add(b7);
            FloatVector u0 = t0.blend(t1, UPPER1).add(t1.blend(t0, UPPER1).rearrange(SWAP1));
            FloatVector u1 = t2.blend(t3, UPPER1).add(t3.blend(t2, UPPER1).rearrange(SWAP1));
            FloatVector u2 = t4.blend(t5, UPPER1).add(t5.blend(t4, UPPER1).rearrange(SWAP1));
            FloatVector u3 = t6.blend(t7, UPPER1).add(t7.blend(t6, UPPER1).rearrange(SWAP1));
            FloatVector v0 = u0.blend(u1, UPPER2).add(u1.blend(u0, UPPER2).rearrange(SWAP2));
            FloatVector v1 = u2.blend(u3, UPPER2).add(u3.blend(u2, UPPER2).rearrange(SWAP2));
            FloatVector t = v0.blend(v1, UPPER3).add(v1.blend(v0, UPPER3).rearrange(SWAP3));
            if (L >= 16) t = t.add(t.rearrange(SWAP4));
            t.intoArray(sums, 0);
            y[yo + j] = sums[LANE8[0]];
            if (rows > 1) y[yo + n + j] = sums[LANE8[1]];
            if (rows > 2) y[yo + 2 * n + j] = sums[LANE8[2]];
            if (rows > 3) y[yo + 3 * n + j] = sums[LANE8[3]];
            if (rows > 4) y[yo + 4 * n + j] = sums[LANE8[4]];
            if (rows > 5) y[yo + 5 * n + j] = sums[LANE8[5]];
            if (rows > 6) y[yo + 6 * n + j] = sums[LANE8[6]];
            if (rows > 7) y[yo + 7 * n + j] = sums[LANE8[7]];
        }
    }

    private static VectorShuffle<Float> swapOf(int d) {
        return d >= 1 ? VectorShuffle.fromOp(F, i -> i ^ d) : null;
    }

    private static VectorMask<Float> upperOf(int d) {
        if (d < 1) return null;
        boolean[] bits = new boolean[L];
        for (int i = 0; i < L; i++) bits[i] = (i & d) != 0;
        return VectorMask.fromArray(F, bits, 0);
    }

    private static int[] lanes(int rows) {
        int[] out = new int[rows];
        for (int r = 0; r < rows; r++)
            for (int bit = 0; 1 << bit < rows; bit++) out[r] += (r >> bit & 1) * (L >> (bit + 1));
        return out;
    }
}
