package dev.dycoke4j.kernel;

import dev.dycoke4j.parallel.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Non-causal attention within independent segments of rows (SigLIP's frames, Qwen2.5-VL's windows), as two
 * register-tiled products per block of queries with an exact softmax between them, transposed so that queries run
 * along the vector lanes.
 *
 * <p>A work item is (segment, head, block of up to {@link #NV}·L queries). Its queries are copied transposed,
 * {@code Qᵀ [D, W]}; then {@code Sᵀ = K·Qᵀ [S, W]} by {@link BroadcastTiles} (6 keys by 4 vectors of queries on
 * AVX-512, by 2 on AVX2: the tiled GEMM's tile, with the keys broadcast from their rows); then the softmax of
 * each query is down a column of Sᵀ, so its max (taken from the registers as each tile of Sᵀ finishes), exp and sum
 * are plain vector operations with no horizontal reduction, over all the segment's keys at once (no running max to
 * rescale by); then {@code Oᵀ = Vᵀ·Pᵀ [D, W]}, 6
 * elements of the head by the same vectors of queries, the value rows read as their transpose without a copy, over chunks of
 * {@value #CHUNK} keys whose probabilities stay in L1 while every element of the head goes by. The head size is a
 * row count here, not a vector length, so 72 or 80 need no masked tail. The exp is {@link VectorExp}, whose bits do
 * not depend on whether the code runs compiled or interpreted.
 *
 * <p>Items run head by head within a segment, so a thread goes through one head's blocks of queries while its keys
 * and values, copied once per kv head to contiguous rows, stay in L2; all segments are one job.
 */
final class SegmentAttention {
    static final VectorSpecies<Float> F = VectorWidth.FLOAT;
    static final int L = F.length();
    /** Vectors of queries per block: the register tile's width (4 with 32 vector registers, 2 with 16). */
    static final int NV = L >= 16 ? 4 : 2;
    /** Queries per full block. */
    static final int W = NV * L;
    /** Keys per chunk of the value product: 64 x W floats of probabilities (16 KiB at 16 lanes) and their value rows. */
    static final int CHUNK = 64;

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
     * Items [lo, hi), with their own scratch. The keys and values of the current (segment, kv head) are first copied
     * to contiguous rows of D: read in place, each of their rows sits in its own 4 KiB page (SigLIP's rows are 4.5
     * KiB apart), and every block of queries walked some 1,500 pages of keys and values; the copy is made once per
     * kv head and serves all its blocks of queries.
     */
    static void items(Attention.Shape sh, Segments sg, int[] first, int maxKeys, float[] q, float[] k, float[] v, float[] out, int lo, int hi) {
        int D = sh.D(), group = sh.H() / sh.KVH();
        float[] qt = new float[D * W], st = new float[Math.max(1, maxKeys) * W], ot = new float[D * W], max = new float[W], sum = new float[W];
        float[] kc = new float[maxKeys * D], vc = new float[maxKeys * D];
        int i = segmentOf(first, lo), copied = -1;
        for (int item = lo; item < hi; item++) {
            while (item >= first[i + 1]) i++;
            int blocks = blocks(sg.queries[i]), rel = item - first[i], h = rel / blocks, t0 = rel % blocks * W, S = sg.keys[i];
            int kv = i * sh.KVH() + h / group;
            if (kv != copied) {
                int from = sg.kvOff[i] + h / group * D;
                for (int s = 0; s < S; s++) {
                    System.arraycopy(k, from + s * sh.kvStride(), kc, s * D, D);
                    System.arraycopy(v, from + s * sh.kvStride(), vc, s * D, D);
                }
                copied = kv;
            }
            block(sh, q, out, sg.qOff[i], sg.queries[i], S, h, t0, kc, vc, qt, st, ot, max, sum);
        }
    }

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
     * Queries [t0, t0 + W) (those below T) of head h in one segment, whose S keys and values are the rows of D of
     * {@code kc} and {@code vc}: Qᵀ, Sᵀ, the softmax, Oᵀ, then out.
     */
    static void block(Attention.Shape sh, float[] q, float[] out, int qo, int T, int S, int h, int t0, float[] kc, float[] vc,
                      float[] qt, float[] st, float[] ot, float[] max, float[] sum) {
        int D = sh.D(), rows = Math.min(W, T - t0), nv = rows > 2 * L ? NV : 2, w = nv * L;
        for (int c = 0; c < w; c++) {
            int at = qo + (t0 + c) * sh.qStride() + h * D;
            if (c < rows) for (int d = 0; d < D; d++) qt[d * w + c] = q[at + d];
            else for (int d = 0; d < D; d++) qt[d * w + c] = 0f; // padding: a harmless softmax, not written out
        }
        java.util.Arrays.fill(max, Float.NEGATIVE_INFINITY);
        BroadcastTiles.product(kc, 0, D, 1, S, qt, 0, w, D, nv, st, 0, w, false, max);
        softmaxColumns(st, S, w, sh.scale(), max, sum);
        if (S == 0) java.util.Arrays.fill(ot, 0, D * w, 0f);
        for (int s0 = 0; s0 < S; s0 += CHUNK)
            BroadcastTiles.product(vc, s0 * D, 1, D, D, st, s0 * w, w, Math.min(CHUNK, S - s0), nv, ot, 0, w, s0 > 0);
        for (int c = 0; c < rows; c++) {
            float inv = 1f / sum[c];
            int at = qo + (t0 + c) * sh.qStride() + h * D;
            for (int d = 0; d < D; d++) out[at + d] = ot[d * w + c] * inv;
        }
    }

    /**
     * Each column j < w of {@code st [S, w]} (one query's raw scores, whose largest is {@code max[j]}) becomes
     * {@code exp(scale·x - scale·max)}, and {@code sum[j]} its sum over the S keys. Two vectors of columns at a time,
     * down the rows: two independent exps per step, and no more, so that the JIT still inlines both (with four, the
     * last two were left as calls on boxed vectors).
     */
    static void softmaxColumns(float[] st, int S, int w, float scale, float[] max, float[] sum) {
        for (int j = 0; j < w; j += 2 * L) {
            FloatVector m0 = FloatVector.fromArray(F, max, j).mul(scale), m1 = FloatVector.fromArray(F, max, j + L).mul(scale);
            FloatVector s0 = FloatVector.zero(F), s1 = s0;
            for (int s = 0, o = j; s < S; s++, o += w) {
                s0 = s0.add(expInto(st, o, scale, m0));
                s1 = s1.add(expInto(st, o + L, scale, m1));
            }
            s0.intoArray(sum, j);
            s1.intoArray(sum, j + L);
        }
    }

    /** {@code st[o..o+L) = exp(st·scale - ms)}, returned too. */
    private static FloatVector expInto(float[] st, int o, float scale, FloatVector ms) {
        FloatVector p = VectorExp.exp(FloatVector.fromArray(F, st, o).mul(scale).sub(ms));
        p.intoArray(st, o);
        return p;
    }
}
