package dev.dycoke4j.llm;

import java.util.Arrays;

/**
 * Keys (after RoPE, at their original positions) and values of every layer, one slot per token:
 * {@code k[layer][slot·kvDim + g·headDim + i]}. Grows by doubling up to the context length.
 */
public final class KvCache {
    private final int layers, kvDim, maxTokens;
    private final float[][] k, v;
    private int length;

    public KvCache(int layers, int kvDim, int maxTokens, int initialTokens) {
        this.layers = layers;
        this.kvDim = kvDim;
        this.maxTokens = maxTokens;
        int cap = Math.max(1, Math.min(maxTokens, initialTokens));
        k = new float[layers][cap * kvDim];
        v = new float[layers][cap * kvDim];
    }

    public int length() {
        return length;
    }

    public int capacity() {
        return k[0].length / kvDim;
    }

    public int maxTokens() {
        return maxTokens;
    }

    public int kvDim() {
        return kvDim;
    }

    /** Makes room for {@code n} more tokens. */
    public void reserve(int n) {
        int need = length + n;
        if (need > maxTokens) throw new IllegalStateException("context full: " + need + " tokens > " + maxTokens);
        if (need <= capacity()) return;
        int cap = Math.min(maxTokens, Math.max(need, capacity() * 2));
        for (int l = 0; l < layers; l++) {
            k[l] = Arrays.copyOf(k[l], cap * kvDim);
            v[l] = Arrays.copyOf(v[l], cap * kvDim);
        }
    }

    public float[] keys(int layer) {
        return k[layer];
    }

    public float[] values(int layer) {
        return v[layer];
    }

    /** Marks {@code n} reserved slots as filled (after every layer wrote them). */
    public void advance(int n) {
        length += n;
    }

    /** Rolls back to {@code n} tokens (for reusing a prefix). */
    public void truncate(int n) {
        if (n < 0 || n > length) throw new IllegalArgumentException("cannot truncate " + length + " tokens to " + n);
        length = n;
    }

    /** Bytes of the filled part: keys and values of every layer, float32. */
    public long bytes() {
        return 2L * layers * length * kvDim * Float.BYTES;
    }
}
