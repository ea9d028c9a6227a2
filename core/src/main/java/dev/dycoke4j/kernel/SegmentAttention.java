package dev.dycoke4j.kernel;

import dev.dycoke4j.parallel.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Non-causal attention within independent segments of rows (SigLIP's frames, Qwen2.5-VL's windows), as two
 * register-tiled products per block of queries with an exact softmax between them, transposed so that queries run
 * along the vector lanes.
 *
 * <p>A work item is (segment, head, block of up to {@link #NV}·L queries). Its queries are copied transposed and
 * scaled, {@code Qᵀ·scale [D, W]}; then {@code Sᵀ = K·Qᵀ [S, W]} (6 keys by 4 vectors of queries on AVX-512, by 2 on
 * AVX2: the tiled GEMM's tile, with the keys broadcast from their rows); then the softmax of each query is down a
 * column of Sᵀ, so its max (taken from the registers as each tile of Sᵀ finishes), exp and sum are plain vector
 * operations with no horizontal reduction, over all the segment's keys at once (no running max to rescale by); then
 * {@code Oᵀ = Vᵀ·Pᵀ [D, W]}, 6 elements of the head by the same vectors of queries, over chunks of {@value #CHUNK}
 * keys: each chunk's exps are taken just before its product, so its probabilities are written and read back while
 * they are in L1. The head size is a row count here, not a vector length, so 72 or 80 need no masked tail. The exp
 * is {@link VectorExp}, whose bits do not depend on whether the code runs compiled or interpreted.
 *
 * <p>Both products are {@link #tile6x4} (or {@link #tile6x2}) over whole tiles only: the copied keys are padded to a
 * multiple of 6 rows with copies of the last key (their scores repeat a real one, so the max is unchanged, and the
 * softmax and the value product stop at the real keys), and the copied values' transpose to a multiple of 6 rows with
 * zeros (rows of Oᵀ that are not written out). One-row tail tiles would be methods that run too rarely for the JIT to
 * compile them early, and each of their steps boxes its vectors until it does.
 *
 * <p>Items run head by head within a segment, so a thread goes through one head's blocks of queries while its keys
 * and values, copied once per kv head, stay in L2; all segments are one job. Each thread keeps its scratch from call
 * to call (some 650 KiB at SigLIP's shape, which a tower would otherwise allocate per layer and per job's chunk).
 */
final class SegmentAttention {
    static final VectorSpecies<Float> F = VectorWidth.FLOAT;
    static final int L = F.length();
    /** Vectors of queries per block: the register tile's width (4 with 32 vector registers, 2 with 16). */
    static final int NV = L >= 16 ? 4 : 2;
    /** Queries per full block. */
    static final int W = NV * L;
    /** Keys per chunk of the value product: 64 x W floats of probabilities (16 KiB at 16 lanes) and their value columns. */
    static final int CHUNK = 64;
    /** Rows per tile of both products. */
    static final int MR = 6;

    private SegmentAttention() {
    }

    /**
     * Segments of rows, segment i with {@code queries[i]} query rows from float {@code qOff[i]} of q and out
     * (stride {@code sh.qStride}) and {@code keys[i]} key and value rows from {@code kvOff[i]} of k and v (stride
     * {@code sh.kvStride}); heads, kv heads, head size and scale from {@code sh} (its T, S and causal are not used).
     */
    record Segments(int[] qOff, int[] kvOff, int[] queries, int[] keys) {
        int count() {
            return qOff.length;
        }
    }

    static void attend(Attention.Shape sh, Segments sg, float[] q, float[] k, float[] v, float[] out) {
        int n = sg.count(), H = sh.H();
        // first[i]: the first item of segment i; items of a segment: head-major, then blocks of queries
        int[] first = new int[n + 1];
        int maxKeys = 0, maxBlocks = 1;
        for (int i = 0; i < n; i++) {
            int blocks = blocks(sg.queries[i]);
            first[i + 1] = Math.addExact(first[i], Math.multiplyExact(H, blocks));
            if (blocks > 0) maxKeys = Math.max(maxKeys, sg.keys[i]);
            maxBlocks = Math.max(maxBlocks, blocks);
        }
        int keyRows = maxKeys;
        Parallel.forRangeBalanced(first[n], 1, Math.max(4, maxBlocks), (lo, hi) -> items(sh, sg, first, keyRows, q, k, v, out, lo, hi));
    }

    static int blocks(int queries) {
        return (queries + W - 1) / W;
    }

    /**
     * Items [lo, hi), with the thread's scratch. The keys and values of the current (segment, kv head) are first
     * copied, the keys to contiguous rows of D and the values transposed, {@code Vᵀ [D, S]}: read in place, each of
     * their rows sits in its own 4 KiB page (SigLIP's rows are 4.5 KiB apart), and every block of queries walked some
     * 1,500 pages of keys and values; the copy is made once per kv head and serves all its blocks of queries.
     */
    static void items(Attention.Shape sh, Segments sg, int[] first, int maxKeys, float[] q, float[] k, float[] v, float[] out, int lo, int hi) {
        int D = sh.D(), Dp = tiled(D), group = sh.H() / sh.KVH();
        Scratch x = SCRATCH.get().fit(Dp, maxKeys);
        float[] kc = x.kc, vt = x.vt;
        int i = segmentOf(first, lo), copied = -1;
        for (int item = lo; item < hi; item++) {
            while (item >= first[i + 1]) i++;
            int blocks = blocks(sg.queries[i]), rel = item - first[i], h = rel / blocks, t0 = rel % blocks * W, S = sg.keys[i];
            int kv = i * sh.KVH() + h / group;
            if (kv != copied) {
                int from = sg.kvOff[i] + h / group * D;
                for (int s = 0; s < S; s++) {
                    int at = from + s * sh.kvStride();
                    System.arraycopy(k, at, kc, s * D, D);
                    for (int d = 0; d < D; d++) vt[d * S + s] = v[at + d];
                }
                for (int s = S; s < tiled(S); s++) System.arraycopy(kc, (S - 1) * D, kc, s * D, D);
                java.util.Arrays.fill(vt, D * S, Dp * S, 0f);
                copied = kv;
            }
            block(sh, q, out, sg.qOff[i], sg.queries[i], S, h, t0, x);
        }
    }

    /** {@code n} rounded up to whole tiles of {@value #MR} rows. */
    static int tiled(int n) {
        return (n + MR - 1) / MR * MR;
    }

    /**
     * A thread's scratch, kept from call to call and grown when a call needs more: {@code qt}, {@code ot} the block's
     * transposed queries and outputs, {@code st} its scores, {@code kc} the copied keys, {@code vt} the values
     * transposed, and each query's max and sum; every row of qt, ot and st is {@link #W} long.
     */
    static final class Scratch {
        float[] qt = new float[0], ot = new float[0], st = new float[0], kc = new float[0], vt = new float[0];
        final float[] max = new float[W], sum = new float[W];

        /** This scratch, with room for heads of {@code Dp} (a whole number of tiles) and {@code keys} keys. */
        Scratch fit(int Dp, int keys) {
            int rows = Math.max(1, tiled(keys));
            if (qt.length < Dp * W) {
                qt = new float[Dp * W];
                ot = new float[Dp * W];
            }
            if (st.length < rows * W) st = new float[rows * W];
            if (kc.length < rows * Dp) {
                kc = new float[rows * Dp];
                vt = new float[rows * Dp];
            }
            return this;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** The segment whose items include {@code item}: the last i with {@code first[i] <= item}. */
    static int segmentOf(int[] first, int item) {
        int lo = 0, hi = first.length - 2;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (first[mid] <= item) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }

    /**
     * Queries [t0, t0 + W) (those below T) of head h in one segment, whose S keys are the rows of D of {@code x.kc}
     * (padded to whole tiles) and values the rows of S of {@code x.vt} ({@code tiled(D)} of them): Qᵀ, Sᵀ, then per
     * chunk of keys its softmax and its share of Oᵀ, then out. A last block of at most 2L queries runs the narrow tile.
     */
    static void block(Attention.Shape sh, float[] q, float[] out, int qo, int T, int S, int h, int t0, Scratch x) {
        float[] qt = x.qt, st = x.st, ot = x.ot, max = x.max, sum = x.sum, kc = x.kc, vt = x.vt;
        int D = sh.D(), Dp = tiled(D), rows = Math.min(W, T - t0), w = rows > 2 * L ? W : 2 * L;
        float scale = sh.scale();
        for (int c = 0; c < w; c++) {
            int at = qo + (t0 + c) * sh.qStride() + h * D;
            if (c < rows) for (int d = 0; d < D; d++) qt[d * W + c] = q[at + d] * scale;
            else for (int d = 0; d < D; d++) qt[d * W + c] = 0f; // padding: a harmless softmax, not written out
        }
        java.util.Arrays.fill(max, Float.NEGATIVE_INFINITY);
        java.util.Arrays.fill(sum, 0f);
        for (int r = 0; r < tiled(S); r += MR) {
            if (w == 4 * L) tile6x4(kc, r * D, D, qt, 0, 0, D, st, r * W, false, max);
            else tile6x2(kc, r * D, D, qt, 0, 0, D, st, r * W, false, max);
        }
        if (S == 0) java.util.Arrays.fill(ot, 0, Dp * W, 0f);
        for (int s0 = 0; s0 < S; s0 += CHUNK) {
            int s1 = Math.min(S, s0 + CHUNK);
            softmaxColumns(st, s0, s1, w, max, sum);
            for (int r = 0; r < Dp; r += MR) {
                if (w == 4 * L) tile6x4(vt, r * S, S, st, 0, s0, s1, ot, r * W, s0 > 0, null);
                else tile6x2(vt, r * S, S, st, 0, s0, s1, ot, r * W, s0 > 0, null);
            }
        }
        for (int c = 0; c < rows; c++) {
            float inv = 1f / sum[c];
            int at = qo + (t0 + c) * sh.qStride() + h * D;
            for (int d = 0; d < D; d++) out[at + d] = ot[d * W + c] * inv;
        }
    }

    /**
     * Rows [s0, s1) of {@code st} (rows of {@link #W}) in each column j < w (one query's scaled scores, whose largest
     * is {@code max[j]}) become {@code exp(x - max)}, and {@code sum[j]} grows by their sum. Two vectors of columns at
     * a time, down the rows: two independent exps per step, and no more, so that the JIT still inlines both (with
     * four, the last two were left as calls on boxed vectors).
     */
    static void softmaxColumns(float[] st, int s0, int s1, int w, float[] max, float[] sum) {
        for (int j = 0; j < w; j += 2 * L) {
            FloatVector m0 = FloatVector.fromArray(F, max, j), m1 = FloatVector.fromArray(F, max, j + L);
            FloatVector e0 = FloatVector.fromArray(F, sum, j), e1 = FloatVector.fromArray(F, sum, j + L);
            for (int s = s0; s < s1; s++) {
                e0 = e0.add(expInto(st, s * W + j, m0));
                e1 = e1.add(expInto(st, s * W + j + L, m1));
            }
            e0.intoArray(sum, j);
            e1.intoArray(sum, j + L);
        }
    }

    /** {@code st[o..o+L) = exp(st - m)}, returned too. */
    private static FloatVector expInto(float[] st, int o, FloatVector m) {
        FloatVector p = VectorExp.exp(FloatVector.fromArray(F, st, o).sub(m));
        p.intoArray(st, o);
        return p;
    }

    /**
     * {@code c[co + r·W + j] (+)= Σ_{k0 ≤ k < k1} a[ao + r·as + k] · b[bo + k·W + j]} for r < 6 and j < 4L: a tile of
     * {@link PackedGemm}'s shape, 24 accumulators held over the whole reduction, each element of a broadcast, each row
     * of b loaded as 4 vectors. Both indices move by a constant per step ({@code k} in a, the constant {@link #W} in b),
     * so the JIT proves them in bounds once before the loop (with strides passed as variables, the checks stayed in
     * every step). With {@code acc} the accumulators start from c, else from 0; with
     * {@code max} not null, {@code max[j]} also becomes the largest of itself and the results.
     */
    static void tile6x4(float[] a, int ao, int as, float[] b, int bo, int k0, int k1, float[] c, int co, boolean acc, float[] max) {
        int a0 = ao, a1 = ao + as, a2 = ao + 2 * as, a3 = ao + 3 * as, a4 = ao + 4 * as, a5 = ao + 5 * as;
        FloatVector c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33, c40, c41, c42, c43, c50, c51, c52, c53;
        if (acc) {
            c00 = FloatVector.fromArray(F, c, co);
            c01 = FloatVector.fromArray(F, c, co + L);
            c02 = FloatVector.fromArray(F, c, co + 2 * L);
            c03 = FloatVector.fromArray(F, c, co + 3 * L);
            c10 = FloatVector.fromArray(F, c, co + W);
            c11 = FloatVector.fromArray(F, c, co + W + L);
            c12 = FloatVector.fromArray(F, c, co + W + 2 * L);
            c13 = FloatVector.fromArray(F, c, co + W + 3 * L);
            c20 = FloatVector.fromArray(F, c, co + 2 * W);
            c21 = FloatVector.fromArray(F, c, co + 2 * W + L);
            c22 = FloatVector.fromArray(F, c, co + 2 * W + 2 * L);
            c23 = FloatVector.fromArray(F, c, co + 2 * W + 3 * L);
            c30 = FloatVector.fromArray(F, c, co + 3 * W);
            c31 = FloatVector.fromArray(F, c, co + 3 * W + L);
            c32 = FloatVector.fromArray(F, c, co + 3 * W + 2 * L);
            c33 = FloatVector.fromArray(F, c, co + 3 * W + 3 * L);
            c40 = FloatVector.fromArray(F, c, co + 4 * W);
            c41 = FloatVector.fromArray(F, c, co + 4 * W + L);
            c42 = FloatVector.fromArray(F, c, co + 4 * W + 2 * L);
            c43 = FloatVector.fromArray(F, c, co + 4 * W + 3 * L);
            c50 = FloatVector.fromArray(F, c, co + 5 * W);
            c51 = FloatVector.fromArray(F, c, co + 5 * W + L);
            c52 = FloatVector.fromArray(F, c, co + 5 * W + 2 * L);
            c53 = FloatVector.fromArray(F, c, co + 5 * W + 3 * L);
        } else {
            c00 = FloatVector.zero(F);
            c01 = c00; c02 = c00; c03 = c00; c10 = c00; c11 = c00; c12 = c00; c13 = c00; c20 = c00; c21 = c00; c22 = c00; c23 = c00;
            c30 = c00; c31 = c00; c32 = c00; c33 = c00; c40 = c00; c41 = c00; c42 = c00; c43 = c00; c50 = c00; c51 = c00; c52 = c00; c53 = c00;
        }
        for (int k = k0; k < k1; k++) {
            int bk = bo + k * W;
            FloatVector b0 = FloatVector.fromArray(F, b, bk), b1 = FloatVector.fromArray(F, b, bk + L);
            FloatVector b2 = FloatVector.fromArray(F, b, bk + 2 * L), b3 = FloatVector.fromArray(F, b, bk + 3 * L);
            FloatVector x = FloatVector.broadcast(F, a[a0 + k]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            c03 = x.fma(b3, c03);
            x = FloatVector.broadcast(F, a[a1 + k]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            c13 = x.fma(b3, c13);
            x = FloatVector.broadcast(F, a[a2 + k]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            c23 = x.fma(b3, c23);
            x = FloatVector.broadcast(F, a[a3 + k]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
            c33 = x.fma(b3, c33);
            x = FloatVector.broadcast(F, a[a4 + k]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            c42 = x.fma(b2, c42);
            c43 = x.fma(b3, c43);
            x = FloatVector.broadcast(F, a[a5 + k]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            c52 = x.fma(b2, c52);
            c53 = x.fma(b3, c53);
        }
        if (max != null) {
            FloatVector.fromArray(F, max, 0).max(c00).max(c10).max(c20).max(c30).max(c40).max(c50).intoArray(max, 0);
            FloatVector.fromArray(F, max, L).max(c01).max(c11).max(c21).max(c31).max(c41).max(c51).intoArray(max, L);
            FloatVector.fromArray(F, max, 2 * L).max(c02).max(c12).max(c22).max(c32).max(c42).max(c52).intoArray(max, 2 * L);
            FloatVector.fromArray(F, max, 3 * L).max(c03).max(c13).max(c23).max(c33).max(c43).max(c53).intoArray(max, 3 * L);
        }
        c00.intoArray(c, co);
        c01.intoArray(c, co + L);
        c02.intoArray(c, co + 2 * L);
        c03.intoArray(c, co + 3 * L);
        c10.intoArray(c, co + W);
        c11.intoArray(c, co + W + L);
        c12.intoArray(c, co + W + 2 * L);
        c13.intoArray(c, co + W + 3 * L);
        c20.intoArray(c, co + 2 * W);
        c21.intoArray(c, co + 2 * W + L);
        c22.intoArray(c, co + 2 * W + 2 * L);
        c23.intoArray(c, co + 2 * W + 3 * L);
        c30.intoArray(c, co + 3 * W);
        c31.intoArray(c, co + 3 * W + L);
        c32.intoArray(c, co + 3 * W + 2 * L);
        c33.intoArray(c, co + 3 * W + 3 * L);
        c40.intoArray(c, co + 4 * W);
        c41.intoArray(c, co + 4 * W + L);
        c42.intoArray(c, co + 4 * W + 2 * L);
        c43.intoArray(c, co + 4 * W + 3 * L);
        c50.intoArray(c, co + 5 * W);
        c51.intoArray(c, co + 5 * W + L);
        c52.intoArray(c, co + 5 * W + 2 * L);
        c53.intoArray(c, co + 5 * W + 3 * L);
    }

    /** {@link #tile6x4} for 2 vectors of columns (j < 2L): the tile with 16 vector registers, and the narrow last block. */
    static void tile6x2(float[] a, int ao, int as, float[] b, int bo, int k0, int k1, float[] c, int co, boolean acc, float[] max) {
        int a0 = ao, a1 = ao + as, a2 = ao + 2 * as, a3 = ao + 3 * as, a4 = ao + 4 * as, a5 = ao + 5 * as;
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        if (acc) {
            c00 = FloatVector.fromArray(F, c, co);
            c01 = FloatVector.fromArray(F, c, co + L);
            c10 = FloatVector.fromArray(F, c, co + W);
            c11 = FloatVector.fromArray(F, c, co + W + L);
            c20 = FloatVector.fromArray(F, c, co + 2 * W);
            c21 = FloatVector.fromArray(F, c, co + 2 * W + L);
            c30 = FloatVector.fromArray(F, c, co + 3 * W);
            c31 = FloatVector.fromArray(F, c, co + 3 * W + L);
            c40 = FloatVector.fromArray(F, c, co + 4 * W);
            c41 = FloatVector.fromArray(F, c, co + 4 * W + L);
            c50 = FloatVector.fromArray(F, c, co + 5 * W);
            c51 = FloatVector.fromArray(F, c, co + 5 * W + L);
        } else {
            c00 = FloatVector.zero(F);
            c01 = c00; c10 = c00; c11 = c00; c20 = c00; c21 = c00; c30 = c00; c31 = c00; c40 = c00; c41 = c00; c50 = c00; c51 = c00;
        }
        for (int k = k0; k < k1; k++) {
            int bk = bo + k * W;
            FloatVector b0 = FloatVector.fromArray(F, b, bk), b1 = FloatVector.fromArray(F, b, bk + L);
            FloatVector x = FloatVector.broadcast(F, a[a0 + k]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(F, a[a1 + k]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(F, a[a2 + k]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(F, a[a3 + k]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(F, a[a4 + k]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(F, a[a5 + k]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        if (max != null) {
            FloatVector.fromArray(F, max, 0).max(c00).max(c10).max(c20).max(c30).max(c40).max(c50).intoArray(max, 0);
            FloatVector.fromArray(F, max, L).max(c01).max(c11).max(c21).max(c31).max(c41).max(c51).intoArray(max, L);
        }
        c00.intoArray(c, co);
        c01.intoArray(c, co + L);
        c10.intoArray(c, co + W);
        c11.intoArray(c, co + W + L);
        c20.intoArray(c, co + 2 * W);
        c21.intoArray(c, co + 2 * W + L);
        c30.intoArray(c, co + 3 * W);
        c31.intoArray(c, co + 3 * W + L);
        c40.intoArray(c, co + 4 * W);
        c41.intoArray(c, co + 4 * W + L);
        c50.intoArray(c, co + 5 * W);
        c51.intoArray(c, co + 5 * W + L);
    }
}
