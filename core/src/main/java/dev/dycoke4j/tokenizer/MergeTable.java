package dev.dycoke4j.tokenizer;

import java.util.Arrays;

/**
 * BPE merges keyed by the pair of token ids they join: an open-addressing hash map from {@code (left, right)} to
 * {@code (rank, merged id)}, without boxing.
 */
final class MergeTable {
    private static final long EMPTY = -1L;

    private final long[] keys;
    private final long[] values;
    private final int mask;
    private int size;

    MergeTable(int expected) {
        int capacity = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
        keys = new long[capacity];
        values = new long[capacity];
        Arrays.fill(keys, EMPTY);
        mask = capacity - 1;
    }

    /** Adds or replaces (like HF, a later duplicate merge wins) the merge of {@code left} and {@code right}. */
    void put(int left, int right, int rank, int mergedId) {
        if (size * 2 >= keys.length) {
            throw new IllegalStateException("merge table full");
        }
        long key = key(left, right);
        int slot = slot(key);
        while (keys[slot] != EMPTY && keys[slot] != key) {
            slot = (slot + 1) & mask;
        }
        if (keys[slot] == EMPTY) {
            size++;
        }
        keys[slot] = key;
        values[slot] = ((long) rank << 32) | (mergedId & 0xFFFFFFFFL);
    }

    /** {@code rank << 32 | mergedId} for the pair, or -1 if the pair does not merge. */
    long get(int left, int right) {
        long key = key(left, right);
        int slot = slot(key);
        while (true) {
            long k = keys[slot];
            if (k == key) {
                return values[slot];
            }
            if (k == EMPTY) {
                return -1L;
            }
            slot = (slot + 1) & mask;
        }
    }

    static int rank(long entry) {
        return (int) (entry >>> 32);
    }

    static int mergedId(long entry) {
        return (int) entry;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40) & mask;
    }
}
