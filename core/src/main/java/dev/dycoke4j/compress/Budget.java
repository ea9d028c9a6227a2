package dev.dycoke4j.compress;

/**
 * Token budgets, so that the pre-LLM baselines can run at the same number of tokens as DyCoke's TTM.
 *
 * <ul>
 *   <li>{@link #keep}: a retained ratio r in (0, 1] of n tokens keeps {@code round(r·n)} of them (half up), at least 1
 *   and at most n. Rounding, not truncation, so that {@code keep(kept / n, n) == kept} for every count, despite the
 *   division's rounding error: a ratio from {@link #ofTtm} gives back TTM's exact count.</li>
 *   <li>{@link #perFrame}: a budget split evenly over frames, the remainder going one each to the first frames.</li>
 *   <li>{@link #ttmKept} / {@link #ofTtm}: what TTM with ratio K keeps, under {@link Ttm.Windows#OFFICIAL}.</li>
 * </ul>
 */
public final class Budget {
    private Budget() {
    }

    /** Throws unless 0 &lt; r ≤ 1. */
    static void checkRatio(String method, double ratio) {
        if (!(ratio > 0 && ratio <= 1)) throw new IllegalArgumentException(method + ": the retained ratio must be in (0, 1], got " + ratio);
    }

    /** Tokens kept of {@code n} at retained ratio {@code ratio}: {@code round(ratio·n)}, clamped to [1, n] (0 when n = 0). */
    public static int keep(double ratio, int n) {
        checkRatio("Budget", ratio);
        if (n < 0) throw new IllegalArgumentException("a token count can't be negative, got " + n);
        if (n == 0) return 0;
        return (int) Math.min(n, Math.max(1, Math.round(ratio * n)));
    }

    /**
     * {@code total} tokens split over {@code frames}: {@code total / frames} each, plus one for each of the first
     * {@code total % frames} frames.
     */
    public static int[] perFrame(int total, int frames) {
        if (frames < 1) throw new IllegalArgumentException("need at least one frame, got " + frames);
        if (total < 0) throw new IllegalArgumentException("a budget can't be negative, got " + total);
        int[] b = new int[frames];
        for (int f = 0; f < frames; f++) b[f] = total / frames + (f < total % frames ? 1 : 0);
        return b;
    }

    /**
     * Per-frame budgets of a per-frame method at retained ratio {@code ratio}: {@code max(keep(ratio, F·T), F)} tokens
     * (at least one per frame), split by {@link #perFrame}. The input must hold every pooled token, frame-major.
     */
    static int[] perFrame(String method, double ratio, VisualTokens in) {
        int F = in.frames(), T = in.tokensPerFrame();
        if (in.count() != F * T) throw new IllegalArgumentException(method + " needs every pooled token, got " + in.count() + " of " + F * T);
        return perFrame(Math.max(keep(ratio, F * T), F), F);
    }

    /**
     * {@code k} of the positions 0..n-1 at a uniform stride, ascending: {@code floor(i·n/k)} for i = 0..k-1 (distinct,
     * as n/k ≥ 1).
     */
    static int[] spread(int n, int k) {
        if (k < 0 || k > n) throw new IllegalArgumentException("can't spread " + k + " positions over " + n);
        int[] r = new int[k];
        for (int i = 0; i < k; i++) r[i] = (int) ((long) i * n / k);
        return r;
    }

    /** Tokens TTM ({@link Ttm.Windows#OFFICIAL} windows) keeps for {@code frames} frames of {@code tokensPerFrame}. */
    public static int ttmKept(double k, int frames, int tokensPerFrame) {
        if (frames < 1 || tokensPerFrame < 1) throw new IllegalArgumentException("need frames and tokens, got " + frames + "x" + tokensPerFrame);
        return new Ttm(k, Ttm.Windows.OFFICIAL, Ttm.Order.OFFICIAL).keptCount(frames, tokensPerFrame);
    }

    /**
     * The retained ratio of TTM with ratio {@code k} ({@link #ttmKept} / (F·T)), to run a baseline at DyCoke's budget:
     * {@code keep(ofTtm(k, F, T), F·T) == ttmKept(k, F, T)}.
     */
    public static double ofTtm(double k, int frames, int tokensPerFrame) {
        return (double) ttmKept(k, frames, tokensPerFrame) / ((long) frames * tokensPerFrame);
    }
}
