package dev.dycoke4j.kernel;


/**
 * Attention of one new token (decode) over a tiered KV layer: each cache slot lives either in a float32 store or in
 * a compact (int8 with a scale per row and kv head, or bf16) store, found through a slot → row map. Compact rows are
 * read in place: each (slot, kv head) segment is widened once into a scratch row of floats and shared by the query
 * heads of its group; for int8 the scale is applied once, to the dot product and to the value weight.
 *
 * <p>The float path computes what {@link IndexedAttention#decode} computes, with the same softmax, up to the order of
 * the sums: it takes a dot product per (head, slot) from rows, where that one scores keys from panels.
 */
public final class TieredAttention {

    /**
     * A layer's storage.
     *
     * @param kvDim   kvHeads · headDim
     * @param k       float rows {@code [row·kvDim + g·D]}, likewise v
     * @param rowOf   per slot: its float row when ≥ 0, else {@code ~compactRow}; null when row = slot
     * @param k8      int8 compact rows {@code [row·kvDim + g·D]} (null unless int8), likewise v8
     * @param kScale  int8 scales {@code [row·kvHeads + g]}, likewise vScale
     * @param k16     bf16 compact rows (null unless bf16), likewise v16
     */
    public record Store(int kvDim, int kvHeads, float[] k, float[] v, int[] rowOf,
                        byte[] k8, byte[] v8, float[] kScale, float[] vScale, short[] k16, short[] v16) {
        /** A plain float layer, slot = row. */
        public static Store dense(int kvDim, int kvHeads, float[] k, float[] v) {
            return new Store(kvDim, kvHeads, k, v, null, null, null, null, null, null, null);
        }
    }

    private TieredAttention() {
    }

    /**
     * @param q      the token's queries {@code [H·D]} (after RoPE)
     * @param len    slots in use (the token's own included)
     * @param active the slots to attend to, or null for all of {@code [0, len)}
     * @param out    {@code [H·D]}
     * @param probs  if not null, receives at {@code probs[slot]} the head-averaged probability of each attended slot
     *               (others are zeroed)
     */
    public static void decode(float[] q, Store s, int H, int D, int len, int[] active, float scale, float[] out, float[] probs) {
        int KVH = s.kvHeads(), kvDim = s.kvDim();
        if (H % KVH != 0) throw new IllegalArgumentException("heads " + H + " are not a multiple of kv heads " + KVH);
        if (KVH * D != kvDim) throw new IllegalArgumentException("kv heads " + KVH + " x head dim " + D + " != kvDim " + kvDim);
        int n = active == null ? len : active.length, group = H / KVH;
        float[] p = new float[group * n], row = new float[D];
        int[] rowOf = s.rowOf();
        boolean int8 = s.k8() != null;
        if (probs != null) java.util.Arrays.fill(probs, 0, len, 0f);
        java.util.Arrays.fill(out, 0, H * D, 0f);
        for (int g = 0; g < KVH; g++) {
            int h0 = g * group;
            for (int i = 0; i < n; i++) {
                int slot = active == null ? i : active[i];
                int r = rowOf == null ? slot : rowOf[slot];
                if (r >= 0) {
                    int ko = r * kvDim + g * D;
                    for (int j = 0; j < group; j++) p[j * n + i] = Attention.dot(q, (h0 + j) * D, s.k(), ko, D) * scale;
                } else {
                    int c = ~r;
                    float rs;
                    if (int8) {
                        KvCodec.dequantizeInt8(s.k8(), c * kvDim + g * D, 1f, row, 0, D);
                        rs = s.kScale()[c * KVH + g] * scale;
                    } else {
                        KvCodec.decodeBf16(s.k16(), c * kvDim + g * D, row, 0, D);
                        rs = scale;
                    }
                    for (int j = 0; j < group; j++) p[j * n + i] = Attention.dot(q, (h0 + j) * D, row, 0, D) * rs;
                }
            }
            for (int j = 0; j < group; j++) IndexedAttention.softmax(p, j * n, n, 1f); // the scores are scaled already
            for (int i = 0; i < n; i++) {
                int slot = active == null ? i : active[i];
                int r = rowOf == null ? slot : rowOf[slot];
                if (r >= 0) {
                    int vo = r * kvDim + g * D;
                    for (int j = 0; j < group; j++) Attention.axpy(p[j * n + i], s.v(), vo, out, (h0 + j) * D, D);
                } else {
                    int c = ~r;
                    float rs;
                    if (int8) {
                        KvCodec.dequantizeInt8(s.v8(), c * kvDim + g * D, 1f, row, 0, D);
                        rs = s.vScale()[c * KVH + g];
                    } else {
                        KvCodec.decodeBf16(s.v16(), c * kvDim + g * D, row, 0, D);
                        rs = 1f;
                    }
                    for (int j = 0; j < group; j++) Attention.axpy(p[j * n + i] * rs, row, 0, out, (h0 + j) * D, D);
                }
                if (probs != null) for (int j = 0; j < group; j++) probs[slot] += p[j * n + i];
            }
        }
        if (probs != null) for (int i = 0; i < len; i++) probs[i] /= H;
    }
}
