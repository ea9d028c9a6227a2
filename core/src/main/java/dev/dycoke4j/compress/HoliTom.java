package dev.dycoke4j.compress;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * HoliTom's outer-LLM part (Shao et al., NeurIPS 2025), as its official {@code prepare_inputs_labels_for_multimodal}
 * does it on LLaVA-OneVision's pooled tokens with the vision tower's received attention:
 * <ol>
 *   <li>{@link HoliTomWindows}: windows of frames chosen to drop the most static tokens (cosine to the previous frame
 *   above τ at every step of the window);</li>
 *   <li>the ratio is rescaled for what static pruning already dropped, {@code r' = min(r / ((n - reduced) / n), 1)}:
 *   where static pruning alone drops more than asked, fewer than {@code r·n} tokens remain;</li>
 *   <li>per window, its static positions averaged over the window's frames, then merged by density peaks
 *   ({@link HoliTomDpc}) into {@code round(n_static·r')} tokens;</li>
 *   <li>per frame, its dynamic positions: the {@code round(ceil(n_dyn·r')·(1 - d))} that receive the most attention
 *   (copies, in position order), and the rest of {@code ceil(n_dyn·r')} as density-peak merges of the others.</li>
 * </ol>
 * Output order: window by window, its static tokens by position, then its dynamic tokens frame by frame. Python's
 * {@code round} (half to even) is kept. Each merge's tie-break noise is drawn from {@link TieBreak}; {@link #compress}
 * draws it as torch does after {@code torch.manual_seed(0)}. With d &gt; 0 the official code fails as soon as a frame
 * has merged dynamic tokens (a broadcast in {@code merge_tokens_by_attention_density}); this port merges them as that
 * code means to, by density peaks among the frame's non-selected dynamic tokens.
 */
public final class HoliTom implements Compressor {
    /** Kinds of output token. */
    public static final int STATIC = 0, DYNAMIC = 1, CONTEXTUAL = 2;

    private final double ratio, tau, beta, d;
    private final int knn, maxWindow;

    /** The tie-break noise of each density-peak merge: {@code rows·cols} draws in [0, 1), row-major. */
    public interface TieBreak {
        float[] draw(int rows, int cols);

        /** torch.rand's draws after {@code torch.manual_seed(seed)}, one stream for the video. */
        static TieBreak torch(long seed) {
            TorchRand r = new TorchRand(seed);
            return (rows, cols) -> r.rand(rows * cols);
        }
    }

    /**
     * @param ratio     r, the retained ratio before the rescaling, in (0, 1]
     * @param tau       τ, the cosine above which a position is static
     * @param beta      β, the centre's weight in a merge
     * @param d         the share of each frame's dynamic budget merged rather than selected, in [0, 1)
     * @param knn       neighbours in the density (at most the number of centres)
     * @param maxWindow the longest window, in frames
     */
    public HoliTom(double ratio, double tau, double beta, double d, int knn, int maxWindow) {
        Budget.checkRatio("holitom", ratio);
        if (!(d >= 0 && d < 1)) throw new IllegalArgumentException("holitom: d must be in [0, 1), got " + d);
        if (knn < 1 || maxWindow < 1) throw new IllegalArgumentException("holitom: knn and maxWindow must be at least 1, got " + knn + " and " + maxWindow);
        this.ratio = ratio;
        this.tau = tau;
        this.beta = beta;
        this.d = d;
        this.knn = knn;
        this.maxWindow = maxWindow;
    }

    /**
     * The compressed video.
     *
     * @param tokens           the output tokens; their source index is the position each stands for (a static token's
     *                         on its window's first frame)
     * @param kind             per output token: {@link #STATIC}, {@link #DYNAMIC} (a copy) or {@link #CONTEXTUAL}
     * @param windows          the windows and the tokens they saved
     * @param ratioAfterStatic r'
     */
    public record Result(VisualTokens tokens, int[] kind, HoliTomWindows windows, double ratioAfterStatic) {
    }

    @Override
    public VisualTokens compress(VisualTokens pooled) {
        if (pooled.saliency() == null) throw new IllegalArgumentException("holitom ranks tokens by the attention they receive in the vision tower, which was not kept");
        return run(pooled, pooled.saliency(), TieBreak.torch(0)).tokens();
    }

    /**
     * HoliTom on every pooled token of a video.
     *
     * @param attention per token, the attention it receives in the vision tower (pooled like the features)
     */
    public Result run(VisualTokens in, float[] attention, TieBreak noise) {
        int F = in.frames(), T = in.tokensPerFrame(), D = in.dim(), n = F * T;
        if (in.count() != n) throw new IllegalArgumentException("holitom needs every pooled token, got " + in.count() + " of " + n);
        if (attention.length != n) throw new IllegalArgumentException("holitom needs the attention of every pooled token, got " + attention.length + " of " + n);
        float[] x = in.features();
        boolean[][] still = steady(x, F, T, D);
        HoliTomWindows windows = HoliTomWindows.select(still, F, maxWindow);
        double r = Math.min(ratio / ((double) (n - windows.reduced()) / n), 1);
        Out out = new Out(D);
        for (int[] w : windows.segments()) {
            int s = w[0], e = w[1];
            int[] staticPos = s == e ? new int[0] : HoliTomWindows.staticPositions(still, s, e);
            // the official order: the dynamic tokens are merged first (their noise is drawn first), placed after the static ones
            Out dynamic = new Out(D);
            dynamic(x, attention, s, e, complement(staticPos, T), T, D, r, noise, dynamic);
            if (staticPos.length > 0) statics(x, s, e, staticPos, T, D, r, noise, out);
            out.addAll(dynamic);
        }
        VisualTokens tokens = new VisualTokens(out.features(), out.count, D, out.src(), F, T, null);
        return new Result(tokens, out.kinds(), windows, r);
    }

    /** Whether each position's cosine between frames f and f+1 is above τ, [F-1][T]. */
    private boolean[][] steady(float[] x, int F, int T, int D) {
        boolean[][] s = new boolean[Math.max(0, F - 1)][T];
        for (int f = 0; f + 1 < F; f++)
            for (int t = 0; t < T; t++) s[f][t] = cosine(x, (f * T + t) * D, ((f + 1) * T + t) * D, D) > tau;
        return s;
    }

    /** The window's static tokens: each position averaged over the frames, then merged by density peaks. */
    private void statics(float[] x, int s, int e, int[] pos, int T, int D, double r, TieBreak noise, Out out) {
        int m = pos.length, W = e - s + 1;
        float[] mean = new float[m * D];
        for (int i = 0; i < m; i++)
            for (int c = 0; c < D; c++) {
                double sum = 0;
                for (int f = s; f <= e; f++) sum += x[(f * T + pos[i]) * D + c];
                mean[i * D + c] = (float) (sum / W);
            }
        int clusters = (int) Math.rint(m * r);
        if (clusters == 0) return;
        HoliTomDpc.Merged mg = HoliTomDpc.merge(mean, m, D, clusters, Math.min(knn, clusters), beta, noise.draw(1, m));
        for (int c = 0; c < clusters; c++) out.add(mg.tokens(), c * D, s * T + pos[mg.centres()[c]], STATIC);
    }

    /** The dynamic tokens of frames s..e at positions {@code pos}: the most attended, then merges of the others. */
    private void dynamic(float[] x, float[] attention, int s, int e, int[] pos, int T, int D, double r, TieBreak noise, Out out) {
        int m = pos.length, W = e - s + 1;
        int budget = (int) Math.ceil(m * r), dominant = (int) Math.rint(budget * (1 - d)), contextual = budget - dominant;
        int rest = m - dominant;
        float[] draws = contextual > 0 ? noise.draw(W, rest) : null;
        for (int f = s; f <= e; f++) {
            float[] a = new float[m];
            for (int i = 0; i < m; i++) a[i] = attention[f * T + pos[i]];
            int[] top = DynamicPruning.topK(a, dominant);
            for (int i : top) out.add(x, (f * T + pos[i]) * D, f * T + pos[i], DYNAMIC);
            if (contextual == 0) continue;
            int[] others = complement(top, m);
            float[] feat = new float[rest * D];
            for (int j = 0; j < rest; j++) System.arraycopy(x, (f * T + pos[others[j]]) * D, feat, j * D, D);
            float[] u = Arrays.copyOfRange(draws, (f - s) * rest, (f - s + 1) * rest);
            HoliTomDpc.Merged mg = HoliTomDpc.merge(feat, rest, D, contextual, Math.min(knn, contextual), beta, u);
            for (int c = 0; c < contextual; c++) out.add(mg.tokens(), c * D, f * T + pos[others[mg.centres()[c]]], CONTEXTUAL);
        }
    }

    /** 0..n-1 without the ascending {@code taken}. */
    private static int[] complement(int[] taken, int n) {
        boolean[] in = new boolean[n];
        for (int t : taken) in[t] = true;
        int[] r = new int[n - taken.length];
        int k = 0;
        for (int i = 0; i < n; i++) if (!in[i]) r[k++] = i;
        return r;
    }

    /** torch's cosine_similarity of two rows (norms clamped at 1e-8). */
    private static double cosine(float[] x, int a, int b, int D) {
        double dot = 0, na = 0, nb = 0;
        for (int c = 0; c < D; c++) {
            dot += (double) x[a + c] * x[b + c];
            na += (double) x[a + c] * x[a + c];
            nb += (double) x[b + c] * x[b + c];
        }
        return dot / Math.max(Math.sqrt(na) * Math.sqrt(nb), 1e-8);
    }

    /** The output as it grows. */
    private static final class Out {
        final int D;
        final List<float[]> rows = new ArrayList<>();
        final List<int[]> meta = new ArrayList<>();
        int count;

        Out(int D) {
            this.D = D;
        }

        void add(float[] from, int offset, int src, int kind) {
            rows.add(Arrays.copyOfRange(from, offset, offset + D));
            meta.add(new int[]{src, kind});
            count++;
        }

        void addAll(Out o) {
            rows.addAll(o.rows);
            meta.addAll(o.meta);
            count += o.count;
        }

        float[] features() {
            float[] f = new float[count * D];
            for (int i = 0; i < count; i++) System.arraycopy(rows.get(i), 0, f, i * D, D);
            return f;
        }

        int[] src() {
            return meta.stream().mapToInt(m -> m[0]).toArray();
        }

        int[] kinds() {
            return meta.stream().mapToInt(m -> m[1]).toArray();
        }
    }
}
