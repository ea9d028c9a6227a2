package dev.dycoke4j.kernel;

import dev.dycoke4j.tensor.Q8Matrix;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * The tiles of {@link GemmQ8}'s matvec: {@code y[i, j] = Σ_e x[i, e] · W[j, e]} over the whole groups of W's rows
 * {@code [j0, j1)} for 1, 2, 4 or 8 rows i of x at once (a last half group and the bias are the caller's), two rows j
 * of W at a time, so that each vector of x loaded serves two FMAs.
 *
 * <p>Each group of 64 quants is loaded and widened once for all the rows of a tile ({@link Q8Matrix}'s byte order, as
 * {@link GemmQ8} describes it) and multiplied by its block's scale once, {@code quant · scale} rounded to float as
 * {@link Q8Matrix} defines a weight (the same floats as {@link PackedGemm}'s dequantized panels); each row of x then
 * costs four FMAs per 64 quants and nothing else.
 *
 * <p>x is read from a copy aligned to 64 bytes ({@link #aligned}), so that a vector load of x is one cache line: from
 * a float array, wherever the heap put it, most of them straddle two, and the 8-row tile ran about 1.3 times slower (a
 * kernel harness, Ice Lake, 512 bits, one thread). The copy is a native segment, as every segment the kernels read is
 * (see {@code Safetensors}): a Vector API load that has seen two segment classes compiles to slow code or to none.
 *
 * <p><b>Every row is summed the same way whatever tile it is in</b>, so that a row's result does not depend on the
 * rows that share its batch or on their number, to the bit: one accumulator per row of x and row of W, each group's
 * products added in the order of its word loads and, within one, of the byte (elements 16c + lane for byte c); then
 * the lanes summed by a fixed tree (lane i with lane i + L/2, then i + L/4, ..., as {@link LaneSum#sum} does for one
 * row). A tile does the tree for all its accumulators together: a step on two vectors a and b gives the lanes whose
 * bit d is clear {@code a[i] + a[i + d]} and the others {@code b[i] + b[i - d]}, the very sums each one's own tree
 * forms at that step (addition commutes exactly), in two blends, one lane swap and one addition; that costs a few
 * operations per row instead of {@code reduceLanes}' L - 1 dependent additions. Lane moves and lanewise adds and FMAs
 * are exact operations, so the result is also the same interpreted and compiled (where {@code reduceLanes(ADD)} is
 * not). 16 accumulators and 8 weight vectors for 8 rows of x by 2 of W fit AVX-512's 32 registers; at narrower widths
 * the rows of x go one per pass ({@link #TILE}).
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

    /**
     * Rows {@code [j0, j1)} of {@code y[m, n]} for all m rows of x, given as its copy by {@link #aligned}, in tiles of
     * up to {@link #TILE} rows.
     */
    static void rows(float[] xa, MemorySegment x, int m, int k, MemorySegment q, MemorySegment s, float[] y, int n, int j0, int j1) {
        float[] sums = new float[L];
        for (int i = 0; i < m;) {
            int r = m - i;
            if (TILE == 8 && r >= 5) {
                tile8(x, i, Math.min(r, 8), k, q, s, y, n, j0, j1, sums);
                i += 8;
            } else if (TILE == 1 || r == 1) {
                tile1(xa, i, 1, k, q, s, y, n, j0, j1, sums);
                i += 1;
            } else if (r >= 3) {
                tile4(x, i, Math.min(r, 4), k, q, s, y, n, j0, j1, sums);
                i += 4;
            } else {
                tile2(x, i, 2, k, q, s, y, n, j0, j1, sums);
                i += 2;
            }
        }
    }

    /** The calling thread's buffer for {@link #aligned}, kept from call to call (grown when too small). */
    private static final ThreadLocal<MemorySegment> COPY = new ThreadLocal<>();

    /**
     * The first m rows of x ({@code [m, k]}) copied to native memory aligned to 64 bytes, rows {@code 4k} bytes apart
     * (k is a multiple of 32, so each row starts on a cache line). Valid until the calling thread's next call: the
     * tiles of one product read it from the pool's threads while the caller waits for them.
     */
    static MemorySegment aligned(float[] x, int m, int k) {
        long bytes = 4L * m * k;
        MemorySegment buffer = COPY.get();
        if (buffer == null || buffer.byteSize() < bytes) {
            buffer = Arena.ofAuto().allocate(Math.max(bytes, 4L * 8 * 1024), 64);
            COPY.set(buffer);
        }
        MemorySegment.copy(x, 0, buffer, Kernels.F32LE, 0, m * k);
        return buffer;
    }

    /**
     * One row of x (row i0), two rows of W at a time, x read from the array itself (one row is memory-bound, and from the
     * aligned copy it measured slower): the definition every tile follows (see the
     * class comment); rows must be 1. The loops are counted in ints, so that C2 hoists the bounds checks.
     */
    static void tile1(float[] x, int i0, int rows, int k, MemorySegment q, MemorySegment s, float[] y, int n, int j0, int j1, float[] sums) {
        int groups = k / GROUP, blocks = k / BLOCK, last = i0 + rows - 1, yo = i0 * n;
        int x0 = i0 * k;
        FloatVector z = FloatVector.zero(F);
        int half = (j1 - j0 + 1) / 2;
        for (int j = j0; j < j0 + half; j++) {
            int jb = j + half < j1 ? j + half : j; // a middle row left over is done twice and written once
            long qa = (long) j * k, sa = 4L * j * blocks, qb = (long) jb * k, sb = 4L * jb * blocks;
            FloatVector a0 = z, b0 = z;
            for (int g = 0; g < groups; g++) {
                for (int h = 0; h < H; h++) { // the group's L-word loads (one where a vector holds 16)
                    long wo = (long) g * GROUP + 4L * L * h;
                    int xe = x0 + g * GROUP + L * h;
                    FloatVector s0a = FloatVector.broadcast(F, s.get(Kernels.F32LE, sa + 8L * g)), s1a = FloatVector.broadcast(F, s.get(Kernels.F32LE, sa + 8L * g + 4));
                    IntVector wa = IntVector.fromMemorySegment(I, q, qa + wo, LE);
                    FloatVector w24a = GemmQ8.part(wa, 24).mul(s0a), w16a = GemmQ8.part(wa, 16).mul(s0a);
                    FloatVector w8a = GemmQ8.part(wa, 8).mul(s1a), w0a = GemmQ8.part(wa, 0).mul(s1a);
                    FloatVector s0b = FloatVector.broadcast(F, s.get(Kernels.F32LE, sb + 8L * g)), s1b = FloatVector.broadcast(F, s.get(Kernels.F32LE, sb + 8L * g + 4));
                    IntVector wb = IntVector.fromMemorySegment(I, q, qb + wo, LE);
                    FloatVector w24b = GemmQ8.part(wb, 24).mul(s0b), w16b = GemmQ8.part(wb, 16).mul(s0b);
                    FloatVector w8b = GemmQ8.part(wb, 8).mul(s1b), w0b = GemmQ8.part(wb, 0).mul(s1b);
                    { FloatVector v = FloatVector.fromArray(F, x, xe + 0); a0 = w24a.fma(v, a0); b0 = w24b.fma(v, b0); }
                    { FloatVector v = FloatVector.fromArray(F, x, xe + 16); a0 = w16a.fma(v, a0); b0 = w16b.fma(v, b0); }
                    { FloatVector v = FloatVector.fromArray(F, x, xe + 32); a0 = w8a.fma(v, a0); b0 = w8b.fma(v, b0); }
                    { FloatVector v = FloatVector.fromArray(F, x, xe + 48); a0 = w0a.fma(v, a0); b0 = w0b.fma(v, b0); }
                }
            }
            FloatVector t = a0.blend(b0, UPPER1).add(b0.blend(a0, UPPER1).rearrange(SWAP1));
            t = t.add(t.rearrange(SWAP2));
            if (L >= 8) t = t.add(t.rearrange(SWAP3));
            if (L >= 16) t = t.add(t.rearrange(SWAP4));
            t.intoArray(sums, 0);
            y[yo + j] = sums[LANE2[0]];
            if (jb > j) y[yo + jb] = sums[LANE2[1]];
        }
    }

    /** {@link #tile1} for up to 2 rows of x from row i0 ({@code rows} of them; the others repeat the last, unwritten). */
    static void tile2(MemorySegment x, int i0, int rows, int k, MemorySegment q, MemorySegment s, float[] y, int n, int j0, int j1, float[] sums) {
        int groups = k / GROUP, blocks = k / BLOCK, last = i0 + rows - 1, yo = i0 * n;
        long x0 = 4L * i0 * k, x1 = 4L * Math.min(i0 + 1, last) * k;
        FloatVector z = FloatVector.zero(F);
        int half = (j1 - j0 + 1) / 2;
        for (int j = j0; j < j0 + half; j++) {
            int jb = j + half < j1 ? j + half : j; // a middle row left over is done twice and written once
            long qa = (long) j * k, sa = 4L * j * blocks, qb = (long) jb * k, sb = 4L * jb * blocks;
            FloatVector a0 = z, b0 = z, a1 = z, b1 = z;
            for (int g = 0; g < groups; g++) {
                for (int h = 0; h < H; h++) { // the group's L-word loads (one where a vector holds 16)
                    long wo = (long) g * GROUP + 4L * L * h, xe = 4L * GROUP * g + 4L * L * h;
                    FloatVector s0a = FloatVector.broadcast(F, s.get(Kernels.F32LE, sa + 8L * g)), s1a = FloatVector.broadcast(F, s.get(Kernels.F32LE, sa + 8L * g + 4));
                    IntVector wa = IntVector.fromMemorySegment(I, q, qa + wo, LE);
                    FloatVector w24a = GemmQ8.part(wa, 24).mul(s0a), w16a = GemmQ8.part(wa, 16).mul(s0a);
                    FloatVector w8a = GemmQ8.part(wa, 8).mul(s1a), w0a = GemmQ8.part(wa, 0).mul(s1a);
                    FloatVector s0b = FloatVector.broadcast(F, s.get(Kernels.F32LE, sb + 8L * g)), s1b = FloatVector.broadcast(F, s.get(Kernels.F32LE, sb + 8L * g + 4));
                    IntVector wb = IntVector.fromMemorySegment(I, q, qb + wo, LE);
                    FloatVector w24b = GemmQ8.part(wb, 24).mul(s0b), w16b = GemmQ8.part(wb, 16).mul(s0b);
                    FloatVector w8b = GemmQ8.part(wb, 8).mul(s1b), w0b = GemmQ8.part(wb, 0).mul(s1b);
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x0 + xe + 0, LE); a0 = w24a.fma(v, a0); b0 = w24b.fma(v, b0); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x0 + xe + 64, LE); a0 = w16a.fma(v, a0); b0 = w16b.fma(v, b0); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x0 + xe + 128, LE); a0 = w8a.fma(v, a0); b0 = w8b.fma(v, b0); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x0 + xe + 192, LE); a0 = w0a.fma(v, a0); b0 = w0b.fma(v, b0); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x1 + xe + 0, LE); a1 = w24a.fma(v, a1); b1 = w24b.fma(v, b1); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x1 + xe + 64, LE); a1 = w16a.fma(v, a1); b1 = w16b.fma(v, b1); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x1 + xe + 128, LE); a1 = w8a.fma(v, a1); b1 = w8b.fma(v, b1); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x1 + xe + 192, LE); a1 = w0a.fma(v, a1); b1 = w0b.fma(v, b1); }
                }
            }
            FloatVector t00 = a0.blend(a1, UPPER1).add(a1.blend(a0, UPPER1).rearrange(SWAP1));
            FloatVector t01 = b0.blend(b1, UPPER1).add(b1.blend(b0, UPPER1).rearrange(SWAP1));
            FloatVector t = t00.blend(t01, UPPER2).add(t01.blend(t00, UPPER2).rearrange(SWAP2));
            if (L >= 8) t = t.add(t.rearrange(SWAP3));
            if (L >= 16) t = t.add(t.rearrange(SWAP4));
            t.intoArray(sums, 0);
            y[yo + 0 * n + j] = sums[LANE4[0]];
            if (rows > 1) y[yo + 1 * n + j] = sums[LANE4[1]];
            if (jb > j) {
                y[yo + 0 * n + jb] = sums[LANE4[2]];
                if (rows > 1) y[yo + 1 * n + jb] = sums[LANE4[3]];
            }
        }
    }

    /** {@link #tile1} for up to 4 rows of x from row i0 ({@code rows} of them; the others repeat the last, unwritten). */
    static void tile4(MemorySegment x, int i0, int rows, int k, MemorySegment q, MemorySegment s, float[] y, int n, int j0, int j1, float[] sums) {
        int groups = k / GROUP, blocks = k / BLOCK, last = i0 + rows - 1, yo = i0 * n;
        long x0 = 4L * i0 * k, x1 = 4L * Math.min(i0 + 1, last) * k, x2 = 4L * Math.min(i0 + 2, last) * k, x3 = 4L * Math.min(i0 + 3, last) * k;
        FloatVector z = FloatVector.zero(F);
        int half = (j1 - j0 + 1) / 2;
        for (int j = j0; j < j0 + half; j++) {
            int jb = j + half < j1 ? j + half : j; // a middle row left over is done twice and written once
            long qa = (long) j * k, sa = 4L * j * blocks, qb = (long) jb * k, sb = 4L * jb * blocks;
            FloatVector a0 = z, b0 = z, a1 = z, b1 = z, a2 = z, b2 = z, a3 = z, b3 = z;
            for (int g = 0; g < groups; g++) {
                for (int h = 0; h < H; h++) { // the group's L-word loads (one where a vector holds 16)
                    long wo = (long) g * GROUP + 4L * L * h, xe = 4L * GROUP * g + 4L * L * h;
                    FloatVector s0a = FloatVector.broadcast(F, s.get(Kernels.F32LE, sa + 8L * g)), s1a = FloatVector.broadcast(F, s.get(Kernels.F32LE, sa + 8L * g + 4));
                    IntVector wa = IntVector.fromMemorySegment(I, q, qa + wo, LE);
                    FloatVector w24a = GemmQ8.part(wa, 24).mul(s0a), w16a = GemmQ8.part(wa, 16).mul(s0a);
                    FloatVector w8a = GemmQ8.part(wa, 8).mul(s1a), w0a = GemmQ8.part(wa, 0).mul(s1a);
                    FloatVector s0b = FloatVector.broadcast(F, s.get(Kernels.F32LE, sb + 8L * g)), s1b = FloatVector.broadcast(F, s.get(Kernels.F32LE, sb + 8L * g + 4));
                    IntVector wb = IntVector.fromMemorySegment(I, q, qb + wo, LE);
                    FloatVector w24b = GemmQ8.part(wb, 24).mul(s0b), w16b = GemmQ8.part(wb, 16).mul(s0b);
                    FloatVector w8b = GemmQ8.part(wb, 8).mul(s1b), w0b = GemmQ8.part(wb, 0).mul(s1b);
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x0 + xe + 0, LE); a0 = w24a.fma(v, a0); b0 = w24b.fma(v, b0); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x0 + xe + 64, LE); a0 = w16a.fma(v, a0); b0 = w16b.fma(v, b0); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x0 + xe + 128, LE); a0 = w8a.fma(v, a0); b0 = w8b.fma(v, b0); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x0 + xe + 192, LE); a0 = w0a.fma(v, a0); b0 = w0b.fma(v, b0); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x1 + xe + 0, LE); a1 = w24a.fma(v, a1); b1 = w24b.fma(v, b1); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x1 + xe + 64, LE); a1 = w16a.fma(v, a1); b1 = w16b.fma(v, b1); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x1 + xe + 128, LE); a1 = w8a.fma(v, a1); b1 = w8b.fma(v, b1); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x1 + xe + 192, LE); a1 = w0a.fma(v, a1); b1 = w0b.fma(v, b1); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x2 + xe + 0, LE); a2 = w24a.fma(v, a2); b2 = w24b.fma(v, b2); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x2 + xe + 64, LE); a2 = w16a.fma(v, a2); b2 = w16b.fma(v, b2); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x2 + xe + 128, LE); a2 = w8a.fma(v, a2); b2 = w8b.fma(v, b2); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x2 + xe + 192, LE); a2 = w0a.fma(v, a2); b2 = w0b.fma(v, b2); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x3 + xe + 0, LE); a3 = w24a.fma(v, a3); b3 = w24b.fma(v, b3); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x3 + xe + 64, LE); a3 = w16a.fma(v, a3); b3 = w16b.fma(v, b3); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x3 + xe + 128, LE); a3 = w8a.fma(v, a3); b3 = w8b.fma(v, b3); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x3 + xe + 192, LE); a3 = w0a.fma(v, a3); b3 = w0b.fma(v, b3); }
                }
            }
            FloatVector t00 = a0.blend(a1, UPPER1).add(a1.blend(a0, UPPER1).rearrange(SWAP1));
            FloatVector t01 = a2.blend(a3, UPPER1).add(a3.blend(a2, UPPER1).rearrange(SWAP1));
            FloatVector t02 = b0.blend(b1, UPPER1).add(b1.blend(b0, UPPER1).rearrange(SWAP1));
            FloatVector t03 = b2.blend(b3, UPPER1).add(b3.blend(b2, UPPER1).rearrange(SWAP1));
            FloatVector t10 = t00.blend(t01, UPPER2).add(t01.blend(t00, UPPER2).rearrange(SWAP2));
            FloatVector t11 = t02.blend(t03, UPPER2).add(t03.blend(t02, UPPER2).rearrange(SWAP2));
            FloatVector t = t10.blend(t11, UPPER3).add(t11.blend(t10, UPPER3).rearrange(SWAP3));
            if (L >= 16) t = t.add(t.rearrange(SWAP4));
            t.intoArray(sums, 0);
            y[yo + 0 * n + j] = sums[LANE8[0]];
            if (rows > 1) y[yo + 1 * n + j] = sums[LANE8[1]];
            if (rows > 2) y[yo + 2 * n + j] = sums[LANE8[2]];
            if (rows > 3) y[yo + 3 * n + j] = sums[LANE8[3]];
            if (jb > j) {
                y[yo + 0 * n + jb] = sums[LANE8[4]];
                if (rows > 1) y[yo + 1 * n + jb] = sums[LANE8[5]];
                if (rows > 2) y[yo + 2 * n + jb] = sums[LANE8[6]];
                if (rows > 3) y[yo + 3 * n + jb] = sums[LANE8[7]];
            }
        }
    }

    /** {@link #tile1} for up to 8 rows of x from row i0 ({@code rows} of them; the others repeat the last, unwritten). */
    static void tile8(MemorySegment x, int i0, int rows, int k, MemorySegment q, MemorySegment s, float[] y, int n, int j0, int j1, float[] sums) {
        int groups = k / GROUP, blocks = k / BLOCK, last = i0 + rows - 1, yo = i0 * n;
        long x0 = 4L * i0 * k, x1 = 4L * Math.min(i0 + 1, last) * k, x2 = 4L * Math.min(i0 + 2, last) * k, x3 = 4L * Math.min(i0 + 3, last) * k;
        long x4 = 4L * Math.min(i0 + 4, last) * k, x5 = 4L * Math.min(i0 + 5, last) * k, x6 = 4L * Math.min(i0 + 6, last) * k, x7 = 4L * Math.min(i0 + 7, last) * k;
        FloatVector z = FloatVector.zero(F);
        int half = (j1 - j0 + 1) / 2;
        for (int j = j0; j < j0 + half; j++) {
            int jb = j + half < j1 ? j + half : j; // a middle row left over is done twice and written once
            long qa = (long) j * k, sa = 4L * j * blocks, qb = (long) jb * k, sb = 4L * jb * blocks;
            FloatVector a0 = z, b0 = z, a1 = z, b1 = z, a2 = z, b2 = z, a3 = z, b3 = z;
            FloatVector a4 = z, b4 = z, a5 = z, b5 = z, a6 = z, b6 = z, a7 = z, b7 = z;
            for (int g = 0; g < groups; g++) {
                for (int h = 0; h < H; h++) { // the group's L-word loads (one where a vector holds 16)
                    long wo = (long) g * GROUP + 4L * L * h, xe = 4L * GROUP * g + 4L * L * h;
                    FloatVector s0a = FloatVector.broadcast(F, s.get(Kernels.F32LE, sa + 8L * g)), s1a = FloatVector.broadcast(F, s.get(Kernels.F32LE, sa + 8L * g + 4));
                    IntVector wa = IntVector.fromMemorySegment(I, q, qa + wo, LE);
                    FloatVector w24a = GemmQ8.part(wa, 24).mul(s0a), w16a = GemmQ8.part(wa, 16).mul(s0a);
                    FloatVector w8a = GemmQ8.part(wa, 8).mul(s1a), w0a = GemmQ8.part(wa, 0).mul(s1a);
                    FloatVector s0b = FloatVector.broadcast(F, s.get(Kernels.F32LE, sb + 8L * g)), s1b = FloatVector.broadcast(F, s.get(Kernels.F32LE, sb + 8L * g + 4));
                    IntVector wb = IntVector.fromMemorySegment(I, q, qb + wo, LE);
                    FloatVector w24b = GemmQ8.part(wb, 24).mul(s0b), w16b = GemmQ8.part(wb, 16).mul(s0b);
                    FloatVector w8b = GemmQ8.part(wb, 8).mul(s1b), w0b = GemmQ8.part(wb, 0).mul(s1b);
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x0 + xe + 0, LE); a0 = w24a.fma(v, a0); b0 = w24b.fma(v, b0); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x0 + xe + 64, LE); a0 = w16a.fma(v, a0); b0 = w16b.fma(v, b0); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x0 + xe + 128, LE); a0 = w8a.fma(v, a0); b0 = w8b.fma(v, b0); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x0 + xe + 192, LE); a0 = w0a.fma(v, a0); b0 = w0b.fma(v, b0); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x1 + xe + 0, LE); a1 = w24a.fma(v, a1); b1 = w24b.fma(v, b1); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x1 + xe + 64, LE); a1 = w16a.fma(v, a1); b1 = w16b.fma(v, b1); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x1 + xe + 128, LE); a1 = w8a.fma(v, a1); b1 = w8b.fma(v, b1); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x1 + xe + 192, LE); a1 = w0a.fma(v, a1); b1 = w0b.fma(v, b1); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x2 + xe + 0, LE); a2 = w24a.fma(v, a2); b2 = w24b.fma(v, b2); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x2 + xe + 64, LE); a2 = w16a.fma(v, a2); b2 = w16b.fma(v, b2); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x2 + xe + 128, LE); a2 = w8a.fma(v, a2); b2 = w8b.fma(v, b2); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x2 + xe + 192, LE); a2 = w0a.fma(v, a2); b2 = w0b.fma(v, b2); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x3 + xe + 0, LE); a3 = w24a.fma(v, a3); b3 = w24b.fma(v, b3); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x3 + xe + 64, LE); a3 = w16a.fma(v, a3); b3 = w16b.fma(v, b3); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x3 + xe + 128, LE); a3 = w8a.fma(v, a3); b3 = w8b.fma(v, b3); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x3 + xe + 192, LE); a3 = w0a.fma(v, a3); b3 = w0b.fma(v, b3); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x4 + xe + 0, LE); a4 = w24a.fma(v, a4); b4 = w24b.fma(v, b4); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x4 + xe + 64, LE); a4 = w16a.fma(v, a4); b4 = w16b.fma(v, b4); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x4 + xe + 128, LE); a4 = w8a.fma(v, a4); b4 = w8b.fma(v, b4); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x4 + xe + 192, LE); a4 = w0a.fma(v, a4); b4 = w0b.fma(v, b4); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x5 + xe + 0, LE); a5 = w24a.fma(v, a5); b5 = w24b.fma(v, b5); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x5 + xe + 64, LE); a5 = w16a.fma(v, a5); b5 = w16b.fma(v, b5); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x5 + xe + 128, LE); a5 = w8a.fma(v, a5); b5 = w8b.fma(v, b5); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x5 + xe + 192, LE); a5 = w0a.fma(v, a5); b5 = w0b.fma(v, b5); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x6 + xe + 0, LE); a6 = w24a.fma(v, a6); b6 = w24b.fma(v, b6); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x6 + xe + 64, LE); a6 = w16a.fma(v, a6); b6 = w16b.fma(v, b6); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x6 + xe + 128, LE); a6 = w8a.fma(v, a6); b6 = w8b.fma(v, b6); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x6 + xe + 192, LE); a6 = w0a.fma(v, a6); b6 = w0b.fma(v, b6); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x7 + xe + 0, LE); a7 = w24a.fma(v, a7); b7 = w24b.fma(v, b7); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x7 + xe + 64, LE); a7 = w16a.fma(v, a7); b7 = w16b.fma(v, b7); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x7 + xe + 128, LE); a7 = w8a.fma(v, a7); b7 = w8b.fma(v, b7); }
                    { FloatVector v = FloatVector.fromMemorySegment(F, x, x7 + xe + 192, LE); a7 = w0a.fma(v, a7); b7 = w0b.fma(v, b7); }
                }
            }
            FloatVector t00 = a0.blend(a1, UPPER1).add(a1.blend(a0, UPPER1).rearrange(SWAP1));
            FloatVector t01 = a2.blend(a3, UPPER1).add(a3.blend(a2, UPPER1).rearrange(SWAP1));
            FloatVector t02 = a4.blend(a5, UPPER1).add(a5.blend(a4, UPPER1).rearrange(SWAP1));
            FloatVector t03 = a6.blend(a7, UPPER1).add(a7.blend(a6, UPPER1).rearrange(SWAP1));
            FloatVector t10 = t00.blend(t01, UPPER2).add(t01.blend(t00, UPPER2).rearrange(SWAP2));
            FloatVector t11 = t02.blend(t03, UPPER2).add(t03.blend(t02, UPPER2).rearrange(SWAP2));
            FloatVector t = t10.blend(t11, UPPER3).add(t11.blend(t10, UPPER3).rearrange(SWAP3));
            if (L >= 16) t = t.add(t.rearrange(SWAP4));
            t.intoArray(sums, 0);
            y[yo + 0 * n + j] = sums[LANE8[0]];
            if (rows > 1) y[yo + 1 * n + j] = sums[LANE8[1]];
            if (rows > 2) y[yo + 2 * n + j] = sums[LANE8[2]];
            if (rows > 3) y[yo + 3 * n + j] = sums[LANE8[3]];
            if (rows > 4) y[yo + 4 * n + j] = sums[LANE8[4]];
            if (rows > 5) y[yo + 5 * n + j] = sums[LANE8[5]];
            if (rows > 6) y[yo + 6 * n + j] = sums[LANE8[6]];
            if (rows > 7) y[yo + 7 * n + j] = sums[LANE8[7]];
            FloatVector u00 = b0.blend(b1, UPPER1).add(b1.blend(b0, UPPER1).rearrange(SWAP1));
            FloatVector u01 = b2.blend(b3, UPPER1).add(b3.blend(b2, UPPER1).rearrange(SWAP1));
            FloatVector u02 = b4.blend(b5, UPPER1).add(b5.blend(b4, UPPER1).rearrange(SWAP1));
            FloatVector u03 = b6.blend(b7, UPPER1).add(b7.blend(b6, UPPER1).rearrange(SWAP1));
            FloatVector u10 = u00.blend(u01, UPPER2).add(u01.blend(u00, UPPER2).rearrange(SWAP2));
            FloatVector u11 = u02.blend(u03, UPPER2).add(u03.blend(u02, UPPER2).rearrange(SWAP2));
            FloatVector u = u10.blend(u11, UPPER3).add(u11.blend(u10, UPPER3).rearrange(SWAP3));
            if (L >= 16) u = u.add(u.rearrange(SWAP4));
            if (jb == j) continue;
            u.intoArray(sums, 0);
            y[yo + 0 * n + jb] = sums[LANE8[0]];
            if (rows > 1) y[yo + 1 * n + jb] = sums[LANE8[1]];
            if (rows > 2) y[yo + 2 * n + jb] = sums[LANE8[2]];
            if (rows > 3) y[yo + 3 * n + jb] = sums[LANE8[3]];
            if (rows > 4) y[yo + 4 * n + jb] = sums[LANE8[4]];
            if (rows > 5) y[yo + 5 * n + jb] = sums[LANE8[5]];
            if (rows > 6) y[yo + 6 * n + jb] = sums[LANE8[6]];
            if (rows > 7) y[yo + 7 * n + jb] = sums[LANE8[7]];
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
