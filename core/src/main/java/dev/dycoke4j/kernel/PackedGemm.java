package dev.dycoke4j.kernel;

import dev.dycoke4j.parallel.Parallel;
import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.tensor.Q8Matrix;
import dev.dycoke4j.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The matrix-matrix half of {@link Gemm}: a broadcast-FMA micro-kernel over weights repacked once into panels.
 *
 * <p>Packed form: W {@code [n, k]} becomes {@code ⌈n/NR⌉} panels of NR output columns (a {@link Tile}'s number of
 * vectors); panel p holds, for each e in 0..k, the NR weights {@code W[p·NR + c][e]} side by side, the last panel
 * padded with zeros. F32 weights are packed as F32 (and q8 weights dequantized into F32 panels a block at a time,
 * {@link #linearQ8}); BF16 weights stay BF16, two to a 32-bit
 * lane: in each group of 2L columns, lane c holds column c in its low half and column L + c in its high half, so one
 * int-vector load, one shift and one {@code and} give two weight vectors (half the packed bytes, and within a few
 * percent of F32 panels' speed).
 *
 * <p>The micro-kernel computes an MR x NR block of y with one weight-vector load per MR FMAs and no horizontal
 * reduction: 6 rows x 2 vectors with 16 vector registers (AVX2: 12 accumulators, 2 weight vectors, 1 broadcast), 6
 * rows x 4 vectors with 32 (AVX-512: 24 accumulators, 4 weight vectors, 1 broadcast), which halves the broadcasts
 * and loop overhead per FMA. It runs over long blocks of k (all of k up to {@value #KC_MAX}; above, k split evenly),
 * so each output is written once or twice rather than read-modified-written every few hundred elements of k, over
 * MC = 24 rows of x whose k-block stays in L2 while a weight micro-panel streams by: measured, this beat MC=96/KC=256
 * by ~20% at large m (BENCHMARKS.md). F32 panels in the wide tile, twice BF16's bytes, run instead over k blocks
 * of at most {@value #KC_F32} and MC = {@value #MC_F32} rows, so that a block of NC columns stays in L2, and whole
 * tiles accumulate into y in place: measured 1-6% faster on Zen 5 at all six GemmBench shapes. Where k is split in
 * more than two blocks, the k blocks are the outer loop, all rows of x going through each, so that W is not read
 * again from L3 for every MC rows: 2-4% faster at qwen_down and siglip_fc2 (k = 4864, 4304), and 1-4% slower at
 * k = 1152 (y then makes a round trip through L3 per k block), which keeps the row-block order. Rows of x are read
 * in place (6 strided rows): packing them contiguously measured slower here.
 *
 * <p>The packed copy is built at the first matrix-matrix call for a weight, off-heap, and cached for as long as the
 * {@link Tensor} object is reachable: weights must not change after their first use. From then on the decode matvec
 * streams the panels too ({@link PanelMatvec}) and a memory-mapped original's pages are released, so a weight is
 * resident once.
 */
final class PackedGemm {
    static final VectorSpecies<Float> F = VectorWidth.FLOAT;
    static final int L = F.length();
    static final int MR = 6;
    /** Rows of x and columns of W per cache block, and the longest k block. */
    static final int MC = 24, NC = 256, KC_MAX = 2304;
    /**
     * Rows of x and the longest k block for F32 panels in the wide tile ({@link #inPlace}): NC columns of a k block
     * (256 x 576 x 4 bytes = 576 KiB) stay in the 1 MiB L2 of Zen 5 while the rows of x go by.
     */
    static final int MC_F32 = 48, KC_F32 = 576;
    /** The start of a wide tile's accumulators in the first k block when there is no bias. */
    private static final float[] ZEROS = new float[4 * L];
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    static final VectorSpecies<Integer> I = VectorWidth.INT;
    private static final int HIGH = 0xffff0000;

    /** The micro-tile: MR = 6 rows of x by {@code vectors} vectors of output columns. */
    enum Tile {
        /** 2 vectors, for 16 vector registers. */
        NARROW(2),
        /** 4 vectors, for 32 vector registers. */
        WIDE(4);

        final int vectors, nr;

        Tile(int vectors) {
            this.vectors = vectors;
            this.nr = vectors * L;
        }

        /** WIDE where the CPU has 32 vector registers (AVX-512: 16 floats per vector), else NARROW. */
        static final Tile BEST = L >= 16 ? WIDE : NARROW;
    }

    /** A weight in panel form: {@code panels} panels of {@code k·nr} floats, or BF16 pairs if {@code bf16}. */
    record Packed(MemorySegment seg, int n, int k, int panels, boolean bf16, Tile tile) {
        int nr() {
            return tile.nr;
        }
    }

    private static final Map<Object, Packed> CACHE = new WeakHashMap<>();

    private PackedGemm() {
    }

    /**
     * The packed form of {@code w}, built on first use. A memory-mapped original's pages are then released (the file
     * stays mapped: a later read faults them back in from the page cache), since every later product reads the
     * panels ({@link PanelMatvec} below {@link Gemm#PACK_MIN_ROWS} rows), so the weights are resident once.
     */
    static Packed packed(Tensor w) {
        synchronized (CACHE) {
            Packed p = CACHE.get(w);
            if (p == null) {
                p = pack(w, Tile.BEST);
                CACHE.put(w, p);
                w.releasePages();
            }
            return p;
        }
    }

    /** The packed form of {@code w} if a product has built it, else null. */
    static Packed packedIfBuilt(Tensor w) {
        synchronized (CACHE) {
            return CACHE.get(w);
        }
    }

    /**
     * The dequantized F32 panels of a whole q8 weight (4 bytes a weight where the int8 form holds 1.125): only for
     * tests and measurements; products go through {@link #linearQ8}, which dequantizes one strip at a time.
     */
    static Packed pack(Q8Matrix w, Tile tile) {
        int n = w.rows(), k = w.cols(), nr = tile.nr;
        int panels = (n + nr - 1) / nr;
        MemorySegment seg = Arena.ofAuto().allocate((long) panels * k * nr * 4, 64);
        Parallel.forRange(panels, 4, (lo, hi) -> {
            for (int p = lo; p < hi; p++) dequantize(w, p * nr, nr, 0, k, seg, (long) p * k * nr * 4);
        });
        return new Packed(seg, n, k, panels, false, tile);
    }

    /**
     * One panel of F32 weights from a q8 weight: {@code dst[off + 4·((e - k0)·nr + c)] = W[j0 + c][e]} for e in
     * [k0, k1) and c in [0, nr), zero for rows past the end; each weight is {@code quant · scale}, one float
     * multiplication, as {@link Q8Matrix} defines it. A group of 64 elements at a time: each row's 16 words are loaded
     * as int vectors and their bytes taken apart as in {@link GemmQ8} into L consecutive elements, scaled and stored
     * row by row in a heap tile, which is then transposed into e-major order in a second heap tile and copied to dst
     * in one bulk copy. Per-element segment accesses across the rows (k bytes apart) cost ten times as much.
     */
    static void dequantize(Q8Matrix w, int j0, int nr, int k0, int k1, MemorySegment dst, long off) {
        int n = w.rows(), k = w.cols(), blocks = w.blocks(), rows = Math.min(nr, n - j0), G = Q8Matrix.GROUP;
        MemorySegment q = w.quants(), s = w.scales();
        float[][] scratch = DEQUANT.get();
        float[] byRow = scratch[0], byE = scratch[1];
        java.util.Arrays.fill(byRow, rows * G, nr * G, 0f);
        long qBase = (long) j0 * k, sBase = (long) j0 * blocks;
        for (int g = k0 - k0 % G; g < k1; g += G) {
            int lo = Math.max(k0, g), hi = Math.min(k1, g + G);
            if (GemmQ8.GROUPED && g + G <= k) {
                for (int c = 0; c < rows; c++) {
                    long qo = qBase + (long) c * k + g, so = sBase + (long) c * blocks + g / Q8Matrix.BLOCK;
                    FloatVector s0 = FloatVector.broadcast(F, s.getAtIndex(Kernels.F32LE, so));
                    FloatVector s1 = FloatVector.broadcast(F, s.getAtIndex(Kernels.F32LE, so + 1));
                    for (int h = 0; h < 16; h += L) {
                        IntVector words = IntVector.fromMemorySegment(I, q, qo + 4L * h, LE);
                        int at = c * G + h;
                        GemmQ8.part(words, 24).mul(s0).intoArray(byRow, at);
                        GemmQ8.part(words, 16).mul(s0).intoArray(byRow, at + 16);
                        GemmQ8.part(words, 8).mul(s1).intoArray(byRow, at + 32);
                        GemmQ8.part(words, 0).mul(s1).intoArray(byRow, at + 48);
                    }
                }
            } else { // the last half group (stored in order)
                for (int c = 0; c < rows; c++) {
                    long qo = qBase + (long) c * k, so = sBase + (long) c * blocks;
                    for (int e = lo; e < hi; e++)
                        byRow[c * G + e - g] = q.get(java.lang.foreign.ValueLayout.JAVA_BYTE, qo + Q8Matrix.position(e, k))
                                * s.getAtIndex(Kernels.F32LE, so + e / Q8Matrix.BLOCK);
                }
            }
            for (int e = lo, d = 0; e < hi; e++)
                for (int c = 0, r = e - g; c < nr; c++, r += G) byE[d++] = byRow[r];
            MemorySegment.copy(byE, 0, dst, Kernels.F32LE, off + 4L * (lo - k0) * nr, (hi - lo) * nr);
        }
    }

    /** Each thread's two tiles for {@link #dequantize}: a group of the widest panel, by row and by element. */
    private static final ThreadLocal<float[][]> DEQUANT = ThreadLocal.withInitial(
            () -> new float[][] {new float[4 * L * Q8Matrix.GROUP], new float[4 * L * Q8Matrix.GROUP]});

    /** Each pool thread's strip of dequantized panels for {@link #linearQ8}, kept for the next call. */
    private static final ThreadLocal<MemorySegment[]> STRIP = ThreadLocal.withInitial(() -> new MemorySegment[1]);

    /**
     * {@link #linear} over a q8 weight without a resident F32 copy: each thread dequantizes one block of NC columns
     * by one k block at a time into its own strip (at most NC x {@value #KC_MAX} floats, in L2 for the wide tile's
     * {@value #KC_F32}) and runs every row of x through it before the next; the threads share the panels as
     * {@link #linear} does. The dequantization is once per weight element per call, against m FMAs per element in the
     * products. Each output sees the same k blocks in the same order as over whole panels, so the sums are the same.
     */
    static void linearQ8(float[] x, int m, int k, Q8Matrix w, float[] bias, float[] y, Tile tileKind) {
        int nr = tileKind.nr, panels = (w.rows() + nr - 1) / nr;
        Parallel.forRangeBalanced(panels, 1, stealPanels(tileKind), (lo, hi) -> linearQ8Panels(x, m, k, w, bias, y, tileKind, lo, hi));
    }

    /** {@link #linearQ8}'s columns of panels {@code [lo, hi)}: one thread's share, or a block another thread took. */
    static void linearQ8Panels(float[] x, int m, int k, Q8Matrix w, float[] bias, float[] y, Tile tileKind, int lo, int hi) {
        int nr = tileKind.nr, n = w.rows(), panels = (n + nr - 1) / nr;
        boolean inPlace = tileKind == Tile.WIDE;
        int mc = inPlace ? MC_F32 : MC, kcMax = inPlace ? KC_F32 : KC_MAX;
        int kBlocks = (k + kcMax - 1) / kcMax, kc = (k + kBlocks - 1) / kBlocks;
        Packed shape = new Packed(MemorySegment.NULL, n, k, panels, false, tileKind);
        float[] tile = new float[MR * nr];
        MemorySegment[] held = STRIP.get();
        long need = 4L * NC * kc;
        if (held[0] == null || held[0].byteSize() < need) held[0] = Arena.ofAuto().allocate(Math.max(need, 4L * NC * kcMax), 64);
        MemorySegment strip = held[0];
        int jEnd = Math.min(n, hi * nr);
        for (int j0 = lo * nr; j0 < jEnd; j0 += NC) {
            int j1 = Math.min(jEnd, j0 + NC);
            for (int k0 = 0; k0 < k; k0 += kc) {
                int k1 = Math.min(k, k0 + kc), span = k1 - k0;
                for (int j = j0; j < j1; j += nr) dequantize(w, j, nr, k0, k1, strip, 4L * (j - j0) / nr * span * nr);
                for (int i0 = 0; i0 < m; i0 += mc)
                    block(x, m, k, shape, strip, j0, span, k0, bias, y, i0, Math.min(m, i0 + mc), j0, j1, k0, k1, tile);
            }
        }
    }

    /**
     * The panels a thread takes at a time from the back of another's run once its own is done: one block of NC
     * columns. Prefill products hold both threads for tens of milliseconds each, and with equal static halves a core
     * slowed for a while (another process, the host) held the whole product up; a column's sums do not depend on
     * which thread computes it or on the block it is in (k blocks depend on k only), so the results are the same.
     */
    static int stealPanels(Tile tileKind) {
        return Math.max(1, NC / tileKind.nr);
    }

    static Packed pack(Tensor w, Tile tile) {
        int n = w.dim(0), k = w.dim(1), nr = tile.nr;
        int panels = (n + nr - 1) / nr;
        boolean bf16 = w.dtype() == DType.BF16;
        MemorySegment seg = Arena.ofAuto().allocate((long) panels * k * nr * (bf16 ? 2 : 4), 64);
        MemorySegment src = w.segment();
        Parallel.forRange(panels, 4, (lo, hi) -> {
            if (bf16) packBf16Panels(src, n, k, nr, seg, lo, hi);
            else packF32Panels(src, n, k, nr, seg, lo, hi);
        });
        return new Packed(seg, n, k, panels, bf16, tile);
    }

    private static void packF32Panels(MemorySegment src, int n, int k, int nr, MemorySegment dst, int lo, int hi) {
        for (int p = lo; p < hi; p++) {
            long base = (long) p * k * nr;
            for (int c = 0; c < nr; c++) {
                int row = p * nr + c;
                if (row >= n) break; // the allocation is zeroed: padding stays 0
                long ro = (long) row * k;
                for (int e = 0; e < k; e++) dst.setAtIndex(Kernels.F32LE, base + (long) e * nr + c, src.getAtIndex(Kernels.F32LE, ro + e));
            }
        }
    }

    /**
     * Within each group of 2L columns of a panel, column c goes to the low half of lane c (c < L) or the high half of
     * lane c - L.
     */
    private static void packBf16Panels(MemorySegment src, int n, int k, int nr, MemorySegment dst, int lo, int hi) {
        for (int p = lo; p < hi; p++) {
            long base = (long) p * k * nr;
            for (int c = 0; c < nr; c++) {
                int row = p * nr + c;
                if (row >= n) break;
                long ro = (long) row * k;
                int group = c / (2 * L) * 2 * L, g = c % (2 * L);
                int half = group + (g < L ? 2 * g : 2 * (g - L) + 1);
                for (int e = 0; e < k; e++) dst.setAtIndex(Kernels.I16LE, base + (long) e * nr + half, src.getAtIndex(Kernels.I16LE, ro + e));
            }
        }
    }

    /**
     * Each thread takes an equal run of whole panels (all m rows of them), so the split is even to one panel whatever
     * m is, and each thread streams only its share of W; a thread done with its run takes blocks of NC columns from the
     * back of another's ({@link #stealPanels}). Within a block of NC columns, each block of MC rows of x
     * goes through all of k; but F32 wide panels ({@link #inPlace}) over more than two k blocks go k block by k
     * block, all rows of x through each, so that the NC x kc block of W stays in L2 while x goes by instead of the
     * whole NC x k block (several times L2) being read again for every MC rows.
     */
    static void linear(float[] x, int m, int k, Packed w, float[] bias, float[] y) {
        linear(x, m, k, w, bias, y, null);
    }

    /**
     * As above, then {@code ep} (if not null) on each block of y once all of k is in it: a block of NC columns by the
     * rows of one pass over the k blocks, still in cache, on the thread that computed it.
     */
    static void linear(float[] x, int m, int k, Packed w, float[] bias, float[] y, Epilogue ep) {
        Parallel.forRangeBalanced(w.panels, 1, stealPanels(w.tile), (lo, hi) -> linearPanels(x, m, k, w, bias, y, ep, lo, hi));
    }

    /** {@link #linear}'s columns of panels {@code [lo, hi)}: one thread's share, or a block another thread took. */
    static void linearPanels(float[] x, int m, int k, Packed w, float[] bias, float[] y, Epilogue ep, int lo, int hi) {
        int nr = w.nr();
        boolean inPlace = inPlace(w);
        int mc = inPlace ? MC_F32 : MC, kcMax = inPlace ? KC_F32 : KC_MAX;
        int kBlocks = (k + kcMax - 1) / kcMax, kc = (k + kBlocks - 1) / kBlocks;
        int mb = inPlace && kBlocks > 2 ? m : mc; // rows of x per pass over the k blocks
        float[] tile = new float[MR * nr];
        int jEnd = Math.min(w.n, hi * nr);
        for (int j0 = lo * nr; j0 < jEnd; j0 += NC) {
            int j1 = Math.min(jEnd, j0 + NC);
            for (int ib = 0; ib < m; ib += mb) {
                int ibEnd = Math.min(m, ib + mb);
                for (int k0 = 0; k0 < k; k0 += kc)
                    for (int i0 = ib; i0 < ibEnd; i0 += mc) block(x, m, k, w, w.seg, 0, k, 0, bias, y, i0, Math.min(ibEnd, i0 + mc), j0, j1, k0, Math.min(k, k0 + kc), tile);
                if (ep != null) ep.apply(y, w.n, ib, ibEnd, j0, j1);
            }
        }
    }

    /**
     * Whether the F32 wide kernel runs over shorter k blocks and accumulates into y in place ({@link #microWideInPlace}).
     * BF16 panels (half the bytes) keep the long k blocks, and the narrow tile (AVX2) the blocking measured on Zen 3.
     */
    static boolean inPlace(Packed w) {
        return w.tile == Tile.WIDE && !w.bf16;
    }

    /**
     * The block of y at rows [i0, i1) and columns [j0, j1) over the k block [k0, k1): written (plus bias) in the
     * first k block, added to after. The weights are read from {@code seg}, which holds the panels of columns from
     * {@code jBase} on over the k range from {@code kBase} on, {@code kLen} long (whole panels: 0, k, 0).
     */
    private static void block(float[] x, int m, int k, Packed w, MemorySegment seg, int jBase, int kLen, int kBase, float[] bias, float[] y,
            int i0, int i1, int j0, int j1, int k0, int k1, float[] tile) {
        int nr = w.nr(), n = w.n;
        boolean wide = w.tile == Tile.WIDE, inPlace = inPlace(w), first = k0 == 0;
        long bytes = w.bf16 ? 2 : 4;
        for (int j = j0; j < j1; j += nr) {
            long bOff = ((long) ((j - jBase) / nr) * kLen + k0 - kBase) * nr * bytes;
            for (int i = i0; i < i1; i += MR) {
                if (inPlace && i + MR <= m && j + nr <= n) {
                    // whole tile: start from the bias (or 0) in the first k block, from y after
                    float[] from = !first ? y : bias != null ? bias : ZEROS;
                    int fo = !first ? i * n + j : bias != null ? j : 0;
                    microWideInPlace(x, k, i, seg, bOff, k0, k1, from, fo, first ? 0 : n, y, i * n + j, n);
                    continue;
                }
                if (wide) {
                    if (w.bf16) microWideBf16(x, m, k, i, seg, bOff, k0, k1, tile);
                    else microWide(x, m, k, i, seg, bOff, k0, k1, tile);
                } else if (w.bf16) microBf16(x, m, k, i, seg, bOff, k0, k1, tile);
                else micro(x, m, k, i, seg, bOff, k0, k1, tile);
                merge(tile, nr, y, m, w.n, i, j, first, first ? bias : null);
            }
        }
    }

    /**
     * tile[r·2L + c] = Σ_{e ∈ [k0,k1)} x[i+r, e] · W[j+c, e] for the 6 x 2L block at rows i.. of x (rows past m
     * repeat row m-1; the merge drops them) and the panel at byte {@code bOff}.
     */
    static void micro(float[] x, int m, int k, int i, MemorySegment b, long bOff, int k0, int k1, float[] tile) {
        int last = m - 1, nr = 2 * L;
        int x0 = i * k, x1 = Math.min(i + 1, last) * k, x2 = Math.min(i + 2, last) * k;
        int x3 = Math.min(i + 3, last) * k, x4 = Math.min(i + 4, last) * k, x5 = Math.min(i + 5, last) * k;
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        long bo = bOff;
        for (int e = k0; e < k1; e++, bo += 2 * L * 4) {
            FloatVector b0 = FloatVector.fromMemorySegment(F, b, bo, LE);
            FloatVector b1 = FloatVector.fromMemorySegment(F, b, bo + L * 4, LE);
            FloatVector a = FloatVector.broadcast(F, x[x0 + e]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(F, x[x1 + e]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(F, x[x2 + e]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(F, x[x3 + e]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(F, x[x4 + e]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(F, x[x5 + e]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, nr);
        c11.intoArray(tile, nr + L);
        c20.intoArray(tile, 2 * nr);
        c21.intoArray(tile, 2 * nr + L);
        c30.intoArray(tile, 3 * nr);
        c31.intoArray(tile, 3 * nr + L);
        c40.intoArray(tile, 4 * nr);
        c41.intoArray(tile, 4 * nr + L);
        c50.intoArray(tile, 5 * nr);
        c51.intoArray(tile, 5 * nr + L);
    }

    /** {@link #micro} over a BF16 panel: lane c of a 32-bit load holds columns c (low half) and L + c (high half). */
    static void microBf16(float[] x, int m, int k, int i, MemorySegment b, long bOff, int k0, int k1, float[] tile) {
        int last = m - 1, nr = 2 * L;
        int x0 = i * k, x1 = Math.min(i + 1, last) * k, x2 = Math.min(i + 2, last) * k;
        int x3 = Math.min(i + 3, last) * k, x4 = Math.min(i + 4, last) * k, x5 = Math.min(i + 5, last) * k;
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        long bo = bOff;
        for (int e = k0; e < k1; e++, bo += 2 * L * 2) {
            IntVector pair = IntVector.fromMemorySegment(I, b, bo, LE);
            FloatVector b0 = pair.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector b1 = pair.and(HIGH).reinterpretAsFloats();
            FloatVector a = FloatVector.broadcast(F, x[x0 + e]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(F, x[x1 + e]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(F, x[x2 + e]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(F, x[x3 + e]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(F, x[x4 + e]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(F, x[x5 + e]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, nr);
        c11.intoArray(tile, nr + L);
        c20.intoArray(tile, 2 * nr);
        c21.intoArray(tile, 2 * nr + L);
        c30.intoArray(tile, 3 * nr);
        c31.intoArray(tile, 3 * nr + L);
        c40.intoArray(tile, 4 * nr);
        c41.intoArray(tile, 4 * nr + L);
        c50.intoArray(tile, 5 * nr);
        c51.intoArray(tile, 5 * nr + L);
    }

    /** {@link #micro} with a 6 x 4L tile: tile[r·4L + c], 24 accumulators. */
    static void microWide(float[] x, int m, int k, int i, MemorySegment b, long bOff, int k0, int k1, float[] tile) {
        int last = m - 1;
        int x0 = i * k, x1 = Math.min(i + 1, last) * k, x2 = Math.min(i + 2, last) * k;
        int x3 = Math.min(i + 3, last) * k, x4 = Math.min(i + 4, last) * k, x5 = Math.min(i + 5, last) * k;
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        FloatVector c40 = c00, c41 = c00, c42 = c00, c43 = c00, c50 = c00, c51 = c00, c52 = c00, c53 = c00;
        long bo = bOff;
        for (int e = k0; e < k1; e++, bo += 4 * L * 4) {
            FloatVector b0 = FloatVector.fromMemorySegment(F, b, bo, LE);
            FloatVector b1 = FloatVector.fromMemorySegment(F, b, bo + L * 4, LE);
            FloatVector b2 = FloatVector.fromMemorySegment(F, b, bo + 2 * L * 4, LE);
            FloatVector b3 = FloatVector.fromMemorySegment(F, b, bo + 3 * L * 4, LE);
            FloatVector a = FloatVector.broadcast(F, x[x0 + e]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            c02 = a.fma(b2, c02);
            c03 = a.fma(b3, c03);
            a = FloatVector.broadcast(F, x[x1 + e]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            c12 = a.fma(b2, c12);
            c13 = a.fma(b3, c13);
            a = FloatVector.broadcast(F, x[x2 + e]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            c22 = a.fma(b2, c22);
            c23 = a.fma(b3, c23);
            a = FloatVector.broadcast(F, x[x3 + e]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            c32 = a.fma(b2, c32);
            c33 = a.fma(b3, c33);
            a = FloatVector.broadcast(F, x[x4 + e]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            c42 = a.fma(b2, c42);
            c43 = a.fma(b3, c43);
            a = FloatVector.broadcast(F, x[x5 + e]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
            c52 = a.fma(b2, c52);
            c53 = a.fma(b3, c53);
        }
        c00.intoArray(tile, 0 * 4 * L);
        c01.intoArray(tile, 0 * 4 * L + L);
        c02.intoArray(tile, 0 * 4 * L + 2 * L);
        c03.intoArray(tile, 0 * 4 * L + 3 * L);
        c10.intoArray(tile, 1 * 4 * L);
        c11.intoArray(tile, 1 * 4 * L + L);
        c12.intoArray(tile, 1 * 4 * L + 2 * L);
        c13.intoArray(tile, 1 * 4 * L + 3 * L);
        c20.intoArray(tile, 2 * 4 * L);
        c21.intoArray(tile, 2 * 4 * L + L);
        c22.intoArray(tile, 2 * 4 * L + 2 * L);
        c23.intoArray(tile, 2 * 4 * L + 3 * L);
        c30.intoArray(tile, 3 * 4 * L);
        c31.intoArray(tile, 3 * 4 * L + L);
        c32.intoArray(tile, 3 * 4 * L + 2 * L);
        c33.intoArray(tile, 3 * 4 * L + 3 * L);
        c40.intoArray(tile, 4 * 4 * L);
        c41.intoArray(tile, 4 * 4 * L + L);
        c42.intoArray(tile, 4 * 4 * L + 2 * L);
        c43.intoArray(tile, 4 * 4 * L + 3 * L);
        c50.intoArray(tile, 5 * 4 * L);
        c51.intoArray(tile, 5 * 4 * L + L);
        c52.intoArray(tile, 5 * 4 * L + 2 * L);
        c53.intoArray(tile, 5 * 4 * L + 3 * L);
    }

    /**
     * {@link #microWide} over a whole 6 x 4L tile of y at {@code yo} (row stride n), accumulated in place: the
     * accumulators start from {@code from[fo + r·fs + c]} (the bias row or zeros with fs = 0 in the first k block, y
     * itself after) and are stored into y, so that short k blocks cost no tile round trip and no merge.
     */
    static void microWideInPlace(float[] x, int k, int i, MemorySegment b, long bOff, int k0, int k1, float[] from, int fo, int fs, float[] y, int yo,
            int n) {
        int x0 = i * k, x1 = x0 + k, x2 = x1 + k, x3 = x2 + k, x4 = x3 + k, x5 = x4 + k;
        FloatVector c00 = FloatVector.fromArray(F, from, fo), c01 = FloatVector.fromArray(F, from, fo + L);
        FloatVector c02 = FloatVector.fromArray(F, from, fo + 2 * L), c03 = FloatVector.fromArray(F, from, fo + 3 * L);
        FloatVector c10 = FloatVector.fromArray(F, from, fo + fs), c11 = FloatVector.fromArray(F, from, fo + fs + L);
        FloatVector c12 = FloatVector.fromArray(F, from, fo + fs + 2 * L), c13 = FloatVector.fromArray(F, from, fo + fs + 3 * L);
        FloatVector c20 = FloatVector.fromArray(F, from, fo + 2 * fs), c21 = FloatVector.fromArray(F, from, fo + 2 * fs + L);
        FloatVector c22 = FloatVector.fromArray(F, from, fo + 2 * fs + 2 * L), c23 = FloatVector.fromArray(F, from, fo + 2 * fs + 3 * L);
        FloatVector c30 = FloatVector.fromArray(F, from, fo + 3 * fs), c31 = FloatVector.fromArray(F, from, fo + 3 * fs + L);
        FloatVector c32 = FloatVector.fromArray(F, from, fo + 3 * fs + 2 * L), c33 = FloatVector.fromArray(F, from, fo + 3 * fs + 3 * L);
        FloatVector c40 = FloatVector.fromArray(F, from, fo + 4 * fs), c41 = FloatVector.fromArray(F, from, fo + 4 * fs + L);
        FloatVector c42 = FloatVector.fromArray(F, from, fo + 4 * fs + 2 * L), c43 = FloatVector.fromArray(F, from, fo + 4 * fs + 3 * L);
        FloatVector c50 = FloatVector.fromArray(F, from, fo + 5 * fs), c51 = FloatVector.fromArray(F, from, fo + 5 * fs + L);
        FloatVector c52 = FloatVector.fromArray(F, from, fo + 5 * fs + 2 * L), c53 = FloatVector.fromArray(F, from, fo + 5 * fs + 3 * L);
        long bo = bOff;
        for (int e = k0; e < k1; e++, bo += 4 * L * 4) {
            FloatVector b0 = FloatVector.fromMemorySegment(F, b, bo, LE);
            FloatVector b1 = FloatVector.fromMemorySegment(F, b, bo + L * 4, LE);
            FloatVector b2 = FloatVector.fromMemorySegment(F, b, bo + 2 * L * 4, LE);
            FloatVector b3 = FloatVector.fromMemorySegment(F, b, bo + 3 * L * 4, LE);
            FloatVector a = FloatVector.broadcast(F, x[x0 + e]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            c02 = a.fma(b2, c02);
            c03 = a.fma(b3, c03);
            a = FloatVector.broadcast(F, x[x1 + e]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            c12 = a.fma(b2, c12);
            c13 = a.fma(b3, c13);
            a = FloatVector.broadcast(F, x[x2 + e]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            c22 = a.fma(b2, c22);
            c23 = a.fma(b3, c23);
            a = FloatVector.broadcast(F, x[x3 + e]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            c32 = a.fma(b2, c32);
            c33 = a.fma(b3, c33);
            a = FloatVector.broadcast(F, x[x4 + e]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            c42 = a.fma(b2, c42);
            c43 = a.fma(b3, c43);
            a = FloatVector.broadcast(F, x[x5 + e]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
            c52 = a.fma(b2, c52);
            c53 = a.fma(b3, c53);
        }
        c00.intoArray(y, yo);
        c01.intoArray(y, yo + L);
        c02.intoArray(y, yo + 2 * L);
        c03.intoArray(y, yo + 3 * L);
        c10.intoArray(y, yo + n);
        c11.intoArray(y, yo + n + L);
        c12.intoArray(y, yo + n + 2 * L);
        c13.intoArray(y, yo + n + 3 * L);
        c20.intoArray(y, yo + 2 * n);
        c21.intoArray(y, yo + 2 * n + L);
        c22.intoArray(y, yo + 2 * n + 2 * L);
        c23.intoArray(y, yo + 2 * n + 3 * L);
        c30.intoArray(y, yo + 3 * n);
        c31.intoArray(y, yo + 3 * n + L);
        c32.intoArray(y, yo + 3 * n + 2 * L);
        c33.intoArray(y, yo + 3 * n + 3 * L);
        c40.intoArray(y, yo + 4 * n);
        c41.intoArray(y, yo + 4 * n + L);
        c42.intoArray(y, yo + 4 * n + 2 * L);
        c43.intoArray(y, yo + 4 * n + 3 * L);
        c50.intoArray(y, yo + 5 * n);
        c51.intoArray(y, yo + 5 * n + L);
        c52.intoArray(y, yo + 5 * n + 2 * L);
        c53.intoArray(y, yo + 5 * n + 3 * L);
    }

    /** {@link #microWide} over a BF16 panel: two 32-bit loads give the four weight vectors. */
    static void microWideBf16(float[] x, int m, int k, int i, MemorySegment b, long bOff, int k0, int k1, float[] tile) {
        int last = m - 1;
        int x0 = i * k, x1 = Math.min(i + 1, last) * k, x2 = Math.min(i + 2, last) * k;
        int x3 = Math.min(i + 3, last) * k, x4 = Math.min(i + 4, last) * k, x5 = Math.min(i + 5, last) * k;
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        FloatVector c40 = c00, c41 = c00, c42 = c00, c43 = c00, c50 = c00, c51 = c00, c52 = c00, c53 = c00;
        long bo = bOff;
        for (int e = k0; e < k1; e++, bo += 4 * L * 2) {
            IntVector p0 = IntVector.fromMemorySegment(I, b, bo, LE), p1 = IntVector.fromMemorySegment(I, b, bo + L * 4, LE);
            FloatVector b0 = p0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector b1 = p0.and(HIGH).reinterpretAsFloats();
            FloatVector b2 = p1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector b3 = p1.and(HIGH).reinterpretAsFloats();
            FloatVector a = FloatVector.broadcast(F, x[x0 + e]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            c02 = a.fma(b2, c02);
            c03 = a.fma(b3, c03);
            a = FloatVector.broadcast(F, x[x1 + e]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            c12 = a.fma(b2, c12);
            c13 = a.fma(b3, c13);
            a = FloatVector.broadcast(F, x[x2 + e]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            c22 = a.fma(b2, c22);
            c23 = a.fma(b3, c23);
            a = FloatVector.broadcast(F, x[x3 + e]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            c32 = a.fma(b2, c32);
            c33 = a.fma(b3, c33);
            a = FloatVector.broadcast(F, x[x4 + e]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            c42 = a.fma(b2, c42);
            c43 = a.fma(b3, c43);
            a = FloatVector.broadcast(F, x[x5 + e]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
            c52 = a.fma(b2, c52);
            c53 = a.fma(b3, c53);
        }
        c00.intoArray(tile, 0 * 4 * L);
        c01.intoArray(tile, 0 * 4 * L + L);
        c02.intoArray(tile, 0 * 4 * L + 2 * L);
        c03.intoArray(tile, 0 * 4 * L + 3 * L);
        c10.intoArray(tile, 1 * 4 * L);
        c11.intoArray(tile, 1 * 4 * L + L);
        c12.intoArray(tile, 1 * 4 * L + 2 * L);
        c13.intoArray(tile, 1 * 4 * L + 3 * L);
        c20.intoArray(tile, 2 * 4 * L);
        c21.intoArray(tile, 2 * 4 * L + L);
        c22.intoArray(tile, 2 * 4 * L + 2 * L);
        c23.intoArray(tile, 2 * 4 * L + 3 * L);
        c30.intoArray(tile, 3 * 4 * L);
        c31.intoArray(tile, 3 * 4 * L + L);
        c32.intoArray(tile, 3 * 4 * L + 2 * L);
        c33.intoArray(tile, 3 * 4 * L + 3 * L);
        c40.intoArray(tile, 4 * 4 * L);
        c41.intoArray(tile, 4 * 4 * L + L);
        c42.intoArray(tile, 4 * 4 * L + 2 * L);
        c43.intoArray(tile, 4 * 4 * L + 3 * L);
        c50.intoArray(tile, 5 * 4 * L);
        c51.intoArray(tile, 5 * 4 * L + L);
        c52.intoArray(tile, 5 * 4 * L + 2 * L);
        c53.intoArray(tile, 5 * 4 * L + 3 * L);
    }

    /** Writes (first k block, plus bias) or adds (later k blocks) the valid part of an MR x nr tile into y. */
    static void merge(float[] tile, int nr, float[] y, int m, int n, int i, int j, boolean first, float[] bias) {
        int rows = Math.min(MR, m - i), cols = Math.min(nr, n - j);
        if (cols == nr) {
            for (int r = 0; r < rows; r++) {
                int yo = (i + r) * n + j;
                for (int c = 0; c < nr; c += L) {
                    FloatVector t = FloatVector.fromArray(F, tile, r * nr + c);
                    if (bias != null) t = t.add(FloatVector.fromArray(F, bias, j + c));
                    if (!first) t = t.add(FloatVector.fromArray(F, y, yo + c));
                    t.intoArray(y, yo + c);
                }
            }
        } else {
            for (int r = 0; r < rows; r++) {
                int yo = (i + r) * n + j;
                for (int c = 0; c < cols; c++) {
                    float t = tile[r * nr + c];
                    if (bias != null) t += bias[j + c];
                    y[yo + c] = first ? t : y[yo + c] + t;
                }
            }
        }
    }
}
