package dev.dycoke4j.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The byte-level BPE model: a word's UTF-8 bytes start as one token each and are merged pair by pair, lowest merge
 * rank first (leftmost first among equal ranks), exactly as HF's {@code BPE::merge_word}/{@code Word::merge_all}. It
 * runs in O(n log n) for a word of n bytes, and caches the ids of short words.
 */
final class Bpe {
    private static final int CACHE_CAPACITY = 10_000;
    private static final int MAX_CACHED_LENGTH = 256;

    private final Vocab vocab;
    private final MergeTable merges;
    /** The id of the token of each single byte, or -1 if the vocabulary lacks it. */
    private final int[] byteIds = new int[256];
    private final int unkId;
    private final boolean fuseUnk;
    private final boolean ignoreMerges;
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    /**
     * @param vocab the tokens
     * @param merges the merge pairs by rank
     * @param unkId the unknown token's id, or -1 for none (bytes missing from the vocabulary are then dropped, as HF)
     */
    Bpe(Vocab vocab, MergeTable merges, int unkId, boolean fuseUnk, boolean ignoreMerges) {
        this.vocab = vocab;
        this.merges = merges;
        this.unkId = unkId;
        this.fuseUnk = fuseUnk;
        this.ignoreMerges = ignoreMerges;
        for (int b = 0; b < 256; b++) {
            byteIds[b] = vocab.get(String.valueOf(ByteLevel.charOf(b)));
        }
    }

    /** Appends the ids of one pre-tokenized word. */
    void encode(String word, IntArrayBuilder out) {
        int[] cached = cache.get(word);
        if (cached == null) {
            cached = encodeBytes(word.getBytes(StandardCharsets.UTF_8));
            if (word.length() <= MAX_CACHED_LENGTH && cache.size() < CACHE_CAPACITY) {
                cache.put(word, cached);
            }
        }
        out.addAll(cached);
    }

    private int[] encodeBytes(byte[] bytes) {
        if (ignoreMerges) {
            int whole = vocab.get(ByteLevel.toChars(bytes, 0, bytes.length));
            if (whole >= 0) {
                return new int[] {whole};
            }
        }
        int[] ids = new int[bytes.length];
        int n = 0;
        for (byte b : bytes) {
            int id = byteIds[b & 0xFF];
            if (id < 0) {
                if (unkId < 0 || (fuseUnk && n > 0 && ids[n - 1] == unkId)) {
                    continue;
                }
                id = unkId;
            }
            ids[n++] = id;
        }
        return mergeAll(ids, n);
    }

    /** Merges the symbols {@code ids[0..n)} in place, as a doubly linked list, and returns the survivors. */
    private int[] mergeAll(int[] ids, int n) {
        int[] prev = new int[n];
        int[] next = new int[n];
        boolean[] removed = new boolean[n];
        MergeQueue queue = new MergeQueue();
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            if (i + 1 < n) {
                offer(queue, ids[i], ids[i + 1], i);
            }
        }
        int alive = n;
        while (!queue.isEmpty()) {
            int pos = queue.topPos();
            int mergedId = queue.topMergedId();
            queue.pop();
            int right = removed[pos] ? -1 : next[pos];
            if (right < 0) {
                continue;
            }
            long entry = merges.get(ids[pos], ids[right]);
            if (entry < 0 || MergeTable.mergedId(entry) != mergedId) {
                continue; // stale: the pair at pos has changed since this candidate was queued
            }
            ids[pos] = mergedId;
            removed[right] = true;
            alive--;
            next[pos] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = pos;
            }
            if (prev[pos] >= 0) {
                offer(queue, ids[prev[pos]], ids[pos], prev[pos]);
            }
            if (next[pos] >= 0) {
                offer(queue, ids[pos], ids[next[pos]], pos);
            }
        }
        int[] out = new int[alive];
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (!removed[i]) {
                out[k++] = ids[i];
            }
        }
        return out;
    }

    private void offer(MergeQueue queue, int left, int right, int pos) {
        long entry = merges.get(left, right);
        if (entry >= 0) {
            queue.push(MergeTable.rank(entry), pos, MergeTable.mergedId(entry));
        }
    }
}
