package dev.dycoke4j.kernel;

import dev.dycoke4j.parallel.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Attention of one new token (decode) over a KV cache, optionally restricted to a list of cache positions, and
 * optionally reporting its attention probabilities averaged over the query heads. This is what dynamic KV pruning
 * needs: probabilities at one layer, a subset of keys at the layers above.
 *
 * <p>As {@link Attention}'s decode, the heads that share a kv head are scored together, {@value Attention#TQ} at a time,
 * from {@link KeyPanels} by broadcast FMAs, and work items are chunks of the attended positions, each over every kv
 * head and block of heads, so that each thread streams one run of the cache. A chunk scores the panels its positions
 * fall in (cheaper than a dot product per active key), picks the active ones from the scores, gathers their values
 * into a contiguous block for the register-tiled weighted sum, and leaves a partial softmax; the chunks' partials are
 * merged at the end. The probabilities, when asked for, come from the kept scores and each head's merged
 * log-sum-exp.
 */
public final class IndexedAttention {
    private static final int TQ = Attention.TQ, KP = KeyPanels.KP;
    private static final VectorSpecies<Float> F = Attention.F;

    private IndexedAttention() {
    }

    /**
     * @param q        the token's queries {@code [H·D]} (after RoPE)
     * @param kp       keys in {@link KeyPanels} form, at least {@code len} of them
     * @param v        values {@code [slot·kvDim + g·D]}
     * @param len      cache positions in use (the token's own included)
     * @param active   the positions to attend to, ascending, each in {@code [0, len)}; or null for all of {@code [0, len)}
     * @param out      {@code [H·D]}
     * @param probs    if not null, receives at {@code probs[pos]} the head-averaged probability of each attended
     *                 position (others are zeroed)
     */
    public static void decode(float[] q, float[] kp, float[] v, int kvDim, int H, int KVH, int D, int len, int[] active,
                              float scale, float[] out, float[] probs) {
        decode(q, KvArrays.f32(kp, v), kvDim, H, KVH, D, len, active, scale, out, probs);
    }

    /** As above, over bfloat16 keys and values in {@link Bf16}'s layout (as {@link Attention}'s bfloat16 overload). */
    public static void decode(float[] q, short[] kp, short[] v, int kvDim, int H, int KVH, int D, int len, int[] active,
                              float scale, float[] out, float[] probs) {
        decode(q, KvArrays.bf16(kp, v), kvDim, H, KVH, D, len, active, scale, out, probs);
    }

    static void decode(float[] q, KvArrays kv, int kvDim, int H, int KVH, int D, int len, int[] active,
                       float scale, float[] out, float[] probs) {
        int n = active == null ? len : active.length;
        decode(q, kv, kvDim, H, KVH, D, len, active, scale, out, probs, Attention.keyChunks(n, Parallel.threads()));
    }

    /** As above, with the attended positions split into (about) {@code want} chunks. */
    static void decode(float[] q, float[] kp, float[] v, int kvDim, int H, int KVH, int D, int len, int[] active,
                       float scale, float[] out, float[] probs, int want) {
        decode(q, KvArrays.f32(kp, v), kvDim, H, KVH, D, len, active, scale, out, probs, want);
    }

