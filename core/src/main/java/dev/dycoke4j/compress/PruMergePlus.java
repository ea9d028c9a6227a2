package dev.dycoke4j.compress;

import java.util.Arrays;

/**
 * Baseline: LLaVA-PruMerge+ (Shang et al., "LLaVA-PruMerge: Adaptive Token Reduction for Efficient Large Multimodal
 * Models", arXiv:2403.15388), per frame, at an exact token budget. For each frame, with its budget b
 * ({@link Budget#perFrame(String, double, VisualTokens)}: the video's budget split evenly, the remainder to the first
 * frames):
 *
 * <ol>
 *   <li><b>Important tokens</b> (PruMerge's adaptive selection): the IQR outliers of the frame's saliency, tokens with
 *   saliency &gt; Q3 + 1.5·IQR (quartiles by linear interpolation, as {@code numpy.percentile}).</li>
 *   <li><b>Spatial samples</b> (the "+" of PruMerge+): if there are fewer than b outliers, the rest of the budget is
 *   taken at a uniform stride over the frame's other positions in raster order ({@link Budget#spread}); if there are
 *   b or more, the b of highest saliency are kept.</li>
 *   <li><b>Merge</b>: every pruned token joins the kept token whose features are most cosine-similar ({@link Nearest});
 *   a kept token becomes the saliency-weighted average of itself and the tokens that joined it,
 *   Σ s_j·x_j / Σ s_j (the plain average if the weights sum to 0).</li>
 * </ol>
 * The frame's kept tokens go out in raster order, frames in order; each keeps its own source index and saliency
 * (the anchor's value, not merged).
 *
 * <p>Adaptations from the paper and the official code (42Shawn/LLaVA-PruMerge, {@code clip_encoder.py}):
 * <ul>
 *   <li>Importance: the official code uses CLIP's [CLS] attention of the penultimate layer. SigLIP has no [CLS]
 *   token, so the saliency is the attention each token receives in the last layer, averaged over heads and queries
 *   and pooled like the features, the "pseudo-CLS" stand-in that SigLIP ports use (e.g. the LLaVA-OneVision hook in
 *   ModelTC/llmc's {@code holitom.py}).</li>
 *   <li>Per frame: PruMerge is an image method; each frame is treated as an image.</li>
 *   <li>Exact budget: PruMerge's count is adaptive (the outliers) and PruMerge+ adds a fixed-stride sample of roughly
 *   three times as many tokens; here both are bounded by the frame's budget so that the method runs at DyCoke's
 *   token count. The extra token the official code appends (the saliency-weighted sum of all pruned tokens) is
 *   dropped for the same reason.</li>
 *   <li>Similarity: the official code compares the ViT keys of that layer; the pooled tokens have no keys, so their
 *   features are compared.</li>
 *   <li>Merge: the paper describes clustering the pruned tokens around the kept ones and updating each kept token by
 *   an attention-weighted average. The official code instead adds to each kept token the unnormalized
 *   attention-weighted sum of its 32 nearest tokens (kept ones included, a token can count for several); here each
 *   pruned token is assigned once, to its nearest kept token, and the weights are normalized so merged tokens stay
 *   on the scale of the features the LLM expects.</li>
 * </ul>
 */
public final class PruMergePlus implements Compressor {
    private final double ratio;

    public PruMergePlus(double ratio) {
        Budget.checkRatio("PruMerge+", ratio);
        this.ratio = ratio;
    }

