package dev.dycoke4j.llm;

import java.util.Arrays;

/**
 * The rotary positions of a run of rows: one (temporal, height, width) triple per row, as Qwen2.5-VL's M-RoPE uses
 * them, or one plain position per row (the three axes equal), as a 1D RoPE model uses it. Positions may repeat or skip
 * (video tokens share a temporal position; a pruned row's position is simply absent), so a method that keeps some
 * rows keeps their original positions by {@link #select}ing them. Immutable.
 */
public final class Positions {
    private final int[] t, h, w;

    private Positions(int[] t, int[] h, int[] w) {
        this.t = t;
        this.h = h;
        this.w = w;
    }

    /** {@code n} consecutive plain positions from {@code start}: the positions of ordinary text. */
    public static Positions consecutive(int start, int n) {
        if (n < 0) throw new IllegalArgumentException("a run of positions cannot have " + n + " rows");
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = start + i;
        return new Positions(p, p, p);
    }

    /** One plain position per row (equal on the three axes); any order, gaps allowed. */
    public static Positions flat(int[] positions) {
        int[] p = positions.clone();
        return new Positions(p, p, p);
    }

    /** One (t, h, w) triple per row, from the rows of {@code [3, n]} position ids. */
    public static Positions of(int[] t, int[] h, int[] w) {
        if (t.length != h.length || t.length != w.length)
            throw new IllegalArgumentException("the three position axes must have a position per row each, got " + t.length + ", " + h.length + " and " + w.length);
        return new Positions(t.clone(), h.clone(), w.clone());
    }

    /** From row-major {@code [3, n]} position ids (transformers' {@code position_ids[:, 0]} layout). */
    public static Positions ofRows(long[] ids3xn) {
        if (ids3xn.length % 3 != 0) throw new IllegalArgumentException("[3, n] position ids cannot hold " + ids3xn.length + " values");
        int n = ids3xn.length / 3;
        int[][] axes = new int[3][n];
        for (int a = 0; a < 3; a++) for (int i = 0; i < n; i++) axes[a][i] = Math.toIntExact(ids3xn[a * n + i]);
        return new Positions(axes[0], axes[1], axes[2]);
    }

    public int count() {
        return t.length;
    }

    public int t(int row) {
        return t[row];
    }

    public int h(int row) {
        return h[row];
    }

    public int w(int row) {
        return w[row];
    }

    /** Whether every row's three axes are equal (by construction): a 1D RoPE model's positions. */
    public boolean isFlat() {
        if (t == h && h == w) return true;
        for (int i = 0; i < t.length; i++) if (t[i] != h[i] || t[i] != w[i]) return false;
        return true;
    }

    /** The largest position on any axis (Integer.MIN_VALUE for no rows): the next token after them follows it. */
    public int max() {
        int m = Integer.MIN_VALUE;
        for (int i = 0; i < t.length; i++) m = Math.max(m, Math.max(t[i], Math.max(h[i], w[i])));
        return m;
    }

    /** The positions of {@code rows} (indices into these), in that order: what the kept rows of a pruning keep. */
    public Positions select(int[] rows) {
        int[] st = pick(t, rows);
        return t == h && h == w ? new Positions(st, st, st) : new Positions(st, pick(h, rows), pick(w, rows));
    }

    /** Rows {@code [from, to)}. */
    public Positions slice(int from, int to) {
        int[] st = Arrays.copyOfRange(t, from, to);
        return t == h && h == w ? new Positions(st, st, st)
                : new Positions(st, Arrays.copyOfRange(h, from, to), Arrays.copyOfRange(w, from, to));
    }

    /** The three axes as {@code [3][n]} (copies). */
    public int[][] toArrays() {
        return new int[][] {t.clone(), h.clone(), w.clone()};
    }

    private static int[] pick(int[] a, int[] rows) {
        int[] out = new int[rows.length];
        for (int i = 0; i < rows.length; i++) out[i] = a[rows[i]];
        return out;
    }

    @Override
    public String toString() {
        return isFlat() ? Arrays.toString(t) : "t" + Arrays.toString(t) + " h" + Arrays.toString(h) + " w" + Arrays.toString(w);
    }
}