    static void decode(float[] q, KvArrays kv, int kvDim, int H, int KVH, int D, int len, int[] active,
                       float scale, float[] out, float[] probs, int want) {
        if (H % KVH != 0 || KVH * D != kvDim) throw new IllegalArgumentException(H + " heads over " + KVH + " kv heads of " + D + " do not fit kvDim " + kvDim);
        float[] kp = kv.keys(), v = kv.values();
        short[] kh = kv.keys16(), vh = kv.values16();
        if (kv.keyLength() < KeyPanels.floats(len, KVH, D) || kv.valueLength() < (long) len * kvDim)
            throw new IllegalArgumentException("keys or values hold fewer than " + len + " positions");
        if (active != null)
            for (int i = 0; i < active.length; i++) {
                int pos = active[i];
                if (pos < 0 || pos >= len) throw new IllegalArgumentException("active position " + pos + " is outside 0.." + (len - 1));
                if (i > 0 && pos <= active[i - 1]) throw new IllegalArgumentException("active positions must be ascending: " + pos + " after " + active[i - 1]);
            }
        int n = active == null ? len : active.length;
        if (n == 0) throw new IllegalArgumentException("no position to attend to");
        int group = H / KVH, blocks = (group + TQ - 1) / TQ, rowsPerItem = KVH * blocks * TQ;
        int cl = Attention.chunkLength(n, want), chunks = (n + cl - 1) / cl;
        // per chunk, kv head, block and row: the max, the sum, then the unnormalised output
        float[] part = new float[chunks * rowsPerItem * (D + 2)];
        float[] raw = probs != null ? new float[H * n] : null; // each head's scaled scores of the attended positions
        Parallel.forRange(chunks, 1, (lo, hi) -> {
            float[] p = new float[TQ * cl], o = new float[TQ * D], vg = active == null || vh != null ? null : new float[cl * D];
            short[] vg16 = active == null || vh == null ? null : new short[cl * D];
            float[] sc = new float[0];
            int[] qo = new int[TQ];
            for (int c = lo; c < hi; c++) {
                int j0 = c * cl, j1 = Math.min(n, j0 + cl), nb = j1 - j0;
                int s0 = active == null ? j0 : active[j0], s1 = (active == null ? j1 - 1 : active[j1 - 1]) + 1;
                int pa = s0 / KP, pb = (s1 + KP - 1) / KP, span = (pb - pa) * KP;
                if (sc.length < TQ * span) sc = new float[TQ * span];
                for (int g = 0; g < KVH; g++) {
                    if (vg != null)
                        for (int j = j0; j < j1; j++) System.arraycopy(v, active[j] * kvDim + g * D, vg, (j - j0) * D, D);
                    if (vg16 != null) // a head's row keeps its run layout when copied whole
                        for (int j = j0; j < j1; j++) System.arraycopy(vh, active[j] * kvDim + g * D, vg16, (j - j0) * D, D);
                    for (int b = 0; b < blocks; b++) {
                        int h0 = g * group + b * TQ, rows = Math.min(TQ, (g + 1) * group - h0);
                        for (int r = 0; r < TQ; r++) qo[r] = (h0 + Math.min(r, rows - 1)) * D;
                        for (int pp = pa; pp < pb; pp++) {
                            int kb = KeyPanels.base(pp, g, KVH, D);
                            if (kh != null) Bf16Attention.qk(q, qo, kh, kb, D, sc, (pp - pa) * KP, span);
                            else Attention.qk(q, qo, kp, kb, D, sc, (pp - pa) * KP, span);
                        }
                        int item = (c * rowsPerItem + (g * blocks + b) * TQ) * (D + 2);
                        for (int r = 0; r < TQ; r++) {
                            int pr = r * cl, sr = r * span - pa * KP;
                            if (active == null) for (int j = j0; j < j1; j++) p[pr + j - j0] = sc[sr + j] * scale;
                            else for (int j = j0; j < j1; j++) p[pr + j - j0] = sc[sr + active[j]] * scale;
                            if (raw != null && r < rows) System.arraycopy(p, pr, raw, (h0 + r) * n + j0, nb);
                            float max = max(p, pr, nb);
                            part[item + r * (D + 2)] = max;
                            part[item + r * (D + 2) + 1] = expSum(p, pr, nb, max);
                        }
                        java.util.Arrays.fill(o, 0f);
                        if (active == null) {
                            if (vh != null) Bf16Attention.pv(p, cl, nb, vh, s0 * kvDim + g * D, kvDim, o, D);
                            else Attention.pv(p, cl, nb, v, s0 * kvDim + g * D, kvDim, o, D);
                        } else {
                            if (vg16 != null) Bf16Attention.pv(p, cl, nb, vg16, 0, D, o, D);
                            else Attention.pv(p, cl, nb, vg, 0, D, o, D);
                        }
                        for (int r = 0; r < TQ; r++) System.arraycopy(o, r * D, part, item + r * (D + 2) + 2, D);
                    }
                }
            }
        });
        float[] lse = new float[H];
        for (int h = 0; h < H; h++) {
            int g = h / group, b = (h % group) / TQ, r = (h % group) % TQ;
            lse[h] = Attention.mergePartials(part, ((g * blocks + b) * TQ + r) * (D + 2), rowsPerItem * (D + 2), chunks, D, out, h * D);
        }
        if (probs == null) return;
        // each head's probabilities exp(score - lse), then their mean in head order
        Parallel.forRange(H, 1, (lo, hi) -> {
            for (int h = lo; h < hi; h++) expSum(raw, h * n, n, lse[h]);
        });
        java.util.Arrays.fill(probs, 0, len, 0f);
        for (int h = 0; h < H; h++)
            for (int j = 0; j < n; j++) probs[active == null ? j : active[j]] += raw[h * n + j];
        for (int j = 0; j < len; j++) probs[j] /= H;
    }

    /** The largest of p[o..o+n). */
    static float max(float[] p, int o, int n) {
        int L = F.length(), ub = F.loopBound(n), s = 0;
        FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (; s < ub; s += L) m = m.max(FloatVector.fromArray(F, p, o + s));
        float max = m.reduceLanes(VectorOperators.MAX);
        for (; s < n; s++) max = Math.max(max, p[o + s]);
        return max;
    }

    /** p[o+s] = exp(p[o+s] - max) for s &lt; n, with a vector exp; returns their sum. */
    static float expSum(float[] p, int o, int n, float max) {
        int L = F.length(), ub = F.loopBound(n), s = 0;
        FloatVector m = FloatVector.broadcast(F, max), acc = FloatVector.zero(F);
        for (; s < ub; s += L) {
            FloatVector e = VectorExp.exp(FloatVector.fromArray(F, p, o + s).sub(m));
            e.intoArray(p, o + s);
            acc = acc.add(e);
        }
        float sum = LaneSum.sum(acc);
        for (; s < n; s++) {
            float e = VectorExp.exp(p[o + s] - max);
            p[o + s] = e;
            sum += e;
        }
        return sum;
    }

    /** p[o..o+n) = softmax(scale · p[o..o+n)), normalised, with a vector exp. */
    static void softmax(float[] p, int o, int n, float scale) {
        for (int s = 0; s < n; s++) p[o + s] *= scale;
        float inv = 1f / expSum(p, o, n, max(p, o, n));
        for (int s = 0; s < n; s++) p[o + s] *= inv;
    }
}
