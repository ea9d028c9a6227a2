package dev.dycoke4j.compress;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntFunction;

/**
 * FlashVID's vision side (Fan et al., ICLR 2026), as its official {@code flashvid_compression} does it on
 * LLaVA-OneVision's pooled tokens and the attention they receive in the vision tower:
 * <ol>
 *   <li>Segments: cut where the cosine of consecutive frames' mean tokens falls below the segment threshold, then,
 *   below the minimum number of segments, also at the least similar remaining transitions.</li>
 *   <li>Per frame a budget of {@code ceil(T·ratio·expansion)} tokens, {@code ceil(budget·alpha)} of them chosen by
 *   ADTS ({@link FlashVidAdts}) and copied; the rest are merged.</li>
 *   <li>In a segment of several frames, the unchosen tokens merge along time ({@link FlashVidTemporalMerge}); a
 *   single frame passes all its tokens on, those ADTS chose included.</li>
 *   <li>Each frame's remaining tokens are clustered ({@link FlashVidClustering}) to the segment's merged budget
 *   spread in proportion, each cluster standing at its centre's position.</li>
 * </ol>
 * The output is sorted by the position each token stands for; where a position stands twice (its ADTS copy and a
 * cluster centred on it, in single-frame segments, as in the official code) the copy comes first. The vision side
 * keeps {@code expansion} times the nominal ratio; the nominal ratio is reached after the pruning inside the LLM
 * ({@link FlashVidMethod}).
 */
public final class FlashVid implements Compressor {
    /** {@link Result#kind()}: chosen by ADTS, a copy of its token. */
    public static final int ADTS = 1;
    /** {@link Result#kind()}: merged (temporally, spatially or both). */
    public static final int MERGED = 2;

    /**
     * FlashVID's vision-side hyperparameters.
     *
     * @param ratio                the retention ratio, in (0, 1]
     * @param expansion            how much more than the ratio the vision side keeps (1.25)
     * @param alpha                the share of each frame's budget ADTS chooses (0.7)
     * @param temporalThreshold    the cosine above which a token merges into the previous frame's (0.8)
     * @param segment              whether to cut the video into segments (else one segment)
     * @param segmentThreshold     the cosine of consecutive frame means below which a segment ends (0.9)
     * @param minSegments          the least number of segments, reached by cutting at the least similar transitions (8)
     * @param complementarySegment whether to reach {@code minSegments} at all
     */
    public record Config(double ratio, double expansion, double alpha, double temporalThreshold, boolean segment,
                         double segmentThreshold, int minSegments, boolean complementarySegment) {
        public Config {
            if (!(ratio > 0 && ratio <= 1)) throw new IllegalArgumentException("FlashVID's ratio must be in (0, 1], got " + ratio);
            if (!(expansion >= 1) || ratio * expansion > 1)
                throw new IllegalArgumentException("FlashVID keeps ratio " + ratio + " x expansion " + expansion + " of each frame, which must be at most 1");
            if (!(alpha >= 0 && alpha <= 1)) throw new IllegalArgumentException("FlashVID's alpha must be in [0, 1], got " + alpha);
            // the official code divides by zero above 1: nothing would be left to cluster
            if (!(temporalThreshold < 1)) throw new IllegalArgumentException("FlashVID's temporal threshold must be below 1, got " + temporalThreshold);
        }

        /** The settings the official scripts run ({@code scripts/llava_ov.sh}) at {@code ratio}. */
        public static Config paper(double ratio) {
            return new Config(ratio, 1.25, 0.7, 0.8, true, 0.9, 8, true);
        }

        /** Tokens kept per frame before the LLM: {@code ceil(T·ratio·expansion)}. */
        public int budget(int T) {
            return (int) Math.ceil(T * ratio * expansion);
        }

        /** Of them, chosen by ADTS: {@code ceil(budget·alpha)}. */
        public int chosen(int T) {
            return (int) Math.ceil(budget(T) * alpha);
        }
    }

    /**
     * What the vision side returns: the tokens (each with the position it stands for, which may repeat), each one's
     * kind ({@link #ADTS} or {@link #MERGED}), the segments' lengths in frames (0 where the official code cuts twice at
     * one transition), and the tie-break noise each clustering drew, in order.
     */
    public record Result(VisualTokens tokens, int[] kind, int[] segments, List<float[]> noise) {
    }

    private final Config config;

    public FlashVid(Config config) {
        this.config = java.util.Objects.requireNonNull(config, "config");
    }

    public Config config() {
        return config;
    }

    /** The vision side with the tie-break noise of {@code torch.manual_seed(0)}: the same tokens for the same video. */
    @Override
    public VisualTokens compress(VisualTokens pooled) {
        return run(pooled, new TorchUniform(0)::next).tokens();
    }

