package dev.dycoke4j.compress;

import java.util.Arrays;

/**
 * Baseline: VisionZip (Yang et al., "VisionZip: Longer is Better but Not Necessary in Vision Language Models",
 * arXiv:2412.04467), per frame, at an exact token budget. For each frame, with its budget b
 * ({@link Budget#perFrame(String, double, VisualTokens)}), d = round(dominantShare·b) dominant and c = b - d contextual
 * tokens:
 *
 * <ol>
 *   <li><b>Dominant</b>: the d tokens of highest saliency (ties to the lower position), kept as they are.</li>
 *   <li><b>Contextual</b>: the frame's other n' = T - d tokens, in raster order, get c targets at a stride of
 *   max(1, floor(n'/c)) from the first (as the official code: {@code arange(0, n', step)[:c]}); each remaining token
 *   joins the target whose features are most cosine-similar ({@link Nearest}), and each target becomes the plain
 *   average of itself and the tokens that joined it.</li>
 * </ol>
 * A frame's dominant tokens go out in raster order, then its contextual tokens in target order (also raster); frames
 * in order. Every output row keeps the source index and saliency of its own token (the target's, for a contextual
 * token).
 *
 * <p>{@link #DEFAULT_DOMINANT_SHARE} is the official split: 54 + 10 of 64, 108 + 20 of 128 and 162 + 30 of 192 all give
 * 54/64 = 0.84375 dominant.
 *
 * <p>Adaptations from the paper and the official code (dvlab-research/VisionZip, {@code visionzip/clip_encoder.py}):
 * <ul>
 *   <li>Dominance: the official code sums CLIP's [CLS] attention over heads at the penultimate layer and always keeps
 *   [CLS]. SigLIP has no [CLS] token, so the saliency is the attention each token receives in the last layer, averaged
 *   over heads and queries and pooled like the features (as the SigLIP hook for LLaVA-OneVision in ModelTC/llmc's {@code holitom.py} computes it),
 *   and nothing extra is kept.</li>
 *   <li>Per frame: each frame is compressed as an image, at its share of the video's budget.</li>
 *   <li>Similarity: the official code compares the ViT keys (averaged over heads); the pooled tokens have no keys, so
 *   their features are compared.</li>
 *   <li>Merge: the official code outputs target + mean(joined tokens) (the target counted apart, so the result is
 *   about twice the scale of a token); here the group is averaged, target included, so contextual tokens stay on the
 *   scale of the features the LLM expects.</li>
 * </ul>
 */
public final class VisionZip implements Compressor {
    /** 54 dominant of 64 tokens, the split of every official setting (54+10, 108+20, 162+30). */
    public static final double DEFAULT_DOMINANT_SHARE = 54.0 / 64;

    private final double ratio, dominantShare;

    public VisionZip(double ratio, double dominantShare) {
        Budget.checkRatio("VisionZip", ratio);
        if (!(dominantShare >= 0 && dominantShare <= 1)) throw new IllegalArgumentException("VisionZip: the dominant share must be in [0, 1], got " + dominantShare);
        this.ratio = ratio;
        this.dominantShare = dominantShare;
    }

    /** At the official dominant/contextual split. */
    public VisionZip(double ratio) {
        this(ratio, DEFAULT_DOMINANT_SHARE);
    }

    /** Dominant tokens of a frame with budget b: round(dominantShare·b). */
    public int dominant(int b) {
        return (int) Math.round(dominantShare * b);
    }

    @Override
    public VisualTokens compress(VisualTokens in) {
        float[] sal = in.saliency();
        if (sal == null) throw new IllegalArgumentException("VisionZip needs vision attention (the tokens' saliency), but the tokens have none");
        int[] budget = Budget.perFrame("VisionZip", ratio, in);
        int F = in.frames(), T = in.tokensPerFrame(), d = in.dim();
        float[] x = in.features();
        int total = Arrays.stream(budget).sum();
        int[] all = new int[total];
        // per output row: the contextual group to average into it (null for a dominant token)
        int[][] groups = new int[total][];
        int n = 0;
        for (int f = 0; f < F; f++) {
            int b = budget[f], dom = dominant(b), ctx = b - dom, base = f * T;
            int[] top = DynamicPruning.topK(Arrays.copyOfRange(sal, base, base + T), dom);
            boolean[] isDominant = new boolean[T];
            for (int t : top) {
                isDominant[t] = true;
                all[n++] = base + t;
            }
            if (ctx == 0) continue;
            int[] rest = new int[T - dom];
            for (int t = 0, i = 0; t < T; t++) if (!isDominant[t]) rest[i++] = base + t;
            int step = Math.max(1, rest.length / ctx);
            int[] targets = new int[ctx], others = new int[rest.length - ctx];
            for (int i = 0, j = 0, o = 0; i < rest.length; i++) {
                if (j < ctx && i == j * step) targets[j++] = rest[i];
                else others[o++] = rest[i];
            }
            int[] joined = Nearest.assign(x, d, targets, others);
            int[] size = new int[ctx];
            for (int a : joined) size[a]++;
            int[][] g = new int[ctx][];
            for (int j = 0; j < ctx; j++) {
                g[j] = new int[size[j] + 1];
                g[j][0] = targets[j];
                size[j] = 1;
            }
            for (int o = 0; o < others.length; o++) g[joined[o]][size[joined[o]]++] = others[o];
            for (int j = 0; j < ctx; j++) {
                groups[n] = g[j];
                all[n++] = targets[j];
            }
        }
        VisualTokens out = in.select(all);
        float[] y = out.features();
        for (int r = 0; r < total; r++) {
            if (groups[r] == null || groups[r].length == 1) continue;
            for (int i = 0; i < d; i++) {
                double s = 0;
                for (int row : groups[r]) s += x[row * d + i];
                y[r * d + i] = (float) (s / groups[r].length);
            }
        }
        return out;
    }
}
