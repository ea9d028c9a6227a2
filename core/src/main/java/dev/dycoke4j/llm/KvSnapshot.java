package dev.dycoke4j.llm;

import java.util.Arrays;

/**
 * The keys and values of the first {@code tokens.length} slots of every layer of a {@link KvCache}, with the token ids
 * they came from: a prefix that a later request restores instead of prefilling it again. Causal attention makes the
 * entries of a prefix independent of what follows it, so any request whose prompt starts with the same ids may reuse
 * them (or the part of them its prompt shares).
 */
public record KvSnapshot(int[] tokens, int kvDim, float[][] keys, float[][] values) {
    public KvSnapshot {
        if (keys.length != values.length) throw new IllegalArgumentException(keys.length + " key layers but " + values.length + " value layers");
        for (int l = 0; l < keys.length; l++)
            if (keys[l].length != tokens.length * kvDim || values[l].length != tokens.length * kvDim)
                throw new IllegalArgumentException("layer " + l + " does not hold " + tokens.length + " slots of " + kvDim);
    }

    /**
     * Copies the first {@code n} slots of every layer; they must all be plain (not tiered) and hold the first {@code n}
     * tokens, which is so right after a prefill without a prefill hook.
     */
    public static KvSnapshot capture(KvCache cache, int[] ids, int n) {
        if (n < 0 || n > ids.length) throw new IllegalArgumentException("cannot snapshot " + n + " of " + ids.length + " tokens");
        int L = cache.layers(), D = cache.kvDim();
        float[][] k = new float[L][], v = new float[L][];
        for (int l = 0; l < L; l++) {
            if (cache.tiered(l) || cache.length(l) < n || cache.slotsBefore(l, n) != n)
                throw new IllegalStateException("layer " + l + " of the cache cannot give a " + n + "-token prefix");
            k[l] = cache.keyRows(l, n);
            v[l] = cache.valueRows(l, n);
        }
        return new KvSnapshot(Arrays.copyOf(ids, n), D, k, v);
    }

    public int length() {
        return tokens.length;
    }

    public int layers() {
        return keys.length;
    }

    /** Bytes held: keys, values and ids. */
    public long bytes() {
        return 2L * keys.length * tokens.length * kvDim * Float.BYTES + (long) tokens.length * Integer.BYTES;
    }

    /** How many leading ids of {@code prompt} this snapshot holds: the longest common prefix. */
    public int sharedWith(int[] prompt) {
        return commonPrefix(tokens, prompt);
    }

    /** The length of the longest common prefix of two id sequences. */
    public static int commonPrefix(int[] a, int[] b) {
        int n = Math.min(a.length, b.length), i = 0;
        while (i < n && a[i] == b[i]) i++;
        return i;
    }

    /** Fills an empty cache with the first {@code n} slots of every layer. */
    public void restore(KvCache cache, int n) {
        if (cache.length() != 0) throw new IllegalStateException("a snapshot restores into an empty cache, this one holds " + cache.length());
        if (cache.layers() != keys.length || cache.kvDim() != kvDim)
            throw new IllegalArgumentException("a snapshot of " + keys.length + " layers x " + kvDim + " does not fit a cache of "
                    + cache.layers() + " x " + cache.kvDim());
        if (n < 0 || n > tokens.length) throw new IllegalArgumentException("cannot restore " + n + " of " + tokens.length + " slots");
        for (int l = 0; l < keys.length; l++) {
            cache.reserve(l, n);
            cache.put(l, 0, n, keys[l], 0, values[l], 0);
            cache.advance(l, n);
        }
    }
}
