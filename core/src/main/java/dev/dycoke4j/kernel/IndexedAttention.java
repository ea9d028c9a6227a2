package dev.dycoke4j.kernel;

import dev.dycoke4j.parallel.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Attention of one new token (decode) over a KV cache, optionally restricted to a list of cache positions, and
 * optionally reporting its attention probabilities averaged over the query heads. This is what dynamic KV pruning
 * needs: probabilities at one layer, a subset of keys at the layers above.
 *
 * <p>As {@link Attention}'s decode, the heads that share a kv head are scored together, {@value Attention#TQ} at a time,
 * from {@link KeyPanels} by broadcast FMAs: all {@code len} keys are scored (cheaper than a dot product per active key),
 * and the active ones picked from the scores. The active values are gathered into a contiguous block once per block of
 * heads for the register-tiled weighted sum. Work items are (kv head, block of heads).
 */
public final class IndexedAttention {
    private static final int TQ = Attention.TQ, KP = KeyPanels.KP;

    private IndexedAttention() {
    }

    /**
     * @param q        the token's queries {@code [H·D]} (after RoPE)
     * @param kp       keys in {@link KeyPanels} form, at least {@code len} of them
     * @param v        values {@code [slot·kvDim + g·D]}
     * @param len      cache positions in use (the token's own included)
     * @param active   the positions to attend to (each in {@code [0, len)}), or null for all of {@code [0, len)}
     * @param out      {@code [H·D]}
     * @param probs    if not null, receives at {@code probs[pos]} the head-averaged probability of each attended
     *                 position (others are zeroed)
     */
    public static void decode(float[] q, float[] kp, float[] v, int kvDim, int H, int KVH, int D, int len, int[] active,
                              float scale, float[] out, float[] probs) {
        if (H % KVH != 0 || KVH * D != kvDim) throw new IllegalArgumentException(H + " heads over " + KVH + " kv heads of " + D + " do not fit kvDim " + kvDim);
        if (kp.length < KeyPanels.floats(len, KVH, D) || v.length < (long) len * kvDim)
            throw new IllegalArgumentException("keys or values hold fewer than " + len + " positions");
        if (active != null)
            for (int pos : active) if (pos < 0 || pos >= len) throw new IllegalArgumentException("active position " + pos + " is outside 0.." + (len - 1));
        int n = active == null ? len : active.length, group = H / KVH, blocks = (group + TQ - 1) / TQ;
        int np = KeyPanels.panels(len) * KP;
        // each head's weights, for the probabilities, summed in head order after
        float[][] weights = probs != null ? new float[H][] : null;
        Parallel.forRange(KVH * blocks, 1, (lo, hi) -> {
            float[] sc = new float[TQ * np], p = active == null ? sc : new float[TQ * n], o = new float[TQ * D];
            float[] vg = active == null ? null : new float[n * D];
            int[] qo = new int[TQ];
            int rs = active == null ? np : n;
            for (int i = lo; i < hi; i++) {
                int g = i / blocks, h0 = g * group + (i % blocks) * TQ, rows = Math.min(TQ, (g + 1) * group - h0);
                for (int r = 0; r < TQ; r++) qo[r] = (h0 + Math.min(r, rows - 1)) * D;
                for (int c = 0; c < np; c += KP) Attention.qk(q, qo, kp, KeyPanels.base(c / KP, g, KVH, D), D, sc, c, np);
                if (active != null)
                    for (int r = 0; r < TQ; r++)
                        for (int j = 0; j < n; j++) p[r * n + j] = sc[r * np + active[j]];
                for (int r = 0; r < TQ; r++) softmax(p, r * rs, n, scale);
                java.util.Arrays.fill(o, 0f);
                if (active == null) {
                    Attention.pv(p, rs, n, v, g * D, kvDim, o, D);
                } else {
                    for (int j = 0; j < n; j++) System.arraycopy(v, active[j] * kvDim + g * D, vg, j * D, D);
                    Attention.pv(p, rs, n, vg, 0, D, o, D);
                }
                for (int r = 0; r < rows; r++) {
                    System.arraycopy(o, r * D, out, (h0 + r) * D, D);
                    if (weights != null) weights[h0 + r] = java.util.Arrays.copyOfRange(p, r * rs, r * rs + n);
                }
            }
        });
        if (probs == null) return;
        java.util.Arrays.fill(probs, 0, len, 0f);
        for (int h = 0; h < H; h++)
            for (int j = 0; j < n; j++) probs[active == null ? j : active[j]] += weights[h][j];
        for (int j = 0; j < len; j++) probs[j] /= H;
    }

    /** p[o..o+n) = softmax(scale · p[o..o+n)), normalised, with a vector exp. */
    static void softmax(float[] p, int o, int n, float scale) {
        var F = Attention.F;
        int L = F.length(), ub = F.loopBound(n), s = 0;
        float max = Float.NEGATIVE_INFINITY;
        for (; s < n; s++) {
            p[o + s] *= scale;
            max = Math.max(max, p[o + s]);
        }
        FloatVector m = FloatVector.broadcast(F, max), acc = FloatVector.zero(F);
        for (s = 0; s < ub; s += L) {
            FloatVector e = FloatVector.fromArray(F, p, o + s).sub(m).lanewise(VectorOperators.EXP);
            e.intoArray(p, o + s);
            acc = acc.add(e);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; s < n; s++) {
            float e = (float) Math.exp(p[o + s] - max);
            p[o + s] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (s = 0; s < n; s++) p[o + s] *= inv;
    }
}