    /**
     * The vision side on every pooled token of a video, with its saliency as the attention the tokens receive.
     *
     * @param source n uniforms in [0, 1) for each clustering of n tokens, in order (the official {@code torch.rand})
     */
    public Result run(VisualTokens in, IntFunction<float[]> source) {
        int F = in.frames(), T = in.tokensPerFrame(), D = in.dim();
        if (in.count() != F * T) throw new IllegalArgumentException("FlashVID needs every pooled token, got " + in.count() + " of " + F * T);
        if (in.saliency() == null)
            throw new IllegalArgumentException("FlashVID needs vision attention (the tokens' saliency), but the tokens have none");
        float[] x = in.features();
        List<float[]> drawn = new ArrayList<>();
        IntFunction<float[]> noise = n -> {
            float[] d = source.apply(n);
            drawn.add(d);
            return d;
        };
        int[] segments = config.segment ? segments(x, F, T, D) : new int[]{F};
        int budget = config.budget(T), chosen = config.alpha > 0 ? config.chosen(T) : 0, rest = budget - chosen;

        List<Token> out = new ArrayList<>();
        int f0 = 0;
        for (int L : segments) {
            int[][] adts = chosen > 0 ? FlashVidAdts.select(x, in.saliency(), f0, L, T, D, chosen) : new int[L][0];
            for (int f = 0; f < L; f++)
                for (int t : adts[f]) out.add(new Token((f0 + f) * T + t, ADTS, toDouble(x, (f0 + f) * T + t, D)));
            if (rest * L > 0) spatial(x, f0, L, T, D, adts, budget, rest * L, noise, out);
            f0 += L;
        }
        out.sort(Comparator.comparingInt(Token::src).thenComparingInt(Token::kind));
        float[] features = new float[out.size() * D];
        int[] src = new int[out.size()], kind = new int[out.size()];
        for (int i = 0; i < out.size(); i++) {
            Token t = out.get(i);
            for (int d = 0; d < D; d++) features[i * D + d] = (float) t.row[d];
            src[i] = t.src;
            kind[i] = t.kind;
        }
        return new Result(new VisualTokens(features, out.size(), D, src, F, T, null), kind, segments, List.copyOf(drawn));
    }

    private record Token(int src, int kind, double[] row) {
    }

    /** Temporal merging (several frames) and spatial clustering of a segment's tokens that ADTS did not choose. */
    private void spatial(float[] x, int f0, int L, int T, int D, int[][] adts, int budget, int merged, IntFunction<float[]> noise, List<Token> out) {
        int[][] positions;
        double[][][] rows;
        if (L > 1) {
            FlashVidTemporalMerge.Frames m = FlashVidTemporalMerge.merge(x, f0, L, T, D, adts, budget, config.temporalThreshold);
            positions = m.positions();
            rows = m.rows();
        } else {
            positions = new int[][]{new int[T]};
            rows = new double[1][T][];
            for (int t = 0; t < T; t++) {
                positions[0][t] = t;
                rows[0][t] = toDouble(x, f0 * T + t, D);
            }
        }
        int remaining = 0;
        for (int[] p : positions) remaining += p.length;
        double share = (double) merged / remaining;
        int[] clusters = new int[L];
        float[][] draws = new float[L][];
        for (int f = 0; f < L; f++) {
            clusters[f] = (int) Math.ceil(positions[f].length * share);
            // drawn frame by frame in order, as the official code draws them, before the frames are clustered in parallel
            if (clusters[f] > 0 && share < 1) draws[f] = noise.apply(positions[f].length);
        }
        FlashVidClustering.Clusters[] done = new FlashVidClustering.Clusters[L];
        double[][][] frameRows = rows;
        dev.dycoke4j.parallel.Parallel.forRange(L, 1, (lo, hi) -> {
            for (int f = lo; f < hi; f++) if (draws[f] != null) done[f] = FlashVidClustering.cluster(frameRows[f], clusters[f], draws[f]);
        });
        for (int f = 0; f < L; f++) {
            if (done[f] != null) {
                for (int i = 0; i < clusters[f]; i++) out.add(new Token((f0 + f) * T + positions[f][done[f].centres()[i]], MERGED, done[f].means()[i]));
            } else {
                for (int i = 0; i < positions[f].length; i++) out.add(new Token((f0 + f) * T + positions[f][i], MERGED, rows[f][i]));
            }
        }
    }

    /** The segments' lengths (the official {@code segment} and {@code additional_segment}). */
    int[] segments(float[] x, int F, int T, int D) {
        float[] means = new float[F * D];
        for (int f = 0; f < F; f++)
            for (int d = 0; d < D; d++) {
                double s = 0;
                for (int t = 0; t < T; t++) s += x[(f * T + t) * D + d];
                means[f * D + d] = (float) (s / T);
            }
        double[][] u = FlashVidMath.normalised(means, 0, F, D);
        float threshold = (float) config.segmentThreshold;
        float[] sim = new float[Math.max(0, F - 1)];
        List<Integer> cuts = new ArrayList<>();
        for (int i = 0; i + 1 < F; i++) {
            sim[i] = (float) FlashVidMath.dot(u[i], u[i + 1]);
            if (sim[i] < threshold) cuts.add(i);
        }
        if (cuts.size() + 1 < config.minSegments && config.complementarySegment) {
            int need = Math.min(config.minSegments - (cuts.size() + 1), sim.length);
            for (int c : cuts) sim[c] = 1f;
            for (int i : TorchTopK.smallest(sim, need)) cuts.add(i);
            cuts.sort(null);
        }
        int[] lengths = new int[cuts.size() + 1];
        int last = -1;
        for (int i = 0; i < cuts.size(); i++) {
            lengths[i] = cuts.get(i) - last;
            last = cuts.get(i);
        }
        lengths[cuts.size()] = F - 1 - last;
        return lengths;
    }

    private static double[] toDouble(float[] x, int row, int D) {
        double[] r = new double[D];
        for (int d = 0; d < D; d++) r[d] = x[row * D + d];
        return r;
    }
}