    @Override
    public VisualTokens compress(VisualTokens in) {
        float[] sal = in.saliency();
        if (sal == null) throw new IllegalArgumentException("PruMerge+ needs vision attention (the tokens' saliency), but the tokens have none");
        int[] budget = Budget.perFrame("PruMerge+", ratio, in);
        int F = in.frames(), T = in.tokensPerFrame(), d = in.dim();
        float[] x = in.features();
        int[][] anchors = new int[F][], members = new int[F][], assigned = new int[F][];
        int total = 0;
        for (int f = 0; f < F; f++) {
            float[] s = Arrays.copyOfRange(sal, f * T, f * T + T);
            boolean[] kept = keptPositions(s, budget[f]);
            anchors[f] = rows(kept, true, f * T);
            members[f] = rows(kept, false, f * T);
            assigned[f] = Nearest.assign(x, d, anchors[f], members[f]);
            total += anchors[f].length;
        }
        int[] all = new int[total];
        for (int f = 0, n = 0; f < F; n += anchors[f].length, f++) System.arraycopy(anchors[f], 0, all, n, anchors[f].length);
        VisualTokens out = in.select(all);
        float[] y = out.features();
        for (int f = 0, base = 0; f < F; base += anchors[f].length, f++) {
            merge(x, sal, d, anchors[f], members[f], assigned[f], y, base);
        }
        return out;
    }

    /** The positions a frame keeps: its saliency outliers, topped up by spatial samples or cut to the b most salient. */
    static boolean[] keptPositions(float[] s, int b) {
        int T = s.length;
        boolean[] kept = new boolean[T];
        double upper = upperFence(s);
        int outliers = 0;
        for (float v : s) if (v > upper) outliers++;
        if (outliers >= b) {
            for (int t : DynamicPruning.topK(s, b)) kept[t] = true;
            return kept;
        }
        for (int t = 0; t < T; t++) kept[t] = s[t] > upper;
        int[] rest = new int[T - outliers];
        for (int t = 0, n = 0; t < T; t++) if (!kept[t]) rest[n++] = t;
        for (int i : Budget.spread(rest.length, b - outliers)) kept[rest[i]] = true;
        return kept;
    }

    /** Q3 + 1.5·(Q3 - Q1) of the values, the quartiles interpolated linearly as numpy.percentile does. */
    static double upperFence(float[] s) {
        float[] v = s.clone();
        Arrays.sort(v);
        double q1 = percentile(v, 0.25), q3 = percentile(v, 0.75);
        return q3 + 1.5 * (q3 - q1);
    }

    private static double percentile(float[] sorted, double q) {
        double h = (sorted.length - 1) * q;
        int lo = (int) Math.floor(h), hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (h - lo) * ((double) sorted[hi] - sorted[lo]);
    }

    private static int[] rows(boolean[] kept, boolean want, int base) {
        int n = 0;
        for (boolean k : kept) if (k == want) n++;
        int[] r = new int[n];
        for (int t = 0, i = 0; t < kept.length; t++) if (kept[t] == want) r[i++] = base + t;
        return r;
    }

    /** Writes each anchor's saliency-weighted average with its members into rows base.. of y. */
    private static void merge(float[] x, float[] sal, int d, int[] anchors, int[] members, int[] assigned, float[] y, int base) {
        double[] acc = new double[anchors.length * d], plain = new double[anchors.length * d];
        double[] weight = new double[anchors.length];
        int[] count = new int[anchors.length];
        for (int a = 0; a < anchors.length; a++) add(x, anchors[a], sal[anchors[a]], d, acc, plain, weight, count, a);
        for (int m = 0; m < members.length; m++) add(x, members[m], sal[members[m]], d, acc, plain, weight, count, assigned[m]);
        for (int a = 0; a < anchors.length; a++) {
            boolean weighted = weight[a] > 0 && Double.isFinite(weight[a]);
            for (int i = 0; i < d; i++) {
                y[(base + a) * d + i] = (float) (weighted ? acc[a * d + i] / weight[a] : plain[a * d + i] / count[a]);
            }
        }
    }

    private static void add(float[] x, int row, float w, int d, double[] acc, double[] plain, double[] weight, int[] count, int a) {
        for (int i = 0; i < d; i++) {
            acc[a * d + i] += (double) w * x[row * d + i];
            plain[a * d + i] += x[row * d + i];
        }
        weight[a] += w;
        count[a]++;
    }
}
