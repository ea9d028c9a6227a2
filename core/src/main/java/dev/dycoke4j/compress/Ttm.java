package dev.dycoke4j.compress;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * DyCoke's temporal token merging, as the official {@code dycole_ttm}: in windows of 4 frames, tokens that hardly
 * changed from a reference frame at the same spatial position (cosine similarity) are dropped.
 *
 * <ol>
 *   <li>For pairs (i, i+1), i = 0, 2, 4, ...: frame i is kept whole; frame i+1 keeps its {@code keep} tokens least
 *   similar to frame i.</li>
 *   <li>For i = 0, 4, 8, ... (official: only while i &lt; F-4, so the last window skips this): frame i+2 is replaced by
 *   its {@code keep} tokens least similar to frame i.</li>
 * </ol>
 * {@code keep = floor((1-K) · tokensPerFrame)}. With {@link Windows#OFFICIAL} an odd last frame is dropped, as the
 * code's pair loop never reaches it; TTM needs at least 2 frames (a lone frame has nothing to be compared with, and
 * the official code would leave no visual token at all); {@link Windows#FULL} keeps it whole and runs step 2 in every window that has an
 * i+2. {@link Order#OFFICIAL} keeps the chosen tokens in ascending similarity (as {@code topk(largest=False)});
 * {@link Order#RASTER} restores spatial order.
 */
public final class Ttm implements Compressor {
    public enum Windows { OFFICIAL, FULL }

    public enum Order { OFFICIAL, RASTER }

    private final double k;
    private final Windows windows;
    private final Order order;

    public Ttm(double k, Windows windows, Order order) {
        if (!(k >= 0 && k < 1)) throw new IllegalArgumentException("the TTM merging ratio K must be in [0, 1), got " + k);
        this.k = k;
        this.windows = windows;
        this.order = order;
    }

    /** Tokens a compared frame keeps: floor((1-K)·T), with 1-K computed in double as the official code does. */
    public int keepPerFrame(int tokensPerFrame) {
        return (int) ((1 - k) * tokensPerFrame);
    }

    /** How many tokens TTM keeps from {@code frames} frames of {@code tokensPerFrame}, without running it. */
    public int keptCount(int frames, int tokensPerFrame) {
        int keep = keepPerFrame(tokensPerFrame), n = 0;
        checkFrames(frames);
        int pairsEnd = windows == Windows.OFFICIAL ? frames - 1 : frames;
        boolean[] reduced = new boolean[frames], present = new boolean[frames];
        for (int i = 0; i < pairsEnd; i += 2) {
            present[i] = true;
            if (i + 1 < frames) present[i + 1] = reduced[i + 1] = true;
        }
        int windowsEnd = windows == Windows.OFFICIAL ? frames - 4 : frames - 2;
        for (int i = 0; i < windowsEnd; i += 4) reduced[i + 2] = true;
        for (int f = 0; f < frames; f++) if (present[f]) n += reduced[f] ? keep : tokensPerFrame;
        return n;
    }

    /**
     * TTM at a token budget: the largest per-frame keep whose {@link #keptCount} is at most {@code budget}, expressed
     * as the K that gives it ({@code K = 1 - (keep + 0.5) / T}, so that {@code floor((1-K)·T)} is exactly {@code keep}
     * despite rounding; K = 0 when every token fits). Fails when even keep = 0 exceeds the budget: the reference frames
     * TTM always keeps whole are more than it.
     */
    public static Ttm forBudget(int budget, int frames, int tokensPerFrame, Windows windows, Order order) {
        if (new Ttm(0, windows, order).keptCount(frames, tokensPerFrame) <= budget) return new Ttm(0, windows, order);
        for (int keep = tokensPerFrame - 1; keep >= 0; keep--) {
            Ttm t = new Ttm(1 - (keep + 0.5) / tokensPerFrame, windows, order);
            if (t.keepPerFrame(tokensPerFrame) != keep) throw new AssertionError("K rounding for keep " + keep);
            if (t.keptCount(frames, tokensPerFrame) <= budget) return t;
        }
        int min = new Ttm(1 - 0.5 / tokensPerFrame, windows, order).keptCount(frames, tokensPerFrame);
        throw new UnreachableBudgetException(budget, frames * tokensPerFrame, frames, min, windows);
    }

    /** The merging ratio K. */
    public double k() {
        return k;
    }

    @Override
    public VisualTokens compress(VisualTokens in) {
        int F = in.frames(), T = in.tokensPerFrame(), d = in.dim();
        if (in.count() != F * T) throw new IllegalArgumentException("TTM needs every pooled token, got " + in.count() + " of " + F * T);
        int keep = keepPerFrame(T);
        // per frame: the rows (within the frame) it contributes, in output order; null = dropped
        int[][] rows = new int[F][];
        checkFrames(F);
        int pairsEnd = windows == Windows.OFFICIAL ? F - 1 : F;
        for (int i = 0; i < pairsEnd; i += 2) {
            rows[i] = identity(T);
            if (i + 1 < F) rows[i + 1] = leastSimilar(in.features(), i, i + 1, T, d, keep);
        }
        int windowsEnd = windows == Windows.OFFICIAL ? F - 4 : F - 2;
        for (int i = 0; i < windowsEnd; i += 4) rows[i + 2] = leastSimilar(in.features(), i, i + 2, T, d, keep);
        List<Integer> out = new ArrayList<>();
        for (int f = 0; f < F; f++) {
            if (rows[f] == null) continue;
            int[] r = rows[f];
            if (order == Order.RASTER) {
                r = r.clone();
                Arrays.sort(r);
            }
            for (int t : r) out.add(f * T + t);
        }
        return in.select(out.stream().mapToInt(Integer::intValue).toArray());
    }

    private static void checkFrames(int frames) {
        if (frames < 2)
            throw new IllegalArgumentException("DyCoke's TTM compares frames in windows, so it needs at least 2 frames; got " + frames);
    }

    private static int[] identity(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) r[i] = i;
        return r;
    }

    /**
     * The {@code keep} positions of frame {@code b} least similar to the same positions of frame {@code a}, in
     * ascending similarity (ties by position, as a stable sort gives).
     */
    static int[] leastSimilar(float[] x, int a, int b, int T, int d, int keep) {
        float[] sim = new float[T];
        for (int t = 0; t < T; t++) sim[t] = cosine(x, (a * T + t) * d, x, (b * T + t) * d, d);
        Integer[] idx = new Integer[T];
        for (int t = 0; t < T; t++) idx[t] = t;
        Arrays.sort(idx, (p, q) -> Float.compare(sim[p], sim[q]));
        int[] r = new int[keep];
        for (int i = 0; i < keep; i++) r[i] = idx[i];
        return r;
    }

    /** Cosine similarity as torch computes it in float32: dot / max(|a|·|b|, eps). */
    static float cosine(float[] x, int ao, float[] y, int bo, int d) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < d; i++) {
            dot += (double) x[ao + i] * y[bo + i];
            na += (double) x[ao + i] * x[ao + i];
            nb += (double) y[bo + i] * y[bo + i];
        }
        return (float) (dot / Math.max(Math.sqrt(na) * Math.sqrt(nb), 1e-8));
    }
}
