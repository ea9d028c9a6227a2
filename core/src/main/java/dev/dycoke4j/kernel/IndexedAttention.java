package dev.dycoke4j.kernel;

/**
 * Attention of one new token (decode) over a KV cache, optionally restricted to a list of cache positions, and
 * optionally reporting its attention probabilities averaged over the query heads. The restriction is a gather in the
 * loop, never a copy of the cache. This is what dynamic KV pruning needs: probabilities at one layer, a subset of
 * keys at the layers above.
 */
public final class IndexedAttention {
    private IndexedAttention() {
    }

    /**
     * @param q        the token's queries {@code [H·D]} (after RoPE)
     * @param k        keys {@code [slot·kvDim + g·D]}, likewise v
     * @param len      cache positions in use (the token's own included)
     * @param active   the positions to attend to, or null for all of {@code [0, len)}
     * @param out      {@code [H·D]}
     * @param probs    if not null, receives at {@code probs[pos]} the head-averaged probability of each attended
     *                 position (others are zeroed)
     */
    public static void decode(float[] q, float[] k, float[] v, int kvDim, int H, int KVH, int D, int len, int[] active,
                              float scale, float[] out, float[] probs) {
        int n = active == null ? len : active.length;
        int group = H / KVH;
        java.util.Arrays.fill(out, 0, H * D, 0f);
        // a thread per run of heads; each head keeps its weights for the probabilities, summed in head order after
        float[][] weights = probs != null ? new float[H][] : null;
        dev.dycoke4j.parallel.Parallel.forRange(H, 1, (lo, hi) -> {
            float[] p = new float[n];
            for (int h = lo; h < hi; h++) {
                int g = h / group, qo = h * D;
                float max = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < n; i++) {
                    int pos = active == null ? i : active[i];
                    float s = Attention.dot(q, qo, k, pos * kvDim + g * D, D) * scale;
                    p[i] = s;
                    if (s > max) max = s;
                }
                float inv = 1f / Attention.expSum(p, n, max);
                for (int i = 0; i < n; i++) {
                    int pos = active == null ? i : active[i];
                    float w = p[i] * inv;
                    p[i] = w;
                    Attention.axpy(w, v, pos * kvDim + g * D, out, qo, D);
                }
                if (weights != null) weights[h] = p.clone();
            }
        });
        if (probs == null) return;
        java.util.Arrays.fill(probs, 0, len, 0f);
        for (int h = 0; h < H; h++)
            for (int i = 0; i < n; i++) probs[active == null ? i : active[i]] += weights[h][i];
        for (int i = 0; i < len; i++) probs[i] /= H;
    }
}
