package dev.dycoke4j.llm;

import java.util.Arrays;

/**
 * Keys (after RoPE, at their original positions) and values of every layer, one slot per token:
 * {@code k[layer][slot·kvDim + g·headDim + i]}. Layers may hold different numbers of slots: a method that drops
 * tokens from the upper layers at prefill (FastV) leaves those layers shorter. Layer 0 always holds every token, so
 * its length is the number of positions seen. Grows by doubling up to the context length.
 */
public final class KvCache {
    private final int layers, kvDim, maxTokens;
    private final float[][] k, v;
    private final int[] length;

    public KvCache(int layers, int kvDim, int maxTokens, int initialTokens) {
        this.layers = layers;
        this.kvDim = kvDim;
        this.maxTokens = maxTokens;
        int cap = Math.max(1, Math.min(maxTokens, initialTokens));
        k = new float[layers][cap * kvDim];
        v = new float[layers][cap * kvDim];
        length = new int[layers];
    }

    /** Positions seen (the slots of layer 0). */
    public int length() {
        return length[0];
    }

    /** Slots filled in {@code layer}. */
    public int length(int layer) {
        return length[layer];
    }

    public int layers() {
        return layers;
    }

    public int maxTokens() {
        return maxTokens;
    }

    public int kvDim() {
        return kvDim;
    }

    /** Makes room in {@code layer} for {@code n} more slots. */
    public void reserve(int layer, int n) {
        int need = length[layer] + n;
        if (need > maxTokens) throw new IllegalStateException("context full: " + need + " tokens > " + maxTokens);
        int cap = k[layer].length / kvDim;
        if (need <= cap) return;
        int grown = Math.min(maxTokens, Math.max(need, cap * 2));
        k[layer] = Arrays.copyOf(k[layer], grown * kvDim);
        v[layer] = Arrays.copyOf(v[layer], grown * kvDim);
    }

    public float[] keys(int layer) {
        return k[layer];
    }

    public float[] values(int layer) {
        return v[layer];
    }

    /** Marks {@code n} reserved slots of {@code layer} as filled. */
    public void advance(int layer, int n) {
        length[layer] += n;
    }

    /** Rolls every layer back to {@code n} slots (for reusing a prefix); all layers must be at least that long. */
    public void truncate(int n) {
        for (int l = 0; l < layers; l++)
            if (n < 0 || n > length[l]) throw new IllegalArgumentException("cannot truncate layer " + l + " of " + length[l] + " slots to " + n);
        Arrays.fill(length, n);
    }

    /** Bytes of the filled slots: keys and values of every layer, float32. */
    public long bytes() {
        long slots = 0;
        for (int l : length) slots += l;
        return 2L * slots * kvDim * Float.BYTES;
    }
}
