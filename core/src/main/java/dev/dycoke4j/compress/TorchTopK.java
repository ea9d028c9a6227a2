package dev.dycoke4j.compress;

/**
 * PyTorch's CPU {@code topk} (sorted), down to which of several equal values it returns: official code that breaks
 * ties this way (FlashVID's cluster centres, whose float32 densities tie at the noise's resolution) is followed exactly.
 * The CPU kernel pairs each value with its index and, comparing values only, runs libstdc++'s {@code partial_sort} when
 * {@code 64·k ≤ n}, else {@code nth_element} at k - 1 and {@code sort} of the first k - 1; this class runs the same
 * algorithms (introselect, median-of-three partitions, heaps, insertion sorts) step for step.
 */
public final class TorchTopK {
    private static final int THRESHOLD = 16;
    private final float[] v;
    private final int[] id;
    private final boolean largest;

    private TorchTopK(float[] values, boolean largest) {
        this.v = values.clone();
        this.id = new int[values.length];
        for (int i = 0; i < id.length; i++) id[i] = i;
        this.largest = largest;
    }

    /** The indices of the {@code k} largest values, largest first, as {@code torch.topk(values, k).indices}. */
    public static int[] largest(float[] values, int k) {
        return new TorchTopK(values, true).run(k);
    }

    /** The indices of the {@code k} smallest values, smallest first, as {@code torch.topk(values, k, largest=False)}. */
    public static int[] smallest(float[] values, int k) {
        return new TorchTopK(values, false).run(k);
    }

    private int[] run(int k) {
        int n = v.length;
        if (k < 0 || k > n) throw new IllegalArgumentException("top " + k + " of " + n + " values");
        if (k == 0) return new int[0];
        if ((long) k * 64 <= n) {
            heapSelect(0, k, n);
            sortHeap(0, k);
        } else {
            introselect(0, k - 1, n, 2 * lg(n));
            sort(0, k - 1);
        }
        return java.util.Arrays.copyOf(id, k);
    }

    /** The comparator: element a goes before element b (NaN first, as the kernel's). */
    private boolean before(float a, float b) {
        return largest ? (Float.isNaN(a) && !Float.isNaN(b)) || a > b : (Float.isNaN(b) && !Float.isNaN(a)) || a < b;
    }

    private boolean before(int i, int j) {
        return before(v[i], v[j]);
    }

    private void swap(int i, int j) {
        float tv = v[i];
        v[i] = v[j];
        v[j] = tv;
        int ti = id[i];
        id[i] = id[j];
        id[j] = ti;
    }

    private static int lg(int n) {
        return 31 - Integer.numberOfLeadingZeros(n);
    }

    private void introselect(int first, int nth, int last, int depth) {
        while (last - first > 3) {
            if (depth == 0) {
                heapSelect(first, nth + 1, last);
                swap(first, nth);
                return;
            }
            --depth;
            int cut = partitionPivot(first, last);
            if (cut <= nth) first = cut;
            else last = cut;
        }
        insertionSort(first, last);
    }

    private void sort(int first, int last) {
        if (first == last) return;
        introsortLoop(first, last, 2 * lg(last - first));
        if (last - first > THRESHOLD) {
            insertionSort(first, first + THRESHOLD);
            for (int i = first + THRESHOLD; i < last; i++) linearInsert(i);
        } else insertionSort(first, last);
    }

    private void introsortLoop(int first, int last, int depth) {
        while (last - first > THRESHOLD) {
            if (depth == 0) {
                heapSelect(first, last, last);
                sortHeap(first, last);
                return;
            }
            --depth;
            int cut = partitionPivot(first, last);
            introsortLoop(cut, last, depth);
            last = cut;
        }
    }

    private int partitionPivot(int first, int last) {
        int mid = first + (last - first) / 2;
        medianToFirst(first, first + 1, mid, last - 1);
        return partition(first + 1, last, first);
    }

    private void medianToFirst(int result, int a, int b, int c) {
        if (before(a, b)) {
            if (before(b, c)) swap(result, b);
            else if (before(a, c)) swap(result, c);
            else swap(result, a);
        } else if (before(a, c)) swap(result, a);
        else if (before(b, c)) swap(result, c);
        else swap(result, b);
    }

    private int partition(int first, int last, int pivot) {
        while (true) {
            while (before(first, pivot)) ++first;
            --last;
            while (before(pivot, last)) --last;
            if (!(first < last)) return first;
            swap(first, last);
            ++first;
        }
    }

    private void insertionSort(int first, int last) {
        if (first == last) return;
        for (int i = first + 1; i < last; i++) {
            if (before(i, first)) {
                float val = v[i];
                int vid = id[i];
                System.arraycopy(v, first, v, first + 1, i - first);
                System.arraycopy(id, first, id, first + 1, i - first);
                v[first] = val;
                id[first] = vid;
            } else linearInsert(i);
        }
    }

    private void linearInsert(int last) {
        float val = v[last];
        int vid = id[last];
        int next = last - 1;
        while (before(val, v[next])) {
            v[last] = v[next];
            id[last] = id[next];
            last = next;
            --next;
        }
        v[last] = val;
        id[last] = vid;
    }

    private void heapSelect(int first, int middle, int last) {
        makeHeap(first, middle);
        for (int i = middle; i < last; i++) if (before(i, first)) popHeap(first, middle, i);
    }

    private void sortHeap(int first, int last) {
        while (last - first > 1) {
            --last;
            popHeap(first, last, last);
        }
    }

    private void makeHeap(int first, int last) {
        int len = last - first;
        if (len < 2) return;
        for (int parent = (len - 2) / 2; ; parent--) {
            adjustHeap(first, parent, len, v[first + parent], id[first + parent]);
            if (parent == 0) return;
        }
    }

    private void popHeap(int first, int last, int result) {
        float val = v[result];
        int vid = id[result];
        v[result] = v[first];
        id[result] = id[first];
        adjustHeap(first, 0, last - first, val, vid);
    }

    private void adjustHeap(int first, int hole, int len, float val, int vid) {
        int top = hole, child = hole;
        while (child < (len - 1) / 2) {
            child = 2 * (child + 1);
            if (before(first + child, first + child - 1)) child--;
            v[first + hole] = v[first + child];
            id[first + hole] = id[first + child];
            hole = child;
        }
        if ((len & 1) == 0 && child == (len - 2) / 2) {
            child = 2 * (child + 1);
            v[first + hole] = v[first + child - 1];
            id[first + hole] = id[first + child - 1];
            hole = child - 1;
        }
        int parent = (hole - 1) / 2;
        while (hole > top && before(v[first + parent], val)) {
            v[first + hole] = v[first + parent];
            id[first + hole] = id[first + parent];
            hole = parent;
            parent = (hole - 1) / 2;
        }
        v[first + hole] = val;
        id[first + hole] = vid;
    }
}
