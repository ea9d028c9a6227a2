package dev.dycoke4j.tokenizer;

/**
 * A binary min-heap of candidate merges ordered by (rank, position), the order in which HF's BPE applies them: the
 * lowest rank first, and the leftmost of equal ranks.
 */
final class MergeQueue {
    private int[] rank = new int[16];
    private int[] pos = new int[16];
    private int[] mergedId = new int[16];
    private int size;

    boolean isEmpty() {
        return size == 0;
    }

    void push(int r, int p, int id) {
        if (size == rank.length) {
            int n = size * 2;
            rank = java.util.Arrays.copyOf(rank, n);
            pos = java.util.Arrays.copyOf(pos, n);
            mergedId = java.util.Arrays.copyOf(mergedId, n);
        }
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!less(r, p, rank[parent], pos[parent])) {
                break;
            }
            set(i, rank[parent], pos[parent], mergedId[parent]);
            i = parent;
        }
        set(i, r, p, id);
    }


    int topPos() {
        return pos[0];
    }

    int topMergedId() {
        return mergedId[0];
    }

    void pop() {
        size--;
        int r = rank[size];
        int p = pos[size];
        int id = mergedId[size];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && less(rank[child + 1], pos[child + 1], rank[child], pos[child])) {
                child++;
            }
            if (!less(rank[child], pos[child], r, p)) {
                break;
            }
            set(i, rank[child], pos[child], mergedId[child]);
            i = child;
        }
        if (size > 0) {
            set(i, r, p, id);
        }
    }

    private void set(int i, int r, int p, int id) {
        rank[i] = r;
        pos[i] = p;
        mergedId[i] = id;
    }

    private static boolean less(int r1, int p1, int r2, int p2) {
        return r1 < r2 || (r1 == r2 && p1 < p2);
    }
}
