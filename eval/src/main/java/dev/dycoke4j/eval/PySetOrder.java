package dev.dycoke4j.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * The order {@code list(set(ints))} gives in CPython for small non-negative ints (hash = value): open addressing in a
 * table of 8 slots that grows to 4 x the used count when 3/5 full, 10 linear probes then perturbed jumps. Video-MME's
 * subtitle picker passes its indices through such a set, so the subtitles come out in this order, not sorted.
 */
final class PySetOrder {
    private static final int LINEAR_PROBES = 9, PERTURB_SHIFT = 5, MIN_SIZE = 8;

    private PySetOrder() {
    }

    static List<Integer> order(List<Integer> values) {
        long[] table = empty(MIN_SIZE);
        int fill = 0;
        for (int v : values) {
            if (contains(table, v)) continue;
            insert(table, v);
            fill++;
            int mask = table.length - 1;
            if ((long) fill * 5 >= (long) mask * 3) {
                int minused = fill > 50000 ? fill * 2 : fill * 4;
                int size = MIN_SIZE;
                while (size <= minused) size <<= 1;
                long[] bigger = empty(size);
                for (long k : table) if (k >= 0) insert(bigger, (int) k);
                table = bigger;
            }
        }
        List<Integer> out = new ArrayList<>();
        for (long k : table) if (k >= 0) out.add((int) k);
        return out;
    }

    private static long[] empty(int size) {
        long[] t = new long[size];
        java.util.Arrays.fill(t, -1);
        return t;
    }

    private static boolean contains(long[] table, int v) {
        for (long k : table) if (k == v) return true;
        return false;
    }

    /** {@code set_insert_clean}/{@code set_add_entry} for a key known to be absent: its slot is the first free probe. */
    private static void insert(long[] table, int hash) {
        int mask = table.length - 1;
        long perturb = hash;
        int i = hash & mask;
        while (true) {
            if (table[i] < 0) {
                table[i] = hash;
                return;
            }
            if (i + LINEAR_PROBES <= mask) {
                for (int j = 1; j <= LINEAR_PROBES; j++) {
                    if (table[i + j] < 0) {
                        table[i + j] = hash;
                        return;
                    }
                }
            }
            perturb >>>= PERTURB_SHIFT;
            i = (int) ((i * 5L + 1 + perturb) & mask);
        }
    }
}
